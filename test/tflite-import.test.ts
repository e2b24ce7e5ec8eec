// The TFLite importer on small models written with the generated object API: MediaPipe's custom
// Convolution2DTransposeBias against a plain transposed conv + bias written out here, float16 and int8 constant
// dequantization, and the typed errors for malformed or unsupported files.
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { ModelFormatError, UnsupportedOpError } from '../src/errors.js';
import { resolve } from '../src/graph/resolve.js';
import { load } from '../src/model.js';
import { loadTflite, readTflite } from '../src/tflite/import.js';
import { BuiltinOperator as Op, BuiltinOptions, MulOptionsT, Padding, TensorType, TransposeConvOptionsT } from '../src/tflite/schema/tflite_generated.js';
import { float16ToFloat32 } from '../src/tflite/values.js';
import { getTestDevice } from './support/gpu.js';
import { buildTflite, f16, f32, i32, i8, modelT, pack, type ModelSpec } from './support/tflite-build.js';
import { TFLITE_MODELS, modelBytes } from './support/tflite-ref.js';

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

function runOnCpu(bytes: Uint8Array, input: Float32Array): Map<string, { shape: readonly number[]; data: Float32Array }> {
  const g = loadTflite(bytes);
  return runCpu(resolve(g, {}), { [g.inputs[0]!.name]: input });
}

/**
 * MediaPipe's Convolution2DTransposeBias, stated directly (NHWC, weights OHWI): every input pixel scatters
 * weights·x onto the output from (in·s − pad/2), pad = max(0, k − (in − 1) mod s − 1) for SAME, 0 for VALID.
 */
function transposeConvBiasRef(x: Float32Array, [n, h, w, cin]: number[], wt: Float32Array, [cout, kh, kw]: number[], bias: Float32Array, s: [number, number], same: boolean) {
  const padH = same ? Math.max(0, kh - ((h - 1) % s[0]) - 1) : 0;
  const padW = same ? Math.max(0, kw - ((w - 1) % s[1]) - 1) : 0;
  const oh = s[0] * (h - 1) + kh - padH;
  const ow = s[1] * (w - 1) + kw - padW;
  const y = new Float64Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh * ow; i++) for (let o = 0; o < cout; o++) y[(b * oh * ow + i) * cout + o] = bias[o]!;
  for (let b = 0; b < n; b++)
    for (let iy = 0; iy < h; iy++)
      for (let ix = 0; ix < w; ix++)
        for (let c = 0; c < cin; c++)
          for (let fy = 0; fy < kh; fy++)
            for (let fx = 0; fx < kw; fx++) {
              const oy = iy * s[0] - Math.floor(padH / 2) + fy;
              const ox = ix * s[1] - Math.floor(padW / 2) + fx;
              if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
              for (let o = 0; o < cout; o++)
                y[((b * oh + oy) * ow + ox) * cout + o]! += x[((b * h + iy) * w + ix) * cin + c]! * wt[((o * kh + fy) * kw + fx) * cin + c]!;
            }
  return { shape: [n, oh, ow, cout], data: y };
}

function transposeConvBiasModel(xs: number[], ws: number[], s: [number, number], same: boolean, weights: Float32Array, bias: Float32Array, ys: number[]): ModelSpec {
  const params = i32([same ? 1 : 2, s[1], s[0]]);
  return {
    tensors: [
      { name: 'x', shape: xs },
      { name: 'w', shape: ws, data: f32(weights) },
      { name: 'b', shape: [ws[0]!], data: f32(bias) },
      { name: 'y', shape: ys },
    ],
    ops: [{ op: 'Convolution2DTransposeBias', inputs: [0, 1, 2], outputs: [3], custom: params }],
    inputs: [0],
    outputs: [3],
  };
}

describe('TFLite reader', () => {
  it('reads the four MediaPipe models: float16 weights behind DEQUANTIZE, the custom op in the selfie models', () => {
    for (const c of TFLITE_MODELS) {
      const f = readTflite(modelBytes(c));
      expect(f.version).toBe(3);
      const ops = new Set(f.operators.map((o) => o.opName));
      expect(ops.has('DEQUANTIZE') && ops.has('CONV_2D') && ops.has('DEPTHWISE_CONV_2D'), c.file).toBe(true);
      expect(ops.has('Convolution2DTransposeBias')).toBe(c.file.startsWith('selfie'));
      const fp16 = f.tensors.filter((t) => t.type === TensorType.FLOAT16);
      expect(fp16.length).toBeGreaterThan(50);
      expect(fp16.every((t) => t.data !== undefined)).toBe(true);
    }
  });

  it('widens binary16 exactly', () => {
    expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00, 0xfc00].map(float16ToFloat32)).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, -0, Infinity, -Infinity]);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
  });
});

