import { describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { intTensor, isInt, type AttrValue, type Node, type Value } from '../src/graph/ir.js';
import { Concat } from '../src/ops/concat.js';
import { Flatten } from '../src/ops/flatten.js';
import { Dropout, Identity } from '../src/ops/identity.js';
import { Pad } from '../src/ops/pad.js';
import { Reshape } from '../src/ops/reshape.js';
import { Slice } from '../src/ops/slice.js';
import { Split } from '../src/ops/split.js';
import { Transpose } from '../src/ops/transpose.js';
import { NodeCtx, type OpDef } from '../src/ops/types.js';
import { sizeOf, tensor, type Shape } from '../src/tensor.js';

/** Parses, infers shapes and runs the reference kernel of one node whose inputs are all known. */
function run(def: OpDef<any>, inputs: (Value | null)[], attrs: Record<string, AttrValue> = {}, opset = 17, outputs = 1): Value[] {
  const node: Node = {
    name: 'n1',
    op: def.op,
    inputs: inputs.map((v, i) => (v ? `i${i}` : '')),
    outputs: Array.from({ length: outputs }, (_, i) => `y${i}`),
    attrs,
  };
  const ctx = new NodeCtx(node, inputs.map((v) => v?.shape), inputs.map((v) => v ?? undefined), opset);
  const a = def.parse(ctx);
  const shapes = def.outputShapes(ctx, a);
  const out = def.reference(inputs.map((v) => v ?? { shape: [0], data: new Float32Array(0) }), a);
  expect(out.map((o) => o.shape)).toEqual(shapes);
  return out;
}
const vals = (v: Value) => Array.from(isInt(v) ? v.ints : v.data);
const iota = (shape: Shape) => tensor(shape, Array.from({ length: sizeOf(shape) }, (_, i) => i));
const ints = (...xs: number[]) => intTensor([xs.length], xs);
const INT64_MAX = 9.223372036854776e18;
const INT64_MIN = -9.223372036854776e18;

describe('Flatten', () => {
  it('default axis 1, axis 0, negative axis, axis = rank', () => {
    const x = iota([2, 3, 4]);
    expect(run(Flatten, [x])[0]!.shape).toEqual([2, 12]);
    expect(run(Flatten, [x], { axis: 0 })[0]!.shape).toEqual([1, 24]);
    expect(run(Flatten, [x], { axis: -1 })[0]!.shape).toEqual([6, 4]);
    expect(run(Flatten, [x], { axis: 3 })[0]!.shape).toEqual([24, 1]);
    expect(vals(run(Flatten, [x])[0]!)).toEqual(vals(x));
    expect(() => run(Flatten, [x], { axis: 4 })).toThrow(/Flatten node "n1": axis 4/);
  });
});

describe('Reshape', () => {
  const x = iota([2, 3, 4]);
  it('0 copies, -1 infers', () => {
    const y = run(Reshape, [x, ints(0, -1)])[0]!;
    expect(y.shape).toEqual([2, 12]);
    expect(vals(y)).toEqual(vals(x));
    expect(run(Reshape, [x, ints(-1, 2, 2)])[0]!.shape).toEqual([6, 2, 2]);
    expect(run(Reshape, [x, ints(4, 0, 2)])[0]!.shape).toEqual([4, 3, 2]);
  });
  it('allowzero=1 keeps literal zeros', () => {
    expect(run(Reshape, [iota([0, 3]), ints(3, 0)], { allowzero: 1 })[0]!.shape).toEqual([3, 0]);
  });
  it('works on integer tensors', () => {
    const y = run(Reshape, [intTensor([4], [1, 2, 3, 4]), ints(2, 2)])[0]!;
    expect(isInt(y) && y.shape).toEqual([2, 2]);
  });
  it('errors: two -1, size mismatch, no inferable -1, 0 beyond the input rank', () => {
    expect(() => run(Reshape, [x, ints(-1, -1)])).toThrow(/Reshape node "n1": shape \[-1, -1\] has more than one -1/);
    expect(() => run(Reshape, [x, ints(5, 5)])).toThrow(ShapeError);
    expect(() => run(Reshape, [x, ints(5, 5)])).toThrow(/input \[2, 3, 4\] \(24 elements\) to \[5, 5\] \(25 elements\)/);
    expect(() => run(Reshape, [x, ints(5, -1)])).toThrow(/\[2, 3, 4\].*\[5, -1\]/);
    expect(() => run(Reshape, [x, ints(1, 1, 1, 0)])).toThrow(/copies dimension 3/);
  });
});

describe('Transpose', () => {
  it('explicit perm and the default reverse', () => {
    const x = iota([2, 3]);
    const y = run(Transpose, [x])[0]!;
    expect(y.shape).toEqual([3, 2]);
    expect(vals(y)).toEqual([0, 3, 1, 4, 2, 5]);
    const z = run(Transpose, [iota([2, 3, 4])], { perm: [1, 2, 0] })[0]!;
    expect(z.shape).toEqual([3, 4, 2]);
    const v = vals(z);
    for (let c = 0; c < 3; c++)
      for (let h = 0; h < 4; h++) for (let n = 0; n < 2; n++) expect(v[(c * 4 + h) * 2 + n]).toBe(n * 12 + c * 4 + h);
  });
  it('rejects a non-permutation', () => {
    expect(() => run(Transpose, [iota([2, 3, 4])], { perm: [0, 0, 1] })).toThrow(/Transpose node "n1": perm \[0, 0, 1\] is not a permutation/);
    expect(() => run(Transpose, [iota([2, 3, 4])], { perm: [1, 0] })).toThrow(ShapeError);
  });
});

describe('Concat', () => {
  it('along an inner axis, with a negative axis', () => {
    const y = run(Concat, [iota([2, 1]), tensor([2, 2], [10, 11, 12, 13])], { axis: -1 })[0]!;
    expect(y.shape).toEqual([2, 3]);
    expect(vals(y)).toEqual([0, 10, 11, 1, 12, 13]);
  });
  it('integer shape vectors stay integer; zero-length parts are fine', () => {
    const y = run(Concat, [ints(2), ints(), ints(-1, 7)], { axis: 0 })[0]!;
    expect(isInt(y) && vals(y)).toEqual([2, -1, 7]);
  });
  it('rejects mismatched ranks or dims', () => {
    expect(() => run(Concat, [iota([2, 3]), iota([3, 3])], { axis: 1 })).toThrow(/Concat node "n1".*\[2, 3\], \[3, 3\]/);
    expect(() => run(Concat, [iota([2, 3]), iota([6])], { axis: 0 })).toThrow(ShapeError);
    expect(() => run(Concat, [iota([2, 3])], { axis: 2 })).toThrow(/axis 2 is out of range/);
  });
});

describe('Split', () => {
  const x = iota([2, 6]);
  it('sizes from input 1 (opset 13+) and from the attribute (opset < 13)', () => {
    const a = run(Split, [x, ints(1, 2, 3)], { axis: 1 }, 13, 3);
    expect(a.map((v) => v.shape)).toEqual([[2, 1], [2, 2], [2, 3]]);
    expect(a.map(vals)).toEqual([[0, 6], [1, 2, 7, 8], [3, 4, 5, 9, 10, 11]]);
    const b = run(Split, [x], { axis: -1, split: [4, 2] }, 11, 2);
    expect(b.map(vals)).toEqual([[0, 1, 2, 3, 6, 7, 8, 9], [4, 5, 10, 11]]);
  });
  it('equal parts by output count; num_outputs (opset 18) allows a smaller last part', () => {
    expect(run(Split, [x], { axis: 0 }, 13, 2).map(vals)).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]);
    expect(run(Split, [iota([5])], { num_outputs: 2 }, 18, 2).map(vals)).toEqual([[0, 1, 2], [3, 4]]);
  });
  it('validates sizes', () => {
    expect(() => run(Split, [x, ints(1, 2)], { axis: 1 }, 13, 2)).toThrow(/Split node "n1": split \[1, 2\] must .* sum to dimension 1 of input \[2, 6\] \(6\)/);
    expect(() => run(Split, [x, ints(6)], { axis: 1 }, 13, 2)).toThrow(/1 entries for 2 outputs/);
    expect(() => run(Split, [x], { axis: 1 }, 13, 4)).toThrow(/cannot be split into 4 equal parts/);
  });
});

