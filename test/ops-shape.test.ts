import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { ShapeError } from '../src/errors.js';
import { intTensor, isInt, type AttrValue, type Graph, type Node, type Value } from '../src/graph/ir.js';
import { resolve } from '../src/graph/resolve.js';
import { Cast } from '../src/ops/cast.js';
import { Constant } from '../src/ops/constant.js';
import { ConstantOfShape } from '../src/ops/constantofshape.js';
import { Gather } from '../src/ops/gather.js';
import { Shape } from '../src/ops/shape.js';
import { Squeeze } from '../src/ops/squeeze.js';
import { NodeCtx, type OpDef } from '../src/ops/types.js';
import { Unsqueeze } from '../src/ops/unsqueeze.js';
import { sizeOf, tensor, type Shape as Dims } from '../src/tensor.js';

/** Parses, infers shapes and runs the reference kernel of one node; inputs listed in `runtime` are not constants. */
function run(def: OpDef<any>, inputs: (Value | null)[], attrs: Record<string, AttrValue> = {}, opset = 17, runtime: number[] = []): Value[] {
  const node: Node = { name: 'n1', op: def.op, inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: ['y'], attrs };
  const consts = inputs.map((v, i) => (runtime.includes(i) ? undefined : (v ?? undefined)));
  const ctx = new NodeCtx(node, inputs.map((v) => v?.shape), consts, opset);
  const a = def.parse(ctx);
  const shapes = def.outputShapes(ctx, a);
  const out = def.reference(inputs.map((v) => v ?? { shape: [0], data: new Float32Array(0) }), a);
  expect(out.map((o) => o.shape)).toEqual(shapes);
  return out;
}
const vals = (v: Value) => Array.from(isInt(v) ? v.ints : v.data);
const iota = (shape: Dims) => tensor(shape, Array.from({ length: sizeOf(shape) }, (_, i) => i));
const ints = (...xs: number[]) => intTensor([xs.length], xs);

describe('Shape', () => {
  const x = iota([1, 3, 4, 5]);
  it('returns the dims as integers, honouring start/end', () => {
    const y = run(Shape, [x])[0]!;
    expect(isInt(y) && y.shape).toEqual([4]);
    expect(vals(y)).toEqual([1, 3, 4, 5]);
    expect(vals(run(Shape, [x], { start: 2 }, 15)[0]!)).toEqual([4, 5]);
    expect(vals(run(Shape, [x], { start: -3, end: -1 }, 15)[0]!)).toEqual([3, 4]);
    expect(vals(run(Shape, [x], { start: 3, end: 1 }, 15)[0]!)).toEqual([]);
    expect(vals(run(Shape, [x], { start: -10, end: 10 }, 15)[0]!)).toEqual([1, 3, 4, 5]);
  });
  it('folds from the input shape alone', () => {
    const node: Node = { name: 's', op: 'Shape', inputs: ['x'], outputs: ['y'], attrs: { start: 1 } };
    const ctx = new NodeCtx(node, [[2, 7, 9]], [undefined]);
    expect(Shape.foldFromShapes!(ctx, Shape.parse(ctx)).map(vals)).toEqual([[7, 9]]);
  });
});

describe('Gather', () => {
  it('scalar and vector indices on integer data, negative indices wrap', () => {
    const s = ints(1, 3, 224, 224);
    const y = run(Gather, [s, intTensor([], [0])], { axis: 0 })[0]!;
    expect(y.shape).toEqual([]);
    expect(isInt(y) && vals(y)).toEqual([1]);
    expect(vals(run(Gather, [s, ints(-1, 1)])[0]!)).toEqual([224, 3]);
  });
  it('output rank r + q - 1 on float data along an inner axis', () => {
    const x = iota([2, 3, 2]);
    const y = run(Gather, [x, intTensor([2, 2], [2, 0, -1, 1])], { axis: -2 })[0]!;
    expect(y.shape).toEqual([2, 2, 2, 2]);
    expect(vals(y)).toEqual([4, 5, 0, 1, 4, 5, 2, 3, 10, 11, 6, 7, 10, 11, 8, 9]);
  });
  it('errors: constant index out of range, bad axis; runtime index out of range', () => {
    expect(() => run(Gather, [iota([3]), ints(3)])).toThrow(/Gather node "n1": index 3 is out of range \[-3, 2\]/);
    expect(() => run(Gather, [iota([3]), ints(-4)])).toThrow(ShapeError);
    expect(() => run(Gather, [iota([3]), ints(0)], { axis: 1 })).toThrow(/axis 1 is out of range/);
    expect(() => run(Gather, [iota([3]), ints(5)], {}, 17, [1])).toThrow(RangeError);
  });
});