describe('Convolution2DTransposeBias', () => {
  const cases: { xs: number[]; k: [number, number]; s: [number, number]; cout: number; same: boolean }[] = [
    { xs: [1, 4, 5, 3], k: [2, 2], s: [2, 2], cout: 4, same: true }, // the selfie models' shape of it
    { xs: [1, 5, 4, 2], k: [3, 3], s: [2, 2], cout: 3, same: true },
    { xs: [2, 3, 3, 5], k: [4, 3], s: [3, 2], cout: 2, same: true },
    { xs: [1, 3, 4, 2], k: [3, 2], s: [2, 3], cout: 3, same: false },
    { xs: [1, 2, 2, 1], k: [1, 1], s: [1, 1], cout: 1, same: false },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches a plain transposed conv + bias: x [${c.xs}], k ${c.k}, s ${c.s}, ${c.same ? 'SAME' : 'VALID'} (CPU and WebGPU)`, async () => {
      const ws = [c.cout, c.k[0], c.k[1], c.xs[3]!];
      const wt = rand(ws.reduce((a, b) => a * b), 11 + i);
      const bias = rand(c.cout, 99 + i);
      const x = rand(c.xs.reduce((a, b) => a * b), 7 + i);
      const ref = transposeConvBiasRef(x, c.xs, wt, ws, bias, c.s, c.same);
      const bytes = buildTflite(transposeConvBiasModel(c.xs, ws, c.s, c.same, wt, bias, ref.shape));
      for (const backend of ['cpu', 'webgpu'] as const) {
        const m = await load(loadTflite(bytes), backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
        const y = (await m.run({ x: { shape: c.xs, data: x } })).get('y')!;
        m.dispose();
        expect(y.shape).toEqual(ref.shape);
        let err = 0;
        for (let k = 0; k < ref.data.length; k++) err = Math.max(err, Math.abs(y.data[k]! - ref.data[k]!));
        expect(err, backend).toBeLessThanOrEqual(1e-5);
      }
    }, 60_000);
  }

  it('rejects short custom options and unknown padding codes with a ModelFormatError naming the op', () => {
    const spec = transposeConvBiasModel([1, 2, 2, 1], [1, 2, 2, 1], [2, 2], true, rand(4, 1), rand(1, 2), [1, 4, 4, 1]);
    spec.ops[0]!.custom = new Uint8Array(8);
    expect(() => loadTflite(buildTflite(spec))).toThrow(/Convolution2DTransposeBias.*custom options are 8 bytes/);
    spec.ops[0]!.custom = i32([7, 2, 2]);
    expect(() => loadTflite(buildTflite(spec))).toThrow(ModelFormatError);
  });
});

/** x [1, 2, 2, C] · DEQUANTIZE(weights) broadcast over channels. */
function scaleModel(weights: { type: TensorType; data: Uint8Array; quant?: { scale: number[]; zeroPoint: number[]; dimension?: number } }, c: number): ModelSpec {
  return {
    tensors: [
      { name: 'x', shape: [1, 2, 2, c] },
      { name: 'wq', shape: [c], ...weights },
      { name: 'w', shape: [c] },
      { name: 'y', shape: [1, 2, 2, c] },
    ],
    ops: [
      { op: Op.DEQUANTIZE, inputs: [1], outputs: [2] },
      { op: Op.MUL, inputs: [0, 2], outputs: [3], optionsType: BuiltinOptions.MulOptions, options: new MulOptionsT() },
    ],
    inputs: [0],
    outputs: [3],
  };
}

describe('constant dequantization', () => {
  const x = rand(16, 5);
  it('widens float16 weights at load', () => {
    const w = [0.5, -1.25, 3, 0.0999755859375];
    const y = runOnCpu(buildTflite(scaleModel({ type: TensorType.FLOAT16, data: f16(w) }, 4)), x).get('y')!;
    expect(Array.from(y.data)).toEqual(Array.from(x, (v, i) => Math.fround(v * w[i % 4]!)));
  });

  it('dequantizes per-channel int8 weights: f = scale·(q − zero_point)', () => {
    const q = [-128, -3, 0, 127];
    const scale = [0.5, 0.25, 2, 0.125];
    const zp = [0, 1, -2, 3];
    const w = q.map((v, i) => Math.fround(scale[i]! * (v - zp[i]!)));
    const y = runOnCpu(buildTflite(scaleModel({ type: TensorType.INT8, data: i8(q), quant: { scale, zeroPoint: zp, dimension: 0 } }, 4)), x).get('y')!;
    expect(Array.from(y.data)).toEqual(Array.from(x, (v, i) => Math.fround(v * w[i % 4]!)));
  });

  it('refuses int8 activations without quantization parameters with an UnsupportedOpError saying so', () => {
    const spec = scaleModel({ type: TensorType.FLOAT32, data: f32([1, 2, 3, 4]) }, 4);
    spec.tensors[3]!.type = TensorType.INT8;
    expect(() => loadTflite(buildTflite(spec))).toThrow(UnsupportedOpError);
    expect(() => loadTflite(buildTflite(spec))).toThrow(/INT8\): a quantized INT8 activation needs one \(per-tensor\) scale; it has 0/);
  });
});

describe('load() detects .tflite content', () => {
  it('from bytes, an ArrayBuffer and a Node path: NHWC I/O named after the flatbuffer tensors', async () => {
    const c = TFLITE_MODELS[0]!;
    const bytes = modelBytes(c);
    const x = rand(128 * 128 * 3, 3);
    const results = [];
    for (const src of [bytes, bytes.slice().buffer, `node_modules/@mediapipe/${c.file}`]) {
      const m = await load(src, { backend: 'cpu' });
      expect(m.format).toBe('tflite');
      expect(m.inputs).toEqual([{ name: 'input', shape: [1, 128, 128, 3], dtype: 'float32' }]);
      expect(m.outputs.map((o) => [o.name, o.shape])).toEqual([['regressors', [1, 896, 16]], ['classificators', [1, 896, 1]]]);
      results.push((await m.run({ input: x })).get('classificators')!.data);
      m.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe('TFLite typed errors', () => {
  const good = () => scaleModel({ type: TensorType.FLOAT32, data: f32([1, 2, 3, 4]) }, 4);

  it('loads the good model', () => {
    expect(runOnCpu(buildTflite(good()), rand(16, 1)).get('y')!.shape).toEqual([1, 2, 2, 4]);
  });

  it('a wrong identifier, an empty or a truncated file is a ModelFormatError', () => {
    const bytes = buildTflite(good());
    const bad = bytes.slice();
    bad[4] = 0x58;
    expect(() => loadTflite(bad)).toThrow(/identifier.*TFL3/);
    expect(() => loadTflite(new Uint8Array(0))).toThrow(ModelFormatError);
    for (const n of [8, 12, 40, bytes.length >> 1, bytes.length - 9]) expect(() => loadTflite(bytes.subarray(0, n)), `${n} bytes`).toThrow(ModelFormatError);
  });

  it('a constant whose buffer does not match its shape names the tensor', () => {
    const spec = good();
    spec.tensors[1]!.data = f32([1, 2, 3]);
    expect(() => loadTflite(buildTflite(spec))).toThrow(/tensor #1 "wq".*needs 16 bytes; buffer 1 has 12/);
  });

  it('an op that reads a tensor written later (a cycle) or writes one twice is a ModelFormatError', () => {
    const swapped = good();
    spec2Swap(swapped);
    expect(() => loadTflite(buildTflite(swapped))).toThrow(/reads tensor #2 "w" before any operator writes it/);
    const cyc = good();
    cyc.ops[1]!.inputs = [3, 2];
    expect(() => loadTflite(buildTflite(cyc))).toThrow(/operator #1 \(MUL\) reads tensor #3 "y" before/);
    const twice = good();
    twice.ops.push({ ...twice.ops[1]! });
    expect(() => loadTflite(buildTflite(twice))).toThrow(/writes tensor #3 "y", which is already defined/);
  });

  it('tensor indices out of range and bad opcode indices name the operator', () => {
    const m = modelT(good());
    m.subgraphs[0]!.operators[1]!.inputs = [0, 17];
    expect(() => loadTflite(pack(m))).toThrow(/operator #1 \(MUL\) input #1 refers to tensor 17/);
    const m2 = modelT(good());
    m2.subgraphs[0]!.operators[0]!.opcodeIndex = 9;
    expect(() => loadTflite(pack(m2))).toThrow(/operator #0 has opcode index 9/);
  });

  it('lists every unsupported builtin and custom op at once, hostile names included', () => {
    const spec: ModelSpec = {
      tensors: [{ name: 'x', shape: [1, 4] }, { name: 'a', shape: [1, 4] }, { name: 'b', shape: [1, 4] }, { name: 'c', shape: [1, 4] }],
      ops: [
        { op: Op.LSTM, inputs: [0], outputs: [1] },
        { op: '__proto__', inputs: [1], outputs: [2] },
        { op: 'NotAnOp', inputs: [2], outputs: [3] },
      ],
      inputs: [0],
      outputs: [3],
    };
    try {
      loadTflite(buildTflite(spec));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedOpError);
      expect((e as UnsupportedOpError).unsupported.map((u) => u.op)).toEqual(['LSTM', 'CUSTOM __proto__', 'CUSTOM NotAnOp']);
    }
  });

  it('a declared output shape that disagrees with the op is a ModelFormatError', () => {
    const spec = good();
    spec.tensors[3]!.shape = [1, 2, 2, 5];
    expect(() => loadTflite(buildTflite(spec))).toThrow(/output tensor #3 "y" is declared \[1, 2, 2, 5\] but the op gives \[1, 2, 2, 4\]/);
  });

  it('TRANSPOSE_CONV takes its output shape input and OHWI weights', () => {
    const w = rand(2 * 3 * 3 * 2, 3);
    const x = rand(1 * 3 * 3 * 2, 4);
    const spec: ModelSpec = {
      tensors: [
        { name: 'shape', shape: [4], type: TensorType.INT32, data: i32([1, 6, 6, 2]) },
        { name: 'w', shape: [2, 3, 3, 2], data: f32(w) },
        { name: 'x', shape: [1, 3, 3, 2] },
        { name: 'y', shape: [1, 6, 6, 2] },
      ],
      ops: [{ op: Op.TRANSPOSE_CONV, inputs: [0, 1, 2], outputs: [3], optionsType: BuiltinOptions.TransposeConvOptions, options: new TransposeConvOptionsT(Padding.SAME, 2, 2) }],
      inputs: [2],
      outputs: [3],
    };
    const y = runOnCpu(buildTflite(spec), x).get('y')!;
    // TF's SAME for a stride-2, k-3 transposed conv onto 6: the 7-wide full result, 0 cut before and 1 after.
    const full = transposeConvBiasRef(x, [1, 3, 3, 2], w, [2, 3, 3], new Float32Array(2), [2, 2], false);
    expect(full.shape).toEqual([1, 7, 7, 2]);
    expect(y.shape).toEqual([1, 6, 6, 2]);
    let err = 0;
    for (let r = 0; r < 6; r++)
      for (let c = 0; c < 6; c++)
        for (let o = 0; o < 2; o++) err = Math.max(err, Math.abs(y.data[(r * 6 + c) * 2 + o]! - full.data[(r * 7 + c) * 2 + o]!));
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});

function spec2Swap(s: ModelSpec): void {
  s.ops.reverse();
}

/**
 * MediaPipe's TransformLandmarks v2 (mediapipe/util/tflite/operations/transform_landmarks.cc), written out:
 * x' = m[0]x + m[1]y + m[3], y' = m[4]x + m[5]y + m[7], z kept. LiteRT.js's wasm build has no resolver for
 * MediaPipe's custom ops ("Encountered unresolved custom op"), so this hand-written form is the reference.
 */
describe('TransformLandmarks (version 2)', () => {
  for (const d of [2, 3]) {
    it(`moves [1, 9, ${d}] landmarks by a 4×4 matrix, z kept (CPU and WebGPU)`, async () => {
      const n = 9;
      const spec: ModelSpec = {
        tensors: [{ name: 'l', shape: [1, n, d] }, { name: 'm', shape: [1, 4, 4] }, { name: 'y', shape: [1, n, d] }],
        ops: [{ op: 'TransformLandmarks', inputs: [0, 1], outputs: [2], version: 2 }],
        inputs: [0, 1],
        outputs: [2],
      };
      const l = rand(n * d, 21 + d).map((v) => v * 100);
      const m = rand(16, 31 + d);
      const ref = Float32Array.from(l);
      for (let i = 0; i < n; i++) {
        const [x, y] = [l[i * d]!, l[i * d + 1]!];
        ref[i * d] = m[0]! * x + m[1]! * y + m[3]!;
        ref[i * d + 1] = m[4]! * x + m[5]! * y + m[7]!;
      }
      for (const backend of ['cpu', 'webgpu'] as const) {
        const model = await load(buildTflite(spec), backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
        const y = (await model.run({ l: { shape: [1, n, d], data: l }, m: { shape: [1, 4, 4], data: m } })).get('y')!;
        model.dispose();
        expect(y.shape).toEqual([1, n, d]);
        let err = 0;
        for (let k = 0; k < ref.length; k++) err = Math.max(err, Math.abs(y.data[k]! - ref[k]!));
        expect(err, backend).toBeLessThanOrEqual(1e-4);
      }
    }, 60_000);
  }

  it('refuses version 1 with a typed error', () => {
    const spec: ModelSpec = {
      tensors: [{ name: 'l', shape: [1, 1, 4, 3] }, { name: 'm', shape: [1, 4, 4] }, { name: 'y', shape: [1, 1, 4, 3] }],
      ops: [{ op: 'TransformLandmarks', inputs: [0, 1], outputs: [2] }],
      inputs: [0, 1],
      outputs: [2],
    };
    expect(() => loadTflite(buildTflite(spec))).toThrow(/TransformLandmarks.*version 1 is not supported/);
  });
});
