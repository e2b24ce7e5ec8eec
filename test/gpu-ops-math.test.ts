// GPU programs of the elementwise math ops (Abs … LeakyRelu, Cast, PRelu, Max/Min) against the CPU reference.
// Tolerance: |gpu − cpu| ≤ 1e-5 + 1e-5·|cpu| (Exp, Tanh and Elu call exp in f32); NaN meets NaN, ±inf the same
// infinity. The largest error per op is printed at the end.
import { afterAll, describe, it } from 'vitest';
import { intTensor } from '../src/graph/ir.js';
import type { Shape } from '../src/tensor.js';
import { checkGpu, ErrorLog, rand, withSpecials } from './support/op-check.js';

const log = new ErrorLog('gpu-ops-math');
afterAll(() => log.report());

const SHAPES: Shape[] = [[2, 3, 5, 7], [1, 5, 1, 1], [3, 4], [2, 3, 4], [7], [2, 1, 3, 1, 5], [1, 7, 3, 2]];

describe('unary math ops', () => {
  const cases: [string, Record<string, number>][] = [
    ['Abs', {}], ['Neg', {}], ['Sqrt', {}], ['Reciprocal', {}], ['Exp', {}], ['Tanh', {}], ['Floor', {}],
    ['Elu', { alpha: 0.7 }], ['LeakyRelu', { alpha: 0.2 }],
  ];
  for (const [op, attrs] of cases) {
    it(op, async () => {
      for (const [k, s] of SHAPES.entries()) await checkGpu(log, `${op} ${JSON.stringify(s)}`, op, [withSpecials(rand(s, k + 1, -8, 8))], { attrs });
      await checkGpu(log, `${op} large`, op, [{ shape: [6], data: Float32Array.of(-100, -30, -1e-4, 1e-4, 30, 100) }], { attrs });
    });
  }

  it('Cast to int truncates toward zero, to bool tests != 0, to float copies', async () => {
    const x = withSpecials(rand([2, 3, 4, 5], 3, -5, 5));
    x.data[1] = 0;
    for (const to of [6, 7]) await checkGpu(log, `Cast to=${to}`, 'Cast', [{ shape: [2, 3, 4, 5], data: x.data.map((v) => (Number.isFinite(v) ? v : 0.5)) }], { attrs: { to } });
    await checkGpu(log, 'Cast to=9', 'Cast', [x], { attrs: { to: 9 } });
    await checkGpu(log, 'Cast to=1', 'Cast', [x], { attrs: { to: 1 } });
    await checkGpu(log, 'Cast int->float', 'Cast', [intTensor([3, 2], [1, -2, 3, 4, 5, -6])], { attrs: { to: 1 } });
  });
});

describe('PRelu and Max/Min', () => {
  it('PRelu with per-channel, scalar, trailing and full slopes', async () => {
    const x = withSpecials(rand([2, 6, 5, 3], 1));
    for (const [k, s] of ([[6, 1, 1], [1], [], [3], [2, 6, 5, 3], [1, 6, 1, 1], [5, 1]] as Shape[]).entries())
      await checkGpu(log, `PRelu slope ${JSON.stringify(s)}`, 'PRelu', [x, rand(s, 10 + k, 0, 1)]);
    await checkGpu(log, 'PRelu 3-D', 'PRelu', [rand([3, 5, 7], 2), { const: rand([5, 1], 3, 0, 1) }]);
  });

  for (const op of ['Max', 'Min']) {
    it(`${op}: 1, 2, 3 and 4 broadcasting inputs`, async () => {
      const a = withSpecials(rand([2, 3, 4, 5], 1));
      await checkGpu(log, `${op} one`, op, [a]);
      await checkGpu(log, `${op} two`, op, [a, rand([3, 1, 1], 2)]);
      await checkGpu(log, `${op} two swapped`, op, [rand([5], 2), a]);
      await checkGpu(log, `${op} three`, op, [rand([5], 3), withSpecials(rand([2, 1, 4, 1], 4)), a]);
      await checkGpu(log, `${op} four rank-growing`, op, [rand([3], 5), rand([4, 1], 6), rand([2, 1, 1], 7), { const: rand([], 8) }]);
    });
  }
});