describe('Constant', () => {
  it('each value attribute kind', () => {
    const t = run(Constant, [], { value: tensor([2], [1.5, 2]) })[0]!;
    expect(!isInt(t) && vals(t)).toEqual([1.5, 2]);
    const i = run(Constant, [], { value: ints(-1) })[0]!;
    expect(isInt(i) && vals(i)).toEqual([-1]);
    expect(run(Constant, [], { value_float: 0.5 })[0]).toEqual({ shape: [], data: Float32Array.of(0.5) });
    expect(run(Constant, [], { value_floats: [1, 2] })[0]).toEqual({ shape: [2], data: Float32Array.of(1, 2) });
    expect(run(Constant, [], { value_int: 7 })[0]).toEqual({ shape: [], ints: Float64Array.of(7) });
    expect(run(Constant, [], { value_ints: [3, 4] })[0]).toEqual({ shape: [2], ints: Float64Array.of(3, 4) });
  });
  it('rejects no value, two values or an unsupported kind', () => {
    expect(() => run(Constant, [])).toThrow(/Constant node "n1": needs exactly one/);
    expect(() => run(Constant, [], { value_int: 1, value_float: 2 })).toThrow(ShapeError);
    expect(() => run(Constant, [], { value_string: 'a' })).toThrow(/value_string not supported/);
  });
});

describe('ConstantOfShape', () => {
  it('default float zero, integer and float fill values, zero-size and scalar shapes', () => {
    const z = run(ConstantOfShape, [ints(2, 3)])[0]!;
    expect(!isInt(z) && z.shape).toEqual([2, 3]);
    expect(vals(z)).toEqual([0, 0, 0, 0, 0, 0]);
    const o = run(ConstantOfShape, [ints(3)], { value: intTensor([1], [1]) })[0]!;
    expect(isInt(o) && vals(o)).toEqual([1, 1, 1]);
    expect(vals(run(ConstantOfShape, [ints(2)], { value: tensor([1], [0.5]) })[0]!)).toEqual([0.5, 0.5]);
    expect(run(ConstantOfShape, [ints(2, 0)])[0]!.shape).toEqual([2, 0]);
    expect(run(ConstantOfShape, [ints()])[0]!.shape).toEqual([]);
  });
  it('rejects a multi-element value and negative dims', () => {
    expect(() => run(ConstantOfShape, [ints(2)], { value: tensor([2], [1, 2]) })).toThrow(/ConstantOfShape node "n1": attribute value must hold one element/);
    expect(() => run(ConstantOfShape, [ints(-1)])).toThrow(ShapeError);
  });
});

describe('Cast', () => {
  const x = tensor([5], [-2.7, -0.5, 0, 0.5, 2.7]);
  it('float to INT64/INT32 truncates, to BOOL is x != 0, int to FLOAT', () => {
    const i = run(Cast, [x], { to: 7 })[0]!;
    expect(isInt(i) && vals(i)).toEqual([-2, 0, 0, 0, 2]);
    expect(vals(run(Cast, [x], { to: 6 })[0]!)).toEqual([-2, 0, 0, 0, 2]);
    expect(vals(run(Cast, [x], { to: 9 })[0]!)).toEqual([1, 1, 0, 1, 1]);
    const f = run(Cast, [ints(3, -4)], { to: 1 })[0]!;
    expect(!isInt(f) && vals(f)).toEqual([3, -4]);
    expect(isInt(run(Cast, [ints(1)], { to: 10 })[0]!)).toBe(false);
  });
  it('unsupported targets list what is supported', () => {
    expect(() => run(Cast, [x], { to: 8 })).toThrow(/Cast node "n1": to=8 is not supported; supported: 1 FLOAT, 6 INT32, 7 INT64/);
    expect(() => run(Cast, [x])).toThrow(ShapeError);
  });
});

