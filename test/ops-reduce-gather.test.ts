// ReduceSum/Max/Min, ArgMax/ArgMin and GatherND on the CPU: fast = reference, ONNX semantics on hand-checked
// values (keepdims, axes attribute vs input by opset, NaN, ties, select_last_index, batch_dims, negative and
// float-valued indices) and typed errors.
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { intTensor } from '../src/graph/ir.js';
import { OPS } from '../src/ops/registry.js';
import { tensor, type Shape } from '../src/tensor.js';
import { rand, runCpu, values, withSpecials } from './support/op-check.js';

const op = (name: string) => OPS.get(name)!;
const t = (shape: Shape, data: number[]) => tensor(shape, data);
const iota = (shape: Shape) => t(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));

describe('ReduceSum / ReduceMax / ReduceMin', () => {
  it('axes, keepdims, all-axes default, opset-13 input for ReduceSum, attribute before 18 for ReduceMax', () => {
    const x = iota([2, 3, 4]);
    expect(values(runCpu(op('ReduceSum'), [x, intTensor([1], [1])], { keepdims: 0 })[0]!)).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    expect(runCpu(op('ReduceSum'), [x], {}, 11)[0]!.shape).toEqual([1, 1, 1]);
    expect(values(runCpu(op('ReduceSum'), [x], { axes: [0, 2] }, 11)[0]!)).toEqual([60, 92, 124]);
    expect(values(runCpu(op('ReduceMax'), [x], { axes: [-1], keepdims: 1 }, 13)[0]!)).toEqual([3, 7, 11, 15, 19, 23]);
    expect(values(runCpu(op('ReduceMin'), [x, intTensor([2], [0, 1])], {}, 18)[0]!)).toEqual([0, 1, 2, 3]);
    expect(values(runCpu(op('ReduceSum'), [x, intTensor([0], [])], { noop_with_empty_axes: 1 })[0]!)).toEqual(values(x));
  });

  it('NaN wins in max/min; fast = reference over trailing and non-trailing axes', () => {
    expect(values(runCpu(op('ReduceMax'), [t([2, 2], [1, NaN, 3, 2])], { axes: [1] }, 13)[0]!)).toEqual([NaN, 3]);
    for (const name of ['ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceMean'])
      for (const axes of [[3], [2, 3], [1], [0, 2], [1, 2, 3]])
        runCpu(op(name), [withSpecials(rand([2, 3, 5, 7], 1))], { axes }, 13, 1e-6);
  });
});

describe('ArgMax / ArgMin', () => {
  it('first index on ties, last with select_last_index, keepdims, negative axis, NaN is the extreme', () => {
    const x = t([2, 4], [1, 3, 3, 0, 5, NaN, 2, NaN]);
    expect(values(runCpu(op('ArgMax'), [x], { axis: 1 })[0]!)).toEqual([1, 1]);
    expect(values(runCpu(op('ArgMax'), [x], { axis: 1, select_last_index: 1 })[0]!)).toEqual([2, 3]);
    expect(runCpu(op('ArgMax'), [x], { axis: -1, keepdims: 0 })[0]!.shape).toEqual([2]);
    expect(values(runCpu(op('ArgMin'), [x], { axis: 1 })[0]!)).toEqual([3, 1]);
    expect(values(runCpu(op('ArgMax'), [x], { axis: 0 })[0]!)).toEqual([1, 1, 0, 1]);
    expect(() => runCpu(op('ArgMax'), [x], { axis: 2 })).toThrow(ShapeError);
  });
});

describe('GatherND', () => {
  it('ONNX spec examples (batch_dims 0 and 1) with float-valued indices', () => {
    const d = t([2, 2], [0, 1, 2, 3]);
    expect(values(runCpu(op('GatherND'), [d, t([2, 2], [0, 0, 1, 1])])[0]!)).toEqual([0, 3]);
    expect(values(runCpu(op('GatherND'), [d, t([2, 1], [1, 0])])[0]!)).toEqual([2, 3, 0, 1]);
    const d3 = t([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    const y = runCpu(op('GatherND'), [d3, t([2, 1, 2], [0, 1, 1, 0])])[0]!;
    expect(y.shape).toEqual([2, 1, 2]);
    expect(values(y)).toEqual([2, 3, 4, 5]);
    expect(values(runCpu(op('GatherND'), [d3, t([2, 1], [1, 0])], { batch_dims: 1 })[0]!)).toEqual([2, 3, 4, 5]);
    expect(values(runCpu(op('GatherND'), [d, t([1, 2], [-1, -2])])[0]!)).toEqual([2]);
  });

  it('rejects out-of-range and fractional constant indices, bad k and batch dims', () => {
    const d = t([2, 3], [0, 1, 2, 3, 4, 5]);
    expect(() => runCpu(op('GatherND'), [d, t([1, 2], [0, 3])])).toThrow(/index 3 is out of range/);
    expect(() => runCpu(op('GatherND'), [d, t([1, 2], [0, 0.5])])).toThrow(ShapeError);
    expect(() => runCpu(op('GatherND'), [d, t([1, 3], [0, 0, 0])])).toThrow(/last dim of indices/);
    expect(() => runCpu(op('GatherND'), [d, t([3, 1], [0, 0, 0])], { batch_dims: 1 })).toThrow(/batch dim 0 differs/);
  });
});
