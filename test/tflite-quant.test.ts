// Quantized (int8 / uint8) TFLite models, computed in float with fake quantization at every quantized tensor
// (src/tflite/quant.ts), against LiteRT.js's integer kernels on models built here: each output within one
// quantization step of the output tensor, on the CPU and on WebGPU.
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedOpError } from '../src/errors.js';
import { load } from '../src/model.js';
import { loadTflite } from '../src/tflite/import.js';
import { BuiltinOperator as Op, TensorType } from '../src/tflite/schema/tflite_generated.js';
import { getTestDevice } from './support/gpu.js';
import { buildTflite, i32, i8, type ModelSpec } from './support/tflite-build.js';
import { int8Deep, int8MobileNet, int8V3Block, uint8Io, uint8Net } from './support/tflite-quant-models.js';
import { liteRtOutputs, type RefOutput } from './support/tflite-run-ref.js';

function rand(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => lo + (((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo)));
}

interface Case {
  name: string;
  spec: ModelSpec;
  /** Input values: float, or uint8 integers (the model's quantized input). */
  input: Float32Array | Uint8Array;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const cases: Case[] = [
  { name: 'int8 MobileNet-style block (per-channel conv and depthwise, ADD, MEAN, FC, softmax)', spec: int8MobileNet(), input: rand(size([1, 9, 9, 3]), 5, -1.1, 1.1) },
  { name: 'int8 MobileNetV3-style block (HARD_SWISH, squeeze-excite with LOGISTIC and MUL, PAD, AVERAGE_POOL, RESHAPE, CONCATENATION)', spec: int8V3Block(), input: rand(size([1, 6, 6, 4]), 8, -1.6, 1.6) },
  { name: 'int8, 6 depthwise-separable blocks deep', spec: int8Deep(6), input: rand(size([1, 10, 10, 8]), 9, -1, 1) },
  { name: 'int8, 6 residual blocks deep (ADD after each)', spec: int8Deep(6, true), input: rand(size([1, 10, 10, 8]), 10, -1, 1) },
  { name: 'uint8 conv (per-tensor, zero point 131), max and average pool, ADD', spec: uint8Net(), input: rand(size([1, 7, 7, 4]), 6, -1.2, 1.2) },
  { name: 'uint8 in and out: depthwise conv + relu6', spec: uint8Io(), input: Uint8Array.from(rand(size([1, 6, 6, 3]), 7, 0, 256), Math.floor) },
];

/** The step of each output: its own scale when quantized, else the scale of the tensor it dequantizes. */
function outputStep(spec: ModelSpec, k: number): number {
  const t = spec.tensors[spec.outputs[k]!]!;
  if (t.type === TensorType.UINT8 || t.type === TensorType.INT8) return 1; // the API gives the integers q
  const producer = spec.ops.find((o) => o.outputs.includes(spec.outputs[k]!))!;
  return spec.tensors[producer.inputs[0]!]!.quant!.scale[0]!;
}

let refs: RefOutput[][];
beforeAll(async () => {
  refs = await liteRtOutputs(cases.map((c) => ({ bytes: buildTflite(c.spec), inputs: [{ shape: c.spec.tensors[c.spec.inputs[0]!]!.shape, data: c.input }] })));
}, 180_000);

describe('quantized TFLite models against LiteRT.js', () => {
  cases.forEach((c, i) => {
    it(`${c.name}: within one quantization step, CPU and WebGPU`, async () => {
      const bytes = buildTflite(c.spec);
      const shape = c.spec.tensors[c.spec.inputs[0]!]!.shape;
      for (const backend of ['cpu', 'webgpu'] as const) {
        const m = await load(bytes, backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
        const data = c.input instanceof Uint8Array ? Int32Array.from(c.input) : c.input;
        const got = await m.run({ [m.inputs[0]!.name]: { shape, data } as never });
        m.dispose();
        refs[i]!.forEach((ref, k) => {
          const y = got.get(ref.name)!;
          expect(y.shape, ref.name).toEqual(ref.shape);
          const step = outputStep(c.spec, k);
          let worst = 0;
          let differ = 0;
          for (let j = 0; j < ref.data.length; j++) {
            const d = Math.abs(y.data[j]! - ref.data[j]!);
            worst = Math.max(worst, d / step);
            if (d > step * 1e-3) differ++;
          }
          console.log(`${c.name} [${backend}] ${ref.name}: max |Δ| = ${worst.toFixed(3)} steps; ${differ} of ${ref.data.length} values differ`);
          expect(worst, `${ref.name} (${backend})`).toBeLessThanOrEqual(1 + 1e-4);
        });
      }
    }, 120_000);
  });
});

describe('int8 inputs and outputs (LiteRT.js takes no int8 tensors)', () => {
  it('the uint8 I/O model shifted to int8 (q − 128, zero points − 128) gives its outputs − 128, as integers from predict', async () => {
    const u = uint8Io();
    const s = uint8Io();
    for (const k of [0, 1, 3]) {
      const t = s.tensors[k]!;
      t.type = TensorType.INT8;
      t.quant = { ...t.quant!, zeroPoint: t.quant!.zeroPoint.map((z) => z - 128) };
      if (t.data) t.data = Uint8Array.from(t.data, (v) => (v - 128) & 0xff);
    }
    const x = Uint8Array.from(rand(size([1, 6, 6, 3]), 12, 0, 256), Math.floor);
    const [mu, ms] = [await load(buildTflite(u), { backend: 'cpu' }), await load(buildTflite(s), { backend: 'cpu' })];
    expect(ms.inputs[0]!.dtype).toBe('int32');
    expect(ms.outputs[0]!.dtype).toBe('int32');
    const yu = (await mu.predict({ pixels: { shape: [1, 6, 6, 3], data: Int32Array.from(x) } })).get('features')!;
    const ys = (await ms.predict({ pixels: { shape: [1, 6, 6, 3], data: Int32Array.from(x, (v) => v - 128) } })).get('features')!;
    mu.dispose();
    ms.dispose();
    expect(ys.data).toBeInstanceOf(Int32Array);
    expect(Array.from(ys.data)).toEqual(Array.from(yu.data, (v) => v - 128));
    expect(new Set(yu.data).size).toBeGreaterThan(5);
  });
});

describe('quantized tensors that cannot run are typed errors', () => {
  it('per-channel activations, int16 activations, bad scales and zero points name the tensor', () => {
    const bad = (edit: (s: ModelSpec) => void) => {
      const s = int8MobileNet();
      edit(s);
      return () => loadTflite(buildTflite(s));
    };
    expect(bad((s) => (s.tensors[4]!.quant = { scale: [0.1, 0.2], zeroPoint: [0, 0], dimension: 3 }))).toThrow(/conv1.*needs one \(per-tensor\) scale; it has 2/);
    expect(bad((s) => (s.tensors[4]!.type = TensorType.INT16))).toThrow(/conv1.*INT16 activations are not supported/);
    expect(bad((s) => (s.tensors[4]!.quant = { scale: [0], zeroPoint: [0] }))).toThrow(/scale 0 is not a positive number within float32's normal range/);
    expect(bad((s) => (s.tensors[4]!.quant = { scale: [1e-40], zeroPoint: [0] }))).toThrow(/scale 9\.9\d*e-41 is not/); // 1e-40 as float32
    expect(bad((s) => (s.tensors[4]!.quant = { scale: [0.1], zeroPoint: [300] }))).toThrow(/zero point 300 is outside INT8's range/);
    expect(bad((s) => (s.tensors[4]!.quant = undefined))).toThrow(UnsupportedOpError);
  });

  it('an int8 output folded from constants without quantization parameters is a ModelFormatError (found by the fuzzer)', () => {
    const spec: ModelSpec = {
      tensors: [
        { name: 'x', shape: [2] },
        { name: 'q', shape: [2], type: TensorType.INT8, data: i8([3, -4]), quant: { scale: [0.5], zeroPoint: [0] } },
        { name: 'shape', shape: [1], type: TensorType.INT32, data: i32([2]) },
        { name: 'q2', shape: [2], type: TensorType.INT8 },
        { name: 'd', shape: [2] },
        { name: 'y', shape: [2] },
      ],
      ops: [
        { op: Op.RESHAPE, inputs: [1, 2], outputs: [3] },
        { op: Op.DEQUANTIZE, inputs: [3], outputs: [4] },
        { op: Op.ADD, inputs: [0, 4], outputs: [5] },
      ],
      inputs: [0],
      outputs: [5],
    };
    expect(() => loadTflite(buildTflite(spec))).toThrow(ModelFormatError);
    expect(() => loadTflite(buildTflite(spec))).toThrow(/RESHAPE.*q2.*INT8 without quantization parameters/);
  });
});