describe('Unsqueeze and Squeeze', () => {
  const x = iota([3, 4]);
  it('Unsqueeze axes from input (opset 13) and attribute (opset 11), negative axes', () => {
    expect(run(Unsqueeze, [x, ints(0, 3)], {}, 13)[0]!.shape).toEqual([1, 3, 4, 1]);
    expect(run(Unsqueeze, [x], { axes: [1, -1] }, 11)[0]!.shape).toEqual([3, 1, 4, 1]);
    const s = run(Unsqueeze, [intTensor([], [5]), ints(0)])[0]!;
    expect(isInt(s) && s.shape).toEqual([1]);
    expect(vals(s)).toEqual([5]);
  });
  it('Unsqueeze rejects out-of-range and duplicate axes', () => {
    expect(() => run(Unsqueeze, [x, ints(3)])).toThrow(/Unsqueeze node "n1": axes \[3\] must be distinct and in \[-3, 2\]/);
    expect(() => run(Unsqueeze, [x, ints(0, -4)])).toThrow(ShapeError);
    expect(() => run(Unsqueeze, [x], {}, 11)).toThrow(/axes are required/);
  });
  it('Squeeze with axes from input or attribute, and without axes', () => {
    const y = iota([1, 3, 1, 2]);
    expect(run(Squeeze, [y, ints(-2)], {}, 13)[0]!.shape).toEqual([1, 3, 2]);
    expect(run(Squeeze, [y], { axes: [0, 2] }, 11)[0]!.shape).toEqual([3, 2]);
    const all = run(Squeeze, [y], {}, 13)[0]!;
    expect(all.shape).toEqual([3, 2]);
    expect(vals(all)).toEqual(vals(y));
  });
  it('Squeeze rejects a dim that is not 1 and an out-of-range axis', () => {
    expect(() => run(Squeeze, [x, ints(1)])).toThrow(/Squeeze node "n1": cannot squeeze axis 1 of input \[3, 4\]: its size is 4/);
    expect(() => run(Squeeze, [x], { axes: [2] }, 11)).toThrow(ShapeError);
  });
});

describe('constant folding of the flatten subgraph torch emits', () => {
  it('Shape -> Gather -> Unsqueeze -> Concat -> Reshape folds to a single Reshape', () => {
    const node = (name: string, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): Node => ({
      name,
      op,
      inputs,
      outputs: [`${name}_out`],
      attrs,
    });
    const graph: Graph = {
      name: 'flatten',
      opset: 13,
      inputs: [{ name: 'x', shape: ['N', 2, 3, 2] }],
      outputs: ['Reshape_4_out'],
      initializers: new Map<string, Value>([
        ['idx0', intTensor([], [0])],
        ['axes0', ints(0)],
        ['minus1', ints(-1)],
      ]),
      nodes: [
        node('Reshape_4', 'Reshape', ['x', 'Concat_3_out']),
        node('Concat_3', 'Concat', ['Unsqueeze_2_out', 'minus1'], { axis: 0 }),
        node('Unsqueeze_2', 'Unsqueeze', ['Gather_1_out', 'axes0']),
        node('Gather_1', 'Gather', ['Shape_0_out', 'idx0'], { axis: 0 }),
        node('Shape_0', 'Shape', ['x']),
      ],
    };
    const rg = resolve(graph, { x: [2, 2, 3, 2] });
    expect(rg.nodes.map((n) => n.node.name)).toEqual(['Reshape_4']);
    expect(rg.nodes[0]!.outputShapes).toEqual([[2, 12]]);
    expect(vals(rg.constants.get('Concat_3_out')!)).toEqual([2, -1]);
    const x = iota([2, 2, 3, 2]);
    const y = runCpu(rg, { x }).get('Reshape_4_out')!;
    expect(y.shape).toEqual([2, 12]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
  });
});
