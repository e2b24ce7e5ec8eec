// Robustness at the API: unsupported ops listed at once before GPU work, input errors stating expected and
// received, NaN/Inf propagation as in PyTorch on CPU and GPU, device loss at any point, concurrent callers.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { InputError, ModelFormatError, SepconvError, UnsupportedOpError } from '../src/errors.js';
import { requestGpu, type GpuContext } from '../src/gpu/device.js';
import type { Graph } from '../src/graph/ir.js';
import { load, type Model } from '../src/model.js';
import { loadOnnx } from '../src/onnx/import.js';
import { AttrType } from '../src/onnx/proto.js';
import { encodeModelProto } from '../src/onnx/proto-encode.js';
import type { Tensor } from '../src/tensor.js';
import { loadOnGpu } from './support/gpu.js';

const SHAPE: number[] = [1, 4, 8, 8];
const N = SHAPE.reduce((a, d) => a * d, 1);
const at = (c: number, y: number, x: number) => (c * 8 + y) * 8 + x;

/**
 * x -> depthwise 3x3 ("conv") -> relu ("relu") and relu6 ("clip") -> "sum" = relu + clip; x -> maxpool 2 ("pool").
 * The conv output has two readers, so no activation is fused: each op is checked on its own.
 */
function probeGraph(weightNaN = false): Graph {
  const b = new GraphBuilder('probe', { seed: 11 });
  const x = b.input('x', [...SHAPE]);
  const w = Float32Array.from({ length: 36 }, (_, i) => ((i * 7) % 5) / 4 - 0.4);
  if (weightNaN) w[3 * 9 + 4] = NaN; // centre tap of channel 3: every output of that channel reads it
  const conv = b.depthwiseConv2d(x, 4, 3, { padding: 1, name: 'dw', weight: w, biasData: Float32Array.of(0.1, -0.1, 0.2, 0) });
  const r = b.relu(conv, 'relu');
  const c = b.relu6(conv, 'relu6');
  b.output(conv, 'conv');
  b.output(r, 'relu_out');
  b.output(c, 'clip_out');
  b.output(b.add(r, c, 'add'), 'sum');
  b.output(b.maxPool2d(x, 2, { name: 'mp' }), 'pool');
  return b.build();
}

/** Finite ramp with NaN at (c0, 2, 2), +Inf at (c1, 5, 5) and -Inf at (c2, 0, 7). */
function specialInput(k = 0): Float32Array {
  const x = Float32Array.from({ length: N }, (_, i) => Math.cos(i * 0.61 + k) * 3);
  x[at(0, 2, 2)] = NaN;
  x[at(1, 5, 5)] = Infinity;
  x[at(2, 0, 7)] = -Infinity;
  return x;
}

function plainInput(k: number): Float32Array {
  return Float32Array.from({ length: N }, (_, i) => Math.sin(i * 0.3 + k * 1.7) * 2);
}

