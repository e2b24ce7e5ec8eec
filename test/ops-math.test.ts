// Elementwise math ops added for the TF models (Abs … LeakyRelu, PRelu, Max/Min): fast kernel = reference bit for
// bit over awkward shapes, and the ONNX semantics on hand-checked values (NaN, ±inf, broadcasting, defaults).
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { intTensor } from '../src/graph/ir.js';
import { OPS } from '../src/ops/registry.js';
import { tensor, type Shape } from '../src/tensor.js';
import { rand, runCpu, values, withSpecials } from './support/op-check.js';

const op = (name: string) => OPS.get(name)!;
const t = (shape: Shape, data: number[]) => tensor(shape, data);
const SHAPES: Shape[] = [[2, 3, 5, 7], [1, 5, 1, 1], [3, 4], [2, 3, 4], [7], [], [2, 1, 3, 1, 5]];
const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));

describe('unary math ops', () => {
  const SPECIAL = t([8], [-2.5, -0.5, -0, 0, 0.5, 3, NaN, Infinity]);
  const cases: [string, Record<string, number>, (x: number) => number][] = [
    ['Abs', {}, Math.abs],
    ['Neg', {}, (x) => -x],
    ['Sqrt', {}, Math.sqrt],
    ['Reciprocal', {}, (x) => 1 / x],
    ['Exp', {}, Math.exp],
    ['Tanh', {}, Math.tanh],
    ['Floor', {}, Math.floor],
    ['Elu', { alpha: 0.7 }, (x) => (x < 0 ? 0.7 * Math.expm1(x) : x)],
    ['LeakyRelu', { alpha: 0.2 }, (x) => (x < 0 ? 0.2 * x : x)],
  ];
  for (const [name, attrs, f] of cases) {
    it(`${name}: fast = reference over ${SHAPES.length} shapes, and ONNX values`, () => {
      for (const [k, s] of SHAPES.entries()) runCpu(op(name), [withSpecials(rand(s, k + 1, -6, 6))], attrs);
      const y = values(runCpu(op(name), [SPECIAL], attrs)[0]!);
      const want = f32(values(SPECIAL).map(f));
      y.forEach((v, i) => expect(Math.abs(v - want[i]!) <= 1e-7 * Math.max(1, Math.abs(want[i]!)) || Object.is(v, want[i]), `${name}[${i}] ${v} vs ${want[i]}`).toBe(true));
    });
  }

  it('Elu and LeakyRelu default alphas are ONNX\'s (1 and 0.01)', () => {
    expect(values(runCpu(op('Elu'), [t([2], [-1, 2])])[0]!)).toEqual(f32([Math.exp(-1) - 1, 2]));
    expect(values(runCpu(op('LeakyRelu'), [t([2], [-1, 2])])[0]!)).toEqual(f32([-0.01, 2]));
  });

  it('integer inputs are computed as float', () => {
    expect(values(runCpu(op('Neg'), [intTensor([3], [1, -2, 3])])[0]!)).toEqual([-1, 2, -3]);
  });
});

describe('PRelu', () => {
  it('per-channel [C,1,1] slope on NCHW, scalar and full slopes; fast = reference', () => {
    const x = withSpecials(rand([2, 3, 4, 5], 1));
    for (const s of [[3, 1, 1], [1], [], [2, 3, 4, 5], [5], [1, 3, 1, 1]] as Shape[]) runCpu(op('PRelu'), [x, rand(s, 2, 0, 1)]);
    const y = values(runCpu(op('PRelu'), [t([1, 2, 1, 2], [-1, 2, -3, NaN]), t([2, 1, 1], [0.5, 0.25])])[0]!);
    expect(y).toEqual([-0.5, 2, -0.75, NaN]);
  });

  it('rejects a slope that would broadcast X to a bigger shape', () => {
    expect(() => runCpu(op('PRelu'), [rand([3, 1], 1), rand([3, 4], 2)])).toThrow(ShapeError);
    expect(() => runCpu(op('PRelu'), [rand([3, 4], 1), rand([3], 2)])).toThrow(/PRelu node "n1".*broadcast/);
  });
});

describe('Max / Min', () => {
  it('variadic with broadcasting; NaN wins; one input is a copy; fast = reference', () => {
    const a = t([2, 1], [1, NaN]);
    const b = t([3], [0, 2, -1]);
    const c = t([], [1.5]);
    expect(values(runCpu(op('Max'), [a, b, c])[0]!)).toEqual([1.5, 2, 1.5, NaN, NaN, NaN]);
    expect(values(runCpu(op('Min'), [a, b, c])[0]!)).toEqual([0, 1, -1, NaN, NaN, NaN]);
    expect(values(runCpu(op('Max'), [b])[0]!)).toEqual([0, 2, -1]);
    for (const name of ['Max', 'Min'])
      runCpu(op(name), [withSpecials(rand([2, 3, 4, 5], 1)), rand([3, 1, 1], 2), rand([5], 3), rand([2, 1, 4, 1], 4)]);
  });

  it('integer inputs stay integer (shape arithmetic)', () => {
    const y = runCpu(op('Max'), [intTensor([2], [3, -1]), intTensor([], [0])])[0]!;
    expect(y).toEqual(intTensor([2], [3, 0]));
  });

  it('names the node when shapes do not broadcast', () => {
    expect(() => runCpu(op('Min'), [rand([3], 1), rand([4], 2)])).toThrow(/Min node "n1"/);
  });
});
