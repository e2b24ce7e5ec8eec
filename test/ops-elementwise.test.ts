import { describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { intTensor, isInt, type AttrValue, type Node, type Value } from '../src/graph/ir.js';
import { Add } from '../src/ops/add.js';
import { broadcastBinary, broadcastBinaryFast, rowsOf } from '../src/ops/broadcast.js';
import { Clip } from '../src/ops/clip.js';
import { Div } from '../src/ops/div.js';
import { HardSigmoid } from '../src/ops/hardsigmoid.js';
import { HardSwish } from '../src/ops/hardswish.js';
import { Mul } from '../src/ops/mul.js';
import { Sigmoid } from '../src/ops/sigmoid.js';
import { Softmax } from '../src/ops/softmax.js';
import { Sub } from '../src/ops/sub.js';
import { NodeCtx, type OpDef } from '../src/ops/types.js';
import { sizeOf, tensor, type Shape } from '../src/tensor.js';
import { CPU_KERNELS } from '../src/cpu/kernels.js';

/** Parses, infers shapes and runs the reference (and fast) kernel of one node whose inputs are all known. */
function run(def: OpDef<any>, inputs: (Value | null)[], attrs: Record<string, AttrValue> = {}, opset = 17): Value[] {
  const node: Node = { name: 'n1', op: def.op, inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: ['y'], attrs };
  const ctx = new NodeCtx(node, inputs.map((v) => v?.shape), inputs.map((v) => v ?? undefined), opset);
  const a = def.parse(ctx);
  const shapes = def.outputShapes(ctx, a);
  const args = inputs.map((v) => v ?? { shape: [0], data: new Float32Array(0) });
  const out = def.reference(args, a);
  expect(out.map((o) => o.shape)).toEqual(shapes);
  const fast = CPU_KERNELS.get(def.op);
  if (fast) expect(fast(args, a)).toEqual(out);
  return out;
}
const vals = (v: Value) => Array.from(isInt(v) ? v.ints : v.data);
const t = (shape: Shape, data: number[]) => tensor(shape, data);
const iota = (shape: Shape) => tensor(shape, Array.from({ length: sizeOf(shape) }, (_, i) => i));

describe('activations', () => {
  it('Clip from inputs (opset 11+), with absent bounds and NaN passing through', () => {
    const x = t([5], [-3, -1, 0.5, 2, NaN]);
    expect(vals(run(Clip, [x, t([], [-1]), t([], [1])])[0]!)).toEqual([-1, -1, 0.5, 1, NaN]);
    expect(vals(run(Clip, [x, null, t([], [0])])[0]!)).toEqual([-3, -1, 0, 0, NaN]);
    expect(vals(run(Clip, [x, t([], [0])], {}, 11)[0]!)).toEqual([0, 0, 0.5, 2, NaN]);
    // min > max gives max everywhere, as torch.clamp
    expect(vals(run(Clip, [x, t([], [2]), t([], [1])])[0]!)).toEqual([1, 1, 1, 1, NaN]);
  });

  it('Clip from attributes (opset < 11)', () => {
    const x = t([4], [-7, 0, 3, 6.5]);
    expect(vals(run(Clip, [x], { min: 0, max: 6 }, 6)[0]!)).toEqual([0, 0, 3, 6]);
    expect(vals(run(Clip, [x], { max: 1 }, 9)[0]!)).toEqual([-7, 0, 1, 1]);
  });

  it('Clip rejects a non-scalar bound naming the node', () => {
    expect(() => run(Clip, [t([2], [1, 2]), t([2], [0, 0])])).toThrow(ShapeError);
    expect(() => run(Clip, [t([2], [1, 2]), t([2], [0, 0])])).toThrow(/Clip node "n1"/);
  });

  it('Sigmoid is stable for large |x|', () => {
    const y = vals(run(Sigmoid, [t([5], [0, 2, -2, 1000, -1000])])[0]!);
    expect(y[0]).toBe(0.5);
    expect(y[1]).toBeCloseTo(0.8807970779778823, 6);
    expect(y[2]).toBeCloseTo(0.11920292202211755, 6);
    expect(y[3]).toBe(1);
    expect(y[4]).toBe(0);
  });

  it('HardSigmoid with defaults and with attributes', () => {
    expect(vals(run(HardSigmoid, [t([4], [-5, 0, 1, 5])])[0]!)).toEqual([0, 0.5, Math.fround(0.7), 1]);
    expect(vals(run(HardSigmoid, [t([3], [-3, 0, 1.5])], { alpha: 1 / 6, beta: 0.5 })[0]!)).toEqual([0, 0.5, 0.75]);
  });

  it('HardSwish', () => {
    expect(vals(run(HardSwish, [t([5], [-4, -3, 0, 1.5, 4])])[0]!)).toEqual([-0, -0, 0, 1.5 * 0.75, 4]);
  });
});

describe('broadcasting binary ops', () => {
  it('same shape and scalars', () => {
    const a = t([2, 2], [1, 2, 3, 4]);
    const b = t([2, 2], [10, 20, 30, 40]);
    expect(vals(run(Add, [a, b])[0]!)).toEqual([11, 22, 33, 44]);
    expect(vals(run(Sub, [a, b])[0]!)).toEqual([-9, -18, -27, -36]);
    expect(vals(run(Mul, [a, t([], [3])])[0]!)).toEqual([3, 6, 9, 12]);
    expect(vals(run(Div, [t([], [12]), a])[0]!)).toEqual([12, 6, 4, 3]);
    const s = run(Add, [t([], [1]), t([], [2])])[0]!;
    expect(s.shape).toEqual([]);
    expect(vals(s)).toEqual([3]);
  });

  it('[2,3,4,5] + [5]', () => {
    const a = iota([2, 3, 4, 5]);
    const b = t([5], [100, 200, 300, 400, 500]);
    const y = run(Add, [a, b])[0]!;
    expect(y.shape).toEqual([2, 3, 4, 5]);
    const v = vals(y);
    for (let i = 0; i < 120; i++) expect(v[i]).toBe(i + 100 * ((i % 5) + 1));
  });

  it('[2,1,4,1] * [3,1,5] -> [2,3,4,5]', () => {
    const a = iota([2, 1, 4, 1]);
    const b = t([3, 1, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const y = run(Mul, [a, b])[0]!;
    expect(y.shape).toEqual([2, 3, 4, 5]);
    const v = vals(y);
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 3; c++)
        for (let h = 0; h < 4; h++)
          for (let w = 0; w < 5; w++) expect(v[((n * 3 + c) * 4 + h) * 5 + w]).toBe((n * 4 + h) * (c * 5 + w + 1));
  });

  it('squeeze-excite (N,C,H,W)*(N,C,1,1) in both operand orders', () => {
    const x = iota([2, 3, 2, 2]);
    const s = t([2, 3, 1, 1], [1, 2, 3, 4, 5, 6]);
    const expected = vals(x).map((v, i) => v * (Math.floor(i / 4) + 1));
    expect(vals(run(Mul, [x, s])[0]!)).toEqual(expected);
    expect(vals(run(Mul, [s, x])[0]!)).toEqual(expected);
    expect(vals(run(Sub, [s, x])[0]!)).toEqual(vals(x).map((v, i) => Math.floor(i / 4) + 1 - v));
  });

  it('zero-size dimension', () => {
    const y = run(Add, [t([2, 0, 3], []), t([1, 3], [1, 2, 3])])[0]!;
    expect(y.shape).toEqual([2, 0, 3]);
    expect(vals(y)).toEqual([]);
  });

  it('fast kernel matches the reference on mixed broadcast patterns', () => {
    const cases: [Shape, Shape][] = [
      [[2, 3, 4, 5], [3, 1, 5]],
      [[1, 3, 1, 5], [2, 1, 4, 1]],
      [[4, 1], [1, 6]],
      [[2, 3, 1], [2, 3, 7]],
      [[1], [3, 1, 2]],
      [[5, 1, 1, 2], [1, 3, 4, 1]],
    ];
    for (const [as, bs] of cases) {
      const a = Float32Array.from({ length: sizeOf(as) }, (_, i) => i * 0.5 - 3);
      const b = Float32Array.from({ length: sizeOf(bs) }, (_, i) => i + 1);
      const y = run(Div, [tensor(as, a), tensor(bs, b)])[0]!;
      const out = vals(y);
      const shape = y.shape;
      const ref = new Float32Array(out.length);
      const fast = new Float32Array(out.length);
      broadcastBinary(a, as, b, bs, shape, ref, (x, y) => x / y);
      broadcastBinaryFast(a, as, b, bs, shape, fast, (x, y) => x / y, rowsOf((x, y) => x / y));
      expect(fast).toEqual(ref);
      expect(Array.from(ref)).toEqual(out);
    }
  });

  it('integer operands stay integer; integer Div truncates toward zero', () => {
    const a = intTensor([4], [7, -7, 7, -7]);
    const b = intTensor([4], [2, 2, -2, -2]);
    const q = run(Div, [a, b])[0]!;
    expect(isInt(q)).toBe(true);
    expect(vals(q)).toEqual([3, -3, -3, 3]);
    expect(vals(run(Div, [intTensor([], [-1]), intTensor([], [2])])[0]!)).toEqual([0]);
    const m = run(Mul, [intTensor([1], [4]), intTensor([], [3])])[0]!;
    expect(isInt(m) && vals(m)).toEqual([12]);
    const mixed = run(Div, [intTensor([1], [7]), t([1], [2])])[0]!;
    expect(isInt(mixed)).toBe(false);
    expect(vals(mixed)).toEqual([3.5]);
  });

  it('incompatible shapes throw a ShapeError naming the node and both shapes', () => {
    expect(() => run(Add, [iota([2, 3]), iota([4])])).toThrow(ShapeError);
    expect(() => run(Add, [iota([2, 3]), iota([4])])).toThrow(/Add node "n1".*\[2, 3\] and \[4\]/);
    expect(() => run(Mul, [iota([2, 3, 4]), iota([3, 1, 5])])).toThrow(/\[2, 3, 4\] and \[3, 1, 5\]/);
  });
});

describe('Softmax', () => {
  const x = t([2, 3], [1, 2, 3, 1000, 1000, 1000]);
  const soft = (xs: number[]) => {
    const m = Math.max(...xs);
    const e = xs.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((v) => v / s);
  };

  it('opset 13 normalises over one axis (default -1) and is stable', () => {
    const y = vals(run(Softmax, [x])[0]!);
    const want = [...soft([1, 2, 3]), 1 / 3, 1 / 3, 1 / 3];
    y.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    const y0 = vals(run(Softmax, [t([2, 2], [0, 1, 0, 3])], { axis: 0 })[0]!);
    [0.5, soft([1, 3])[0]!, 0.5, soft([1, 3])[1]!].forEach((w, i) => expect(y0[i]).toBeCloseTo(w, 6));
  });

  it('opset 13 vs opset 11 on a 3-D input with axis=1', () => {
    const x3 = t([1, 2, 2], [0, 1, 2, 3]);
    const y13 = vals(run(Softmax, [x3], { axis: 1 }, 13)[0]!);
    const y11 = vals(run(Softmax, [x3], { axis: 1 }, 11)[0]!);
    const over1 = soft([0, 2]);
    const over2 = soft([1, 3]);
    [over1[0]!, over2[0]!, over1[1]!, over2[1]!].forEach((w, i) => expect(y13[i]).toBeCloseTo(w, 6));
    soft([0, 1, 2, 3]).forEach((w, i) => expect(y11[i]).toBeCloseTo(w, 6));
    // opset < 13 defaults to axis 1: [2,3] is a batch of rows
    vals(run(Softmax, [t([2, 2], [0, 1, 2, 3])], {}, 11)[0]!).forEach((v, i) =>
      expect(v).toBeCloseTo(soft([0, 1])[i % 2]!, 6),
    );
  });

  it('rejects an out-of-range axis', () => {
    expect(() => run(Softmax, [x], { axis: 2 })).toThrow(/Softmax node "n1": axis 2/);
  });
});