describe('Slice', () => {
  const x = iota([3, 4]);
  it('starts/ends/axes/steps inputs with negative indices and INT64 bounds', () => {
    expect(vals(run(Slice, [x, ints(1), ints(INT64_MAX), ints(1)])[0]!)).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11]);
    expect(vals(run(Slice, [x, ints(-2, 0), ints(INT64_MAX, -1)])[0]!)).toEqual([4, 5, 6, 8, 9, 10]);
    const rev = run(Slice, [x, ints(-1), ints(INT64_MIN), ints(-1), ints(-1)])[0]!;
    expect(rev.shape).toEqual([3, 4]);
    expect(vals(rev)).toEqual([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8]);
    expect(vals(run(Slice, [x, ints(0, 3), ints(3, 0), ints(0, 1), ints(2, -2)])[0]!)).toEqual([3, 1, 11, 9]);
  });
  it('out-of-range and empty slices clamp', () => {
    expect(run(Slice, [x, ints(10), ints(20), ints(0)])[0]!.shape).toEqual([0, 4]);
    expect(run(Slice, [x, ints(2), ints(1), ints(1)])[0]!.shape).toEqual([3, 0]);
    expect(vals(run(Slice, [x, ints(-100), ints(1), ints(0)])[0]!)).toEqual([0, 1, 2, 3]);
  });
  it('attributes before opset 10', () => {
    expect(vals(run(Slice, [x], { starts: [1], ends: [3], axes: [1] }, 9)[0]!)).toEqual([1, 2, 5, 6, 9, 10]);
  });
  it('slices integer shape vectors (as exporters do)', () => {
    const y = run(Slice, [ints(1, 3, 224, 224), ints(2), ints(INT64_MAX)])[0]!;
    expect(isInt(y) && vals(y)).toEqual([224, 224]);
  });
  it('errors: step 0, duplicate axes, length mismatch', () => {
    expect(() => run(Slice, [x, ints(0), ints(1), ints(0), ints(0)])).toThrow(/Slice node "n1": step for axis 0 is 0/);
    expect(() => run(Slice, [x, ints(0, 0), ints(1, 1), ints(0, -2)])).toThrow(/distinct axes of input \[3, 4\]/);
    expect(() => run(Slice, [x, ints(0, 0), ints(1)])).toThrow(ShapeError);
  });
});

