import { describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { intTensor, type AttrValue, type Node, type Value } from '../src/graph/ir.js';
import { applyActivation, type FusedActivation } from '../src/ops/activation.js';
import { AveragePool } from '../src/ops/averagepool.js';
import { BatchNormalization } from '../src/ops/batchnorm.js';
import { Gemm } from '../src/ops/gemm.js';
import { GlobalAveragePool } from '../src/ops/globalaveragepool.js';
import { MatMul } from '../src/ops/matmul.js';
import { MaxPool } from '../src/ops/maxpool.js';
import { ReduceMean } from '../src/ops/reducemean.js';
import { NodeCtx, type OpDef } from '../src/ops/types.js';
import { sizeOf, tensor, type Shape, type Tensor } from '../src/tensor.js';
import { CPU_KERNELS, cpuKernel } from '../src/cpu/kernels.js';

const EMPTY: Value = { shape: [0], data: new Float32Array(0) };

/** Parses one node over the given inputs (null = omitted), checks fast == reference, returns output and cost. */
function run<A>(
  def: OpDef<A>, inputs: (Value | null)[], attrs: Record<string, AttrValue> = {},
  opts: { opset?: number; outputs?: string[]; act?: FusedActivation } = {},
) {
  const n: Node = { name: 'nn_3', op: def.op, inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: opts.outputs ?? ['y'], attrs };
  const ctx = new NodeCtx(n, inputs.map((v) => v?.shape), inputs.map((v) => v ?? undefined), opts.opset ?? 17);
  let a = def.parse(ctx);
  if (opts.act) a = { ...a, act: opts.act };
  const shapes = def.outputShapes(ctx, a);
  const args = inputs.map((v) => v ?? EMPTY);
  const y = def.reference(args, a)[0] as Tensor;
  expect(y.shape).toEqual(shapes[0]);
  const fast = CPU_KERNELS.get(def.op);
  if (fast) expectClose(fast(args, a)[0] as Tensor, y);
  return { y, vals: Array.from(y.data), cost: def.cost?.(inputs.map((v) => v?.shape ?? []), shapes, a) };
}

function expectClose(actual: Tensor, expected: Tensor, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const v = actual.data[i]!;
    if (Number.isNaN(e) && Number.isNaN(v)) continue;
    if (!(Math.abs(v - e) <= atol + rtol * Math.abs(e))) expect.fail(`element ${i}: got ${v}, expected ${e}`);
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(99);
const random = (shape: Shape) => tensor(shape, Array.from({ length: sizeOf(shape) }, () => r() * 2 - 1));
const t = (shape: Shape, data: number[]) => tensor(shape, data);
const iota = (shape: Shape, from = 0) => tensor(shape, Array.from({ length: sizeOf(shape) }, (_, i) => i + from));
const near = (got: number[], want: number[]) => expectClose(t([got.length], got), t([want.length], want));
const throwsNaming = (go: () => unknown, msg: RegExp) => {
  expect(go).toThrow(ShapeError);
  expect(go).toThrow(/node "nn_3"/);
  expect(go).toThrow(msg);
};

describe('fused activations', () => {
  it('propagate NaN like PyTorch and match their definitions', () => {
    const kinds: FusedActivation[] = [
      { kind: 'relu' }, { kind: 'clip', min: 0, max: 6 }, { kind: 'sigmoid' },
      { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }, { kind: 'hardswish' },
    ];
    for (const k of kinds) expect(applyActivation(NaN, k)).toBeNaN();
    const f = (k: FusedActivation) => [-4, -1, 0, 2, 7].map((x) => applyActivation(x, k));
    near(f({ kind: 'relu' }), [0, 0, 0, 2, 7]);
    near(f({ kind: 'clip', min: 0, max: 6 }), [0, 0, 0, 2, 6]);
    near(f({ kind: 'clip', min: 2, max: 1 }), [1, 1, 1, 1, 1]);
    near(f({ kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }), [0, 0.3, 0.5, 0.9, 1]);
    near(f({ kind: 'hardswish' }), [0, -1 / 3, 0, 2 * 5 / 6, 7]);
    near(f({ kind: 'sigmoid' }).slice(2, 3), [0.5]);
  });
});

describe('BatchNormalization', () => {
  it('normalises per channel with epsilon', () => {
    const x = t([1, 2, 1, 2], [1, 2, 3, 4]);
    const res = run(BatchNormalization, [x, t([2], [2, 1]), t([2], [0, 1]), t([2], [1, 3]), t([2], [3, 0])], { epsilon: 1 });
    near(res.vals, [0, 1, 1, 2]);
  });
  it('works for rank 2 and rank 5 and counts 2*C params, N*2C macs', () => {
    const c = 3;
    const p = () => random([c]);
    const v = () => tensor([c], [0.5, 1, 2]);
    expect(run(BatchNormalization, [random([4, c]), p(), p(), p(), v()]).cost).toEqual({ params: 6, macs: 24 });
    expect(run(BatchNormalization, [random([2, c, 2, 3, 2]), p(), p(), p(), v()]).y.shape).toEqual([2, c, 2, 3, 2]);
  });
  it('rejects training mode and mismatched parameters', () => {
    const x = random([1, 2, 2, 2]);
    const p = t([2], [1, 1]);
    throwsNaming(() => run(BatchNormalization, [x, p, p, p, p], { training_mode: 1 }), /training_mode/);
    throwsNaming(() => run(BatchNormalization, [x, p, t([3], [0, 0, 0]), p, p]), /B \[3\] must be \[2\]/);
  });
});

describe('Gemm', () => {
  const A = t([2, 3], [1, 2, 3, 4, 5, 6]);
  const B = t([3, 2], [1, 0, 0, 1, 1, 1]);
  const At = t([3, 2], [1, 4, 2, 5, 3, 6]);
  const Bt = t([2, 3], [1, 0, 1, 0, 1, 1]);
  it('alpha·A·B + beta·C with C broadcast from [N]', () => {
    const want = [8.5, 11, 20.5, 23];
    const attrs = { alpha: 2, beta: 0.5 };
    const res = run(Gemm, [A, B, t([2], [1, 2])], attrs);
    near(res.vals, want);
    expect(res.cost).toEqual({ params: 8, macs: 2 * 2 * 3 + 4 });
    near(run(Gemm, [At, B, t([2], [1, 2])], { ...attrs, transA: 1 }).vals, want);
    near(run(Gemm, [A, Bt, t([2], [1, 2])], { ...attrs, transB: 1 }).vals, want);
    near(run(Gemm, [At, Bt, t([2], [1, 2])], { ...attrs, transA: 1, transB: 1 }).vals, want);
  });
  it('C of shape [M, 1], [1, 1], scalar and absent', () => {
    near(run(Gemm, [A, B, t([2, 1], [1, 2])], { alpha: 2, beta: 0.5 }).vals, [8.5, 10.5, 21, 23]);
    near(run(Gemm, [A, B, t([1, 1], [1])]).vals, [5, 6, 11, 12]);
    near(run(Gemm, [A, B, t([], [-1])]).vals, [3, 4, 9, 10]);
    near(run(Gemm, [A, B, null]).vals, [4, 5, 10, 11]);
  });
  it('applies a fused activation after the bias', () => {
    near(run(Gemm, [A, B, t([2], [-6, -10])], {}, { act: { kind: 'relu' } }).vals, [0, 0, 4, 1]);
    near(run(Gemm, [A, B, t([2], [-6, -10])], {}, { act: { kind: 'clip', min: -1, max: 3 } }).vals, [-1, -1, 3, 1]);
  });
  it.each([[9, 13, 300], [1, 17, 40], [130, 5, 3]])('fast == reference M=%i N=%i K=%i transB=1 C=[M,N] relu', (M, N, K) => {
    run(Gemm, [random([M, K]), random([N, K]), random([M, N])], { transB: 1, alpha: 0.7, beta: 1.3 }, { act: { kind: 'relu' } });
  });
  it('rejects mismatched inner dims and unbroadcastable C', () => {
    throwsNaming(() => run(Gemm, [A, A]), /inner dimensions/);
    throwsNaming(() => run(Gemm, [A, B, t([3], [1, 2, 3])]), /cannot be broadcast to \[2, 2\]/);
  });
});

describe('MatMul', () => {
  it('1-D operands follow numpy', () => {
    expect(run(MatMul, [t([3], [1, 2, 3]), t([3], [4, 5, 6])]).y).toEqual({ shape: [], data: Float32Array.from([32]) });
    const v = run(MatMul, [t([3], [1, 2, 3]), t([3, 2], [1, 0, 0, 1, 1, 1])]);
    expect(v.y.shape).toEqual([2]);
    near(v.vals, [4, 5]);
    const w = run(MatMul, [t([2, 3], [1, 2, 3, 4, 5, 6]), t([3], [1, 0, -1])]);
    expect(w.y.shape).toEqual([2]);
    near(w.vals, [-2, -2]);
  });
  it('broadcasts batch dims: [2,1,2,3] x [4,3,2] -> [2,4,2,2]', () => {
    const a = random([2, 1, 2, 3]);
    const b = random([4, 3, 2]);
    const res = run(MatMul, [a, b]);
    expect(res.y.shape).toEqual([2, 4, 2, 2]);
    // element [1, 2, 1, 0] = sum_k a[1,0,1,k] * b[2,k,0]
    let s = 0;
    for (let k = 0; k < 3; k++) s += a.data[6 + 3 + k]! * b.data[12 + k * 2]!;
    near([res.y.data[((1 * 4 + 2) * 2 + 1) * 2]!], [s]);
  });
  it('a stack against a shared matrix [3,5,7] x [7,6], and the reverse', () => {
    expect(run(MatMul, [random([3, 5, 7]), random([7, 6])]).y.shape).toEqual([3, 5, 6]);
    expect(run(MatMul, [random([5, 7]), random([3, 7, 6])]).y.shape).toEqual([3, 5, 6]);
  });
  it('rejects bad shapes', () => {
    throwsNaming(() => run(MatMul, [random([2, 3]), random([2, 3])]), /inner dimensions/);
    throwsNaming(() => run(MatMul, [random([2, 2, 3]), random([3, 3, 2])]), /do not broadcast/);
  });
});

describe('MaxPool', () => {
  it('k=2 s=2 on a 4x4 ramp', () => {
    near(run(MaxPool, [iota([1, 1, 4, 4])], { kernel_shape: [2, 2], strides: [2, 2] }).vals, [5, 7, 13, 15]);
  });
  it('k=3 s=2 pads=1 ceil_mode=1 treats padding as -inf', () => {
    const x = tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i - 100));
    const res = run(MaxPool, [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 });
    near(res.vals, [5, 7, 7, 13, 15, 15, 13, 15, 15].map((v) => v - 100));
  });
  it('ceil_mode drops a window that would start in the trailing padding (4 and 5 wide, k=2 s=3 pad=1)', () => {
    const a = { kernel_shape: [2, 2], strides: [3, 3], pads: [1, 1, 1, 1] };
    expect(run(MaxPool, [iota([1, 1, 4, 4])], { ...a, ceil_mode: 1 }).y.shape).toEqual([1, 1, 2, 2]);
    expect(run(MaxPool, [iota([1, 1, 5, 5])], { ...a, ceil_mode: 1 }).y.shape).toEqual([1, 1, 2, 2]);
    // a partial last window that starts inside the input is kept: 5 wide, k=2 s=2 -> 3 (floor gives 2)
    const kept = run(MaxPool, [iota([1, 1, 5, 5])], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
    near(kept.vals, [6, 8, 9, 16, 18, 19, 21, 23, 24]);
  });
  it('NaN propagates; dilations and SAME_UPPER', () => {
    near(run(MaxPool, [t([1, 1, 1, 4], [1, NaN, 3, 2])], { kernel_shape: [1, 2], strides: [1, 2] }).vals, [NaN, 3]);
    near(run(MaxPool, [t([1, 1, 1, 5], [1, 9, 3, 2, 0])], { kernel_shape: [1, 2], dilations: [1, 2] }).vals, [3, 9, 3]);
    const s = run(MaxPool, [t([1, 1, 1, 5], [1, 9, 3, 2, 0])], { kernel_shape: [1, 2], strides: [1, 2], auto_pad: 'SAME_UPPER' });
    near(s.vals, [9, 3, 0]);
  });
  it('the 2×2 stride-2 fast path is bitwise the reference: odd sizes, NaN, ±0 ties, −∞', () => {
    for (const [h, w] of [[4, 4], [5, 7], [2, 3], [9, 2]] as const) {
      const x = random([2, 3, h, w]);
      x.data[1] = NaN;
      x.data[5] = -0;
      x.data[6] = 0;
      x.data[w] = -Infinity;
      const a = { kernel_shape: [2, 2], strides: [2, 2] };
      const n: Node = { name: 'mp', op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: a };
      const at = MaxPool.parse(new NodeCtx(n, [x.shape], [x], 17));
      const ref = MaxPool.reference([x], at)[0] as Tensor;
      const fast = cpuKernel(MaxPool)([x], at)[0] as Tensor;
      expect(fast.shape).toEqual(ref.shape);
      expect(new Uint32Array(fast.data.buffer)).toEqual(new Uint32Array(ref.data.buffer));
    }
  });
  it('random configs: fast == reference', () => {
    for (let i = 0; i < 12; i++) {
      const k = 1 + (i % 4);
      const attrs = { kernel_shape: [k, k + 1], strides: [1 + (i % 3), 2], pads: [i % 2, k - 1, 0, (i % 3) % k], ceil_mode: i % 2, dilations: [1 + (i % 2), 1] };
      run(MaxPool, [random([2, 3, 9 + i, 8])], attrs);
      run(AveragePool, [random([2, 3, 9 + i, 8])], { ...attrs, count_include_pad: (i >> 1) % 2 });
    }
  });
  it('rejects storage_order, the Indices output and missing kernel_shape', () => {
    const x = random([1, 1, 4, 4]);
    throwsNaming(() => run(MaxPool, [x], { kernel_shape: [2, 2], storage_order: 1 }), /storage_order/);
    throwsNaming(() => run(MaxPool, [x], { kernel_shape: [2, 2] }, { outputs: ['y', 'idx'] }), /Indices/);
    throwsNaming(() => run(MaxPool, [x]), /kernel_shape is required/);
    throwsNaming(() => run(MaxPool, [x], { kernel_shape: [6, 6] }), /does not fit/);
  });
});

describe('AveragePool', () => {
  const x = iota([1, 1, 3, 3], 1);
  it('k=2 s=1 pads=1 with count_include_pad 0 and 1', () => {
    const a = { kernel_shape: [2, 2], pads: [1, 1, 1, 1] };
    const sums = [1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9];
    const valid = [1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1];
    near(run(AveragePool, [x], a).vals, sums.map((s, i) => s / valid[i]!));
    near(run(AveragePool, [x], { ...a, count_include_pad: 1 }).vals, sums.map((s) => s / 4));
  });
  it('ceil_mode: the last window may be partial; dropped when it would start in the padding', () => {
    const a = { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 };
    near(run(AveragePool, [x], a).vals, [3, 4.5, 7.5, 9]);
    near(run(AveragePool, [x], { ...a, count_include_pad: 1 }).vals, [3, 4.5, 7.5, 9]);
    const p = { ...a, pads: [1, 1, 1, 1] };
    near(run(AveragePool, [x], p).vals, [1, 2.5, 5.5, 7]);
    near(run(AveragePool, [x], { ...p, count_include_pad: 1 }).vals, [0.25, 1.25, 2.75, 7]);
  });
  it('count_include_pad counts the padding but not positions beyond it (4x4, k=3 s=2 pads=1 ceil)', () => {
    const a = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 };
    const inc = run(AveragePool, [iota([1, 1, 4, 4])], { ...a, count_include_pad: 1 });
    expect(inc.y.shape).toEqual([1, 1, 3, 3]);
    near([inc.vals[0]!, inc.vals[8]!], [10 / 9, 15 / 4]);
    const exc = run(AveragePool, [iota([1, 1, 4, 4])], a);
    near([exc.vals[0]!, exc.vals[8]!], [2.5, 15]);
  });
});