/** Same NaN positions, same infinities, finite values within tolerance. */
function expectSameSpecials(actual: Tensor, expected: Tensor, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!;
    const e = expected.data[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) expect(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: got ${a}, expected ${e}`).toBe(true);
    else expect(Math.abs(a - e), `${what}[${i}]: got ${a}, expected ${e}`).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(e));
  }
}

/** The PyTorch semantics, written out for the special positions of specialInput(). */
function checkPyTorchSemantics(out: Map<string, Tensor>, backend: string): void {
  const conv = out.get('conv')!.data;
  const relu = out.get('relu_out')!.data;
  const clip = out.get('clip_out')!.data;
  const sum = out.get('sum')!.data;
  const pool = out.get('pool')!.data;
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      const near = Math.abs(y - 2) <= 1 && Math.abs(x - 2) <= 1;
      const i = at(0, y, x);
      // conv: NaN reaches exactly the outputs whose window holds it; relu(NaN) = clamp(NaN) = NaN; NaN + a = NaN.
      for (const [name, arr] of [['conv', conv], ['relu', relu], ['clip', clip], ['sum', sum]] as const)
        expect(Number.isNaN(arr[i]!), `${backend} ${name}[0, ${y}, ${x}]`).toBe(near);
    }
  // +Inf times the (non-zero) centre weight of channel 1 stays infinite; relu keeps +Inf or gives 0; clip gives 6 or 0.
  const c = conv[at(1, 5, 5)]!;
  expect(Math.abs(c), `${backend} conv at +Inf`).toBe(Infinity);
  expect(relu[at(1, 5, 5)], `${backend} relu at ±Inf`).toBe(c > 0 ? Infinity : 0);
  expect(clip[at(1, 5, 5)], `${backend} clip at ±Inf`).toBe(c > 0 ? 6 : 0);
  // maxpool: one with +Inf is +Inf, -Inf loses to finite neighbours (NaN windows: checkMaxPoolNaN).
  const p = (ch: number, y: number, x: number) => pool[(ch * 4 + y) * 4 + x]!;
  expect(p(1, 2, 2), `${backend} pool +Inf window`).toBe(Infinity);
  expect(Number.isFinite(p(2, 0, 3)), `${backend} pool -Inf window`).toBe(true);
  expect(Number.isNaN(p(0, 0, 0)), `${backend} pool clean window`).toBe(false);
}

/** max_pool2d: a NaN anywhere in the window gives NaN, wherever it sits in the window (PyTorch propagates NaN). */
function checkMaxPoolNaN(pool: Tensor, backend: string): void {
  // specialInput() has its NaN at (c0, 2, 2): the top-left tap of output (c0, 1, 1); the other taps are finite.
  expect(pool.data[(0 * 4 + 1) * 4 + 1], `${backend}: maxpool window [2..3, 2..3] holds a NaN`).toBeNaN();
}

let sharedGpuModel: Promise<Model> | undefined;
/** The probe model compiled once on the file's device (SwiftShader compiles pipelines slowly). */
function gpuProbe(): Promise<Model> {
  return (sharedGpuModel ??= loadOnGpu(probeGraph()));
}

function catchSync(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('unsupported ops and attributes', () => {
  const onnx = encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'many',
      node: [
        { name: 'a', op_type: 'NonMaxSuppression', input: ['x'], output: ['r'] },
        { name: 'ok1', op_type: 'Relu', input: ['r'], output: ['s'] },
        { name: 'b', op_type: 'GridSample', input: ['s', 's'], output: ['t'] },
        { name: 'c', op_type: 'QLinearConv', domain: 'com.microsoft', input: ['t'], output: ['u'] },
        { name: 'd', op_type: 'Loop', input: ['u'], output: ['v'], attribute: [{ name: 'body', type: AttrType.GRAPH, g: { name: 'body' } }] },
        { name: 'e', op_type: 'Relu', input: ['v'], output: ['w'], attribute: [{ name: 'sp', type: AttrType.SPARSE_TENSOR, sparse_tensor: {} }] },
        { name: 'f', op_type: 'NonMaxSuppression', input: ['w'], output: ['y'] },
      ],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 1 }, { dim_value: 4 }] } } } }],
      output: [{ name: 'y' }],
    },
  });

  it('one UnsupportedOpError lists every (op, node) in graph order, from bytes and from a Graph', () => {
    const e = catchSync(() => loadOnnx(onnx)) as UnsupportedOpError;
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.unsupported.map((u) => `${u.op}@${u.node}`)).toEqual([
      'NonMaxSuppression@a',
      'GridSample@b',
      'com.microsoft::QLinearConv@c',
      'Loop@d',
      'Relu@e',
      'NonMaxSuppression@f',
    ]);
    expect(e.message).toMatch(/attribute "sp" \(SPARSE_TENSOR\)/);
    expect(e.message).toMatch(/NonMaxSuppression \(node "a"\).*GridSample \(node "b"\).*NonMaxSuppression \(node "f"\)/);
  });

  it('load() rejects before any GPU call, whatever the backend', async () => {
    let gpuCalls = 0;
    const trap = new Proxy({} as GpuContext, {
      get() {
        gpuCalls++;
        throw new Error('the GPU must not be touched');
      },
    });
    for (const backend of ['webgpu', 'auto', 'cpu'] as const) {
      const err = await load(onnx, { backend, gpu: trap }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnsupportedOpError);
      expect((err as UnsupportedOpError).unsupported).toHaveLength(6);
    }
    const graph: Graph = {
      name: 'g',
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: ['z'],
      nodes: [
        { name: 'n1', op: 'Erf', inputs: ['x'], outputs: ['y'], attrs: {} },
        { name: 'n2', op: 'Relu', inputs: ['y'], outputs: ['y2'], attrs: {} },
        { name: 'n3', op: 'Celu', inputs: ['y2'], outputs: ['z'], attrs: {} },
      ],
      initializers: new Map(),
      opset: 17,
    };
    const err = await load(graph, { backend: 'webgpu', gpu: trap }).catch((e: unknown) => e);
    expect((err as UnsupportedOpError).unsupported.map((u) => [u.op, u.node])).toEqual([
      ['Erf', 'n1'],
      ['Celu', 'n3'],
    ]);
    expect(gpuCalls).toBe(0);
  });
});

describe('input validation', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown name', { y: new Float32Array(N) }, /unknown input "y"; expected "x"/],
    ['missing', {}, /missing input "x" of shape \[1, 4, 8, 8\]/],
    ['wrong shape', { x: { shape: [1, 4, 8, 9], data: new Float32Array(288) } }, /input "x": expected shape \[1, 4, 8, 8\], got \[1, 4, 8, 9\]/],
    ['wrong rank', { x: { shape: [4, 64], data: new Float32Array(N) } }, /expected shape \[1, 4, 8, 8\], got \[4, 64\]/],
    ['wrong dtype', { x: new Float64Array(N) }, /input "x": expected a Float32Array, got Float64Array/],
    ['plain array', { x: { shape: [...SHAPE], data: Array.from({ length: N }, () => 0) } }, /expected a Float32Array, got Array/],
    ['wrong length', { x: new Float32Array(N - 1) }, /shape \[1, 4, 8, 8\] needs 256 values, got 255/],
    ['length vs shape', { x: { shape: [...SHAPE], data: new Float32Array(N + 4) } }, /needs 256 values, got 260/],
    ['null', { x: null }, /missing input "x"/],
  ];

  it('CPU: each mistake is an InputError stating expected and received', async () => {
    const model = await load(probeGraph(), { backend: 'cpu' });
    for (const [what, feed, msg] of cases) {
      const err = await model.run(feed as never).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(InputError);
      expect((err as Error).message, what).toMatch(msg);
    }
  });

  it('WebGPU: the same errors, and the model keeps working (and stays on the GPU) afterwards', async () => {
    const model = await gpuProbe();
    for (const [what, feed, msg] of cases) {
      const err = await model.run(feed as never).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(InputError);
      expect((err as Error).message, what).toMatch(msg);
    }
    expect(model.backend).toBe('webgpu');
    const x = plainInput(3);
    expectSameSpecials((await model.run({ x })).get('sum')!, runCpu(model.graph, { x }).get('sum')!, 'after errors');
  });

  it('inputs named like Object.prototype members are ordinary inputs', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const g: Graph = {
        name: 'proto',
        inputs: [{ name, shape: [1, 3] }],
        outputs: ['y'],
        nodes: [{ name: 'r', op: 'Relu', inputs: [name], outputs: ['y'], attrs: {} }],
        initializers: new Map(),
        opset: 17,
      };
      const model = await load(g, { backend: 'cpu' });
      const feed = Object.create(null) as Record<string, Float32Array>;
      feed[name] = Float32Array.of(-1, 2, NaN);
      const y = (await model.run(feed)).get('y')!.data;
      expect([y[0], y[1], Number.isNaN(y[2])], name).toEqual([0, 2, true]);
      const err = await model.run({}).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(InputError);
      expect((err as Error).message).toContain(`missing input "${name}"`);
    }
  });
});

describe('NaN and Inf propagate as in PyTorch', () => {
  it('CPU (fast kernels, reference kernels, unoptimised) follows PyTorch at every special value', async () => {
    const x = specialInput();
    for (const optimize of [true, false]) {
      const model = await load(probeGraph(), { backend: 'cpu', optimize });
      const fast = await model.run({ x });
      checkPyTorchSemantics(fast, `cpu optimize=${optimize}`);
      const ref = runCpu(model.graph, { x }, { fast: false });
      checkPyTorchSemantics(ref, `cpu reference optimize=${optimize}`);
      // MaxPool's NaN windows are checked on their own (see below).
      for (const [k, v] of ref) if (k !== 'pool') expectSameSpecials(fast.get(k)!, v, `fast vs reference ${k}`);
    }
  });

  it('WebGPU gives the CPU result, NaN for NaN and Inf for Inf', async () => {
    const model = await gpuProbe();
    const x = specialInput();
    const out = await model.run({ x });
    expect(model.backend).toBe('webgpu');
    checkPyTorchSemantics(out, 'webgpu');
    checkMaxPoolNaN(out.get('pool')!, 'webgpu');
    const ref = runCpu(model.graph, { x }, { fast: false });
    for (const [k, v] of ref) expectSameSpecials(out.get(k)!, v, `webgpu ${k}`);
  });

  it('MaxPool: a NaN that is not the last tap of its window still wins (CPU fast and reference kernels)', async () => {
    const model = await load(probeGraph(), { backend: 'cpu' });
    const x = specialInput();
    checkMaxPoolNaN(runCpu(model.graph, { x }, { fast: false }).get('pool')!, 'cpu reference');
    checkMaxPoolNaN((await model.run({ x })).get('pool')!, 'cpu fast');
  });

  it('a NaN weight poisons its whole channel, fused activation or not, on CPU and GPU', async () => {
    const b = new GraphBuilder('wnan', { seed: 2 });
    const x = b.input('x', [...SHAPE]);
    const w = Float32Array.from({ length: 36 }, (_, i) => (i % 4) / 3 - 0.5);
    w[2 * 9 + 4] = NaN;
    // relu6 right after the conv: optimize() fuses it into the conv epilogue.
    b.output(b.relu6(b.depthwiseConv2d(x, 4, 3, { padding: 1, name: 'dw', weight: w }), 'act'), 'y');
    const g = b.build();
    const xin = plainInput(1);
    const cpu = (await (await load(g, { backend: 'cpu' })).run({ x: xin })).get('y')!;
    const model = await loadOnGpu(g);
    const out = (await model.run({ x: xin })).get('y')!;
    for (let i = 0; i < N; i++) {
      const inPoisoned = Math.floor(i / 64) === 2;
      expect(Number.isNaN(cpu.data[i]!), `cpu[${i}]`).toBe(inPoisoned);
    }
    expectSameSpecials(out, cpu, 'webgpu NaN weight');
    model.dispose();
  });
});

describe('concurrent callers', () => {
  it('CPU and WebGPU: interleaved run() calls each get their own result; a bad call in the middle fails alone', async () => {
    const cpuModel = await load(probeGraph(), { backend: 'cpu' });
    const gpuModel = await gpuProbe();
    for (const model of [cpuModel, gpuModel]) {
      const xs = [0, 1, 2, 3, 4, 5].map(plainInput);
      const calls = xs.map((x, k) => (k === 3 ? model.run({ x: new Float32Array(7) }) : model.run({ x })));
      const settled = await Promise.allSettled(calls);
      settled.forEach((s, k) => {
        if (k === 3) {
          expect(s.status).toBe('rejected');
          expect((s as PromiseRejectedResult).reason).toBeInstanceOf(InputError);
          return;
        }
        expect(s.status, `caller ${k}`).toBe('fulfilled');
        const out = (s as PromiseFulfilledResult<Map<string, Tensor>>).value;
        const ref = runCpu(model.graph, { x: xs[k]! });
        for (const [name, v] of ref) expectSameSpecials(out.get(name)!, v, `${model.backend} caller ${k} ${name}`);
      });
    }
  });
});

describe('device loss', () => {
  /** A fresh device of its own: losing it must not disturb the file's shared one. */
  async function freshGpu(): Promise<GpuContext> {
    const gpu = await requestGpu();
    if (!gpu) throw new Error('no WebGPU adapter (the test needs the webgpu package and a Vulkan ICD)');
    return gpu;
  }

  it('lost during load/compile: load still resolves and every run is answered on the CPU', async () => {
    for (const when of ['before', 'during'] as const) {
      const gpu = await freshGpu();
      if (when === 'before') gpu.device.destroy();
      const pending = load(probeGraph(), { backend: 'webgpu', gpu });
      if (when === 'during') gpu.device.destroy();
      const model = await pending;
      const x = plainInput(2);
      const runs = await Promise.all([model.run({ x }), model.run({ x: specialInput() })]);
      expect(model.backend, when).toBe('cpu');
      expect(model.reason, when).toMatch(/lost|destroyed/i);
      expectSameSpecials(runs[0].get('sum')!, runCpu(model.graph, { x }).get('sum')!, `${when}: run`);
      checkPyTorchSemantics(runs[1], `${when}: cpu after loss`);
      model.dispose();
    }
  });

  it('lost between runs and mid-run: pending and later calls complete on the CPU with the right answer', async () => {
    const gpu = await freshGpu();
    const model = await load(probeGraph(), { backend: 'webgpu', gpu });
    const ref = (k: number) => runCpu(model.graph, { x: plainInput(k) });
    const check = (out: Map<string, Tensor>, k: number, what: string) => {
      for (const [name, v] of ref(k)) expectSameSpecials(out.get(name)!, v, `${what} ${name}`);
    };
    check(await model.run({ x: plainInput(0) }), 0, 'before loss');
    expect(model.backend).toBe('webgpu');
    // Several callers in flight, one with a bad input, then the device goes away under them.
    const inFlight = [1, 2, 3].map((k) => model.run({ x: plainInput(k) }));
    const bad = model.run({ x: new Float32Array(3) }).catch((e: unknown) => e);
    gpu.device.destroy();
    const results = await Promise.all(inFlight);
    results.forEach((r, i) => check(r, i + 1, `in flight ${i + 1}`));
    expect(await bad).toBeInstanceOf(InputError);
    for (let k = 4; k < 7; k++) check(await model.run({ x: plainInput(k) }), k, `after loss ${k}`);
    expect(model.backend).toBe('cpu');
    expect(model.reason).toMatch(/lost/);
    // 7 answers: the first on the GPU, the last three (at least) on the CPU, each counted as a device loss
    expect(model.stats.gpu + model.stats.cpu).toBe(7);
    expect(model.stats.gpu).toBeGreaterThanOrEqual(1);
    expect(model.stats.deviceLost).toBeGreaterThanOrEqual(3);
    expect(model.stats.deviceLost).toBe(model.stats.cpu);
    expect(model.stats.gpuErrors).toBe(0);
    model.dispose();
  });
});

describe('hostile models load in bounded time and memory', () => {
  const i64 = (name: string, vals: bigint[]) => ({ name, dims: [vals.length], data_type: 7, raw_data: new Uint8Array(BigInt64Array.from(vals).buffer) });
  const fin = (name: string, dims: number[]) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });
  const enc = (graph: Record<string, unknown>) => encodeModelProto({ ir_version: 8, opset_import: [{ domain: '', version: 13 }], graph });
  const relu = (i: string, o: string, name = o) => ({ name, op_type: 'Relu', input: [i], output: [o] });
  const cases: [string, Uint8Array, RegExp | 'loads'][] = [
    // 8 GiB of zeros from a 40-byte model: loads without folding it (the allocation waits for a run that asks).
    ['ConstantOfShape [2^31-1]', enc({ node: [{ op_type: 'ConstantOfShape', input: ['s'], output: ['y'] }], initializer: [i64('s', [2n ** 31n - 1n])], output: [{ name: 'y' }] }), 'loads'],
    ['ConstantOfShape [2^16, 2^16]', enc({ node: [{ name: 'cos', op_type: 'ConstantOfShape', input: ['s'], output: ['y'] }], initializer: [i64('s', [65536n, 65536n])], output: [{ name: 'y' }] }), /ConstantOfShape node "cos": output shape \[65536, 65536\] has 4294967296 elements, above the limit/],
    ['ConstantOfShape [1e6, 1e6]', enc({ node: [{ name: 'cos', op_type: 'ConstantOfShape', input: ['s'], output: ['y'] }], initializer: [i64('s', [1000000n, 1000000n])], output: [{ name: 'y' }] }), /output shape \[1000000, 1000000\]/],
    ['Pad by 1e9', enc({ node: [{ name: 'pad', op_type: 'Pad', input: ['x', 'p'], output: ['y'] }], input: [fin('x', [1, 1, 2, 2])], initializer: [i64('p', [0n, 0n, 1000000000n, 1000000000n, 0n, 0n, 1000000000n, 1000000000n])], output: [{ name: 'y' }] }), /Pad node "pad": output shape \[1, 1, 2000000002, 2000000002\]/],
    ['input [2^31-1, 2^31-1]', enc({ node: [relu('x', 'y')], input: [fin('x', [2 ** 31 - 1, 2 ** 31 - 1])], output: [{ name: 'y' }] }), /input "x": shape \[2147483647, 2147483647\] has more than 2147483647 elements/],
    ['weight [1e5, 2e4] with 4 bytes', enc({ node: [relu('w', 'y')], initializer: [{ name: 'w', dims: [100000, 20000], data_type: 1, raw_data: new Uint8Array(4) }], output: [{ name: 'y' }] }), /initializer "w": shape \[100000, 20000\] needs 2000000000 FLOAT values/],
    ['cycle', enc({ node: [relu('b', 'a', 'n1'), relu('a', 'b', 'n2')], output: [{ name: 'b' }] }), /cycle through node\(s\) "n1", "n2"/],
    ['self loop', enc({ node: [relu('a', 'a', 'me')], output: [{ name: 'a' }] }), /cycle through node\(s\) "me"/],
    ['dangling input', enc({ node: [relu('ghost', 'y', 'n')], output: [{ name: 'y' }] }), /node "n" \(Relu\) reads "ghost", which no node, initializer or graph input provides/],
    ['two producers', enc({ node: [relu('x', 'y', 'n1'), relu('x', 'y', 'n2')], input: [fin('x', [2])], output: [{ name: 'y' }] }), /value "y" is produced by more than one node \(second: "n2"\)/],
    ['phantom second output', enc({ node: [{ name: 'r', op_type: 'Relu', input: ['x'], output: ['', 'y'] }], input: [fin('x', [2])], output: [{ name: 'y' }] }), /Relu node "r": produces 1 output\(s\)/],
    ['negative dim', enc({ node: [relu('w', 'y')], initializer: [{ name: 'w', dims: [-4], data_type: 1, raw_data: new Uint8Array(16) }], output: [{ name: 'y' }] }), /initializer "w": dimension 0 is -4/],
    ['truncated', enc({ node: [relu('x', 'y')], input: [fin('x', [2])], output: [{ name: 'y' }] }).subarray(0, 20), /not a valid ONNX model/],
  ];

  it('each is a SepconvError naming the problem (or a lazy load), under 1 s and 64 MiB each', async () => {
    for (const [what, bytes, expected] of cases) {
      const mem0 = process.memoryUsage();
      const t0 = performance.now();
      const result = await load(bytes, { backend: 'cpu' }).then(
        (m) => m,
        (e: unknown) => e,
      );
      const ms = performance.now() - t0;
      const mem1 = process.memoryUsage();
      const grown = mem1.heapUsed - mem0.heapUsed + (mem1.arrayBuffers - mem0.arrayBuffers);
      expect(ms, `${what}: ${ms.toFixed(1)} ms`).toBeLessThan(1000);
      expect(grown, `${what}: grew ${grown} bytes`).toBeLessThan(64 * 2 ** 20);
      if (expected === 'loads') {
        expect(result, what).not.toBeInstanceOf(Error);
        continue;
      }
      expect(result, what).toBeInstanceOf(SepconvError);
      expect((result as Error).message, what).toMatch(expected);
    }
  });

  it('a foldable node beyond the folding budget stays in the graph and still runs correctly', async () => {
    // ConstantOfShape [4096, 4097] (> 2^24 elements) feeding an Add with a runtime input of the same shape.
    const bytes = enc({
      node: [
        { op_type: 'ConstantOfShape', input: ['s'], output: ['c'], attribute: [{ name: 'value', type: AttrType.TENSOR, t: { dims: [1], data_type: 1, float_data: [2] } }] },
        { op_type: 'Add', input: ['x', 'c'], output: ['y'] },
      ],
      input: [fin('x', [4096, 4097])],
      initializer: [i64('s', [4096n, 4097n])],
      output: [{ name: 'y' }],
    });
    const model = await load(bytes, { backend: 'cpu' });
    expect(model.graph.nodes.map((n) => n.node.op)).toEqual(['ConstantOfShape', 'Add']);
    const x = new Float32Array(4096 * 4097).fill(0.5);
    const y = (await model.run({ x })).get('y')!.data;
    expect([y[0], y[y.length - 1]]).toEqual([2.5, 2.5]);
  });
});

describe('errors are typed', () => {
  it('an empty or garbage file is a ModelFormatError, a SepconvError with a stable code', async () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.of(0xff, 0xff, 0xff), new TextEncoder().encode('not onnx at all')]) {
      const err = await load(bytes, { backend: 'cpu' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SepconvError);
      expect(err).toBeInstanceOf(ModelFormatError);
      expect((err as SepconvError).code).toBe('MODEL_FORMAT');
    }
  });
});