describe('Pad', () => {
  const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
  it('constant mode with a value from input 2', () => {
    const y = run(Pad, [x, ints(0, 1, 1, 0), tensor([], [9])])[0]!;
    expect(y.shape).toEqual([3, 4]);
    expect(vals(y)).toEqual([9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9]);
  });
  it('reflect and edge', () => {
    expect(vals(run(Pad, [x, ints(0, 2, 0, 1)], { mode: 'reflect' })[0]!)).toEqual([3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5]);
    expect(vals(run(Pad, [x, ints(1, 1, 0, 0)], { mode: 'edge' })[0]!)).toEqual([1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6]);
  });
  it('NCHW spatial padding, as ZeroPad2d / ReflectionPad2d export it', () => {
    const img = tensor([1, 1, 2, 2], [1, 2, 3, 4]);
    const z = run(Pad, [img, ints(0, 0, 1, 0, 0, 0, 0, 1)])[0]!;
    expect(z.shape).toEqual([1, 1, 3, 3]);
    expect(vals(z)).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0]);
    const r = run(Pad, [img, ints(0, 0, 1, 1, 0, 0, 0, 0)], { mode: 'reflect' })[0]!;
    expect(vals(r)).toEqual([4, 3, 4, 2, 1, 2, 4, 3, 4]);
  });
  it('negative pads crop', () => {
    const y = run(Pad, [x, ints(0, -1, 0, 1)])[0]!;
    expect(y.shape).toEqual([2, 3]);
    expect(vals(y)).toEqual([2, 3, 0, 5, 6, 0]);
  });
  it('attribute pads and value before opset 11', () => {
    expect(vals(run(Pad, [tensor([2], [1, 2])], { pads: [1, 2], value: -1 }, 10)[0]!)).toEqual([-1, 1, 2, -1, -1]);
  });
  it('errors: reflect too wide, wrong pads length, unknown mode, over-cropping', () => {
    expect(() => run(Pad, [x, ints(0, 3, 0, 0)], { mode: 'reflect' })).toThrow(/Pad node "n1": reflect padding \(3, 0\) on dimension 1 must be smaller than its size 3/);
    expect(() => run(Pad, [x, ints(1, 1)])).toThrow(/must have 4 entries for input \[2, 3\], got 2/);
    expect(() => run(Pad, [x, ints(0, 0, 0, 0)], { mode: 'wrap' })).toThrow(ShapeError);
    expect(() => run(Pad, [x, ints(-2, 0, -1, 0)])).toThrow(/crop more than dimension 0/);
  });
});

describe('Identity and Dropout', () => {
  it('pass the input through; the Dropout mask is all ones', () => {
    const x = iota([2, 2]);
    expect(run(Identity, [x])[0]).toBe(x);
    const [y, mask] = run(Dropout, [x, tensor([], [0.5])], {}, 13, 2);
    expect(y).toBe(x);
    expect(isInt(mask!) && vals(mask!)).toEqual([1, 1, 1, 1]);
    expect(run(Dropout, [x], {}, 13, 1)).toHaveLength(1);
    expect(() => run(Dropout, [x, tensor([], [0.5]), intTensor([], [1])], {}, 13)).toThrow(/Dropout node "n1": training_mode/);
  });
});