describe('GlobalAveragePool and ReduceMean', () => {
  it('GlobalAveragePool keeps rank', () => {
    const g = run(GlobalAveragePool, [iota([1, 2, 2, 2])]);
    expect(g.y.shape).toEqual([1, 2, 1, 1]);
    near(g.vals, [1.5, 5.5]);
    const g3 = run(GlobalAveragePool, [iota([2, 1, 3])]);
    expect(g3.y.shape).toEqual([2, 1, 1]);
    near(g3.vals, [1, 4]);
    throwsNaming(() => run(GlobalAveragePool, [iota([2, 3])]), /rank >= 3/);
  });
  const x = iota([2, 3, 4]);
  it('axes attribute with keepdims 1 and 0, negative axes', () => {
    const a = run(ReduceMean, [x], { axes: [1] });
    expect(a.y.shape).toEqual([2, 1, 4]);
    near(a.vals, [4, 5, 6, 7, 16, 17, 18, 19]);
    const b = run(ReduceMean, [x], { axes: [-1, -2], keepdims: 0 });
    expect(b.y.shape).toEqual([2]);
    near(b.vals, [5.5, 17.5]);
    const c = run(ReduceMean, [x], { axes: [0, 2], keepdims: 0 });
    near(c.vals, [7.5, 11.5, 15.5]);
  });
  it('opset 18 axes input, empty axes reduce everything or nothing', () => {
    const a = run(ReduceMean, [x, intTensor([1], [2])], {}, { opset: 18 });
    expect(a.y.shape).toEqual([2, 3, 1]);
    near(a.vals, [1.5, 5.5, 9.5, 13.5, 17.5, 21.5]);
    const all = run(ReduceMean, [x]);
    expect(all.y.shape).toEqual([1, 1, 1]);
    near(all.vals, [11.5]);
    const none = run(ReduceMean, [x, intTensor([0], [])], { noop_with_empty_axes: 1 }, { opset: 18 });
    expect(none.y).toEqual(x);
  });
  it('rejects out-of-range and repeated axes', () => {
    throwsNaming(() => run(ReduceMean, [x], { axes: [3] }), /out of range/);
    throwsNaming(() => run(ReduceMean, [x], { axes: [1, -2] }), /repeat/);
  });
});

