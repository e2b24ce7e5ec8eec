// GPU programs of the reductions (ReduceSum/Max/Min/Mean), ArgMax/ArgMin, Gather (runtime and constant
// indices) and GatherND against the CPU reference, and the existing ops in the ways the TF importers use them:
// Slice with negative steps and indices (StridedSlice), Concat of many inputs, Softmax on the last axis,
// Gemm with transA/transB and batched MatMul, Cast at runtime. Tolerance: 1e-5 + 1e-5·|cpu|.
import { afterAll, describe, it } from 'vitest';
import { intTensor } from '../src/graph/ir.js';
import { tensor, type Shape } from '../src/tensor.js';
import { checkGpu, ErrorLog, rand, withSpecials, type In } from './support/op-check.js';

const log = new ErrorLog('gpu-ops-tensor');
afterAll(() => log.report());
const ints = (...v: number[]): In => ({ const: intTensor([v.length], v) });

describe('reductions and arg reductions', () => {
  const CASES: [Shape, number[]][] = [
    [[2, 3, 5, 7], [1]], [[2, 3, 5, 7], [2, 3]], [[2, 3, 5, 7], [0, 2]], [[2, 3, 5, 7], [3]],
    [[3, 70], [1]], [[5, 4, 3], [0]], [[1, 2, 3, 4, 5], [1, 4]], [[9], [0]],
  ];
  for (const op of ['ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceMean']) {
    it(op, async () => {
      for (const [k, [s, axes]] of CASES.entries())
        for (const keepdims of [0, 1])
          await checkGpu(log, `${op} ${JSON.stringify(s)} axes=${axes} keep=${keepdims}`, op, [rand(s, k + 1), ints(...axes)], { attrs: { keepdims }, opset: 18 });
      await checkGpu(log, `${op} NaN/inf`, op, [withSpecials(rand([2, 3, 5, 7], 9)), ints(1)], { opset: 18 });
      await checkGpu(log, `${op} all axes`, op, [rand([2, 3, 4], 10)], { opset: 18 });
    });
  }

  for (const op of ['ArgMax', 'ArgMin']) {
    it(`${op} with ties, NaN and select_last_index`, async () => {
      for (const [k, s] of ([[2, 3, 5, 7], [3, 70], [1, 2, 3, 4, 5], [9]] as Shape[]).entries())
        for (let axis = -1; axis < s.length; axis += 2) {
          // quantised values give ties
          const x = rand(s, k + 1, -3, 3);
          x.data.forEach((v, i) => (x.data[i] = Math.round(v)));
          for (const last of [0, 1])
            await checkGpu(log, `${op} ${JSON.stringify(s)} axis=${axis} last=${last}`, op, [x], { attrs: { axis, select_last_index: last, keepdims: last } });
        }
      await checkGpu(log, `${op} NaN`, op, [withSpecials(rand([2, 3, 5, 7], 3))], { attrs: { axis: 1 } });
    });
  }
});

describe('Gather and GatherND', () => {
  it('Gather with runtime (float-valued) and constant indices, every axis, negative indices, 4-D data', async () => {
    const data = rand([2, 5, 4, 3], 1);
    for (let axis = 0; axis < 4; axis++) {
      const d = data.shape[axis]!;
      const idx = [d - 1, 0, -1, Math.floor(d / 2)];
      await checkGpu(log, `Gather runtime axis=${axis}`, 'Gather', [data, tensor([2, 2], idx)], { attrs: { axis } });
      await checkGpu(log, `Gather const axis=${axis}`, 'Gather', [data, ints(...idx.slice(0, 3))], { attrs: { axis } });
      await checkGpu(log, `Gather scalar axis=${axis}`, 'Gather', [data, { const: intTensor([], [d - 1]) }], { attrs: { axis } });
    }
    await checkGpu(log, 'Gather 2-D rows', 'Gather', [rand([7, 6], 2), tensor([3], [6, 0, 2])]);
    await checkGpu(log, 'Gather 1-D', 'Gather', [rand([9], 3), tensor([2, 2, 1], [8, 0, -9, 4])]);
  });

  it('GatherND with k = 1..4, batch_dims, 4-D data and 4-D indices', async () => {
    const data = rand([2, 5, 4, 3], 1);
    await checkGpu(log, 'GatherND k=1', 'GatherND', [data, tensor([3, 1], [1, 0, -1])]);
    await checkGpu(log, 'GatherND k=2', 'GatherND', [data, tensor([2, 2], [1, 4, 0, -2])]);
    await checkGpu(log, 'GatherND k=4', 'GatherND', [data, tensor([3, 4], [1, 4, 3, 2, 0, 0, 0, 0, 1, -1, 1, 1])]);
    await checkGpu(log, 'GatherND 4-D indices', 'GatherND', [rand([6, 7], 2), tensor([1, 2, 2, 2], [5, 6, 0, 0, 1, 2, 3, 4])]);
    await checkGpu(log, 'GatherND batch_dims=1', 'GatherND', [data, tensor([2, 3, 2], [1, 2, 4, 3, 0, 0, 2, 1, 3, 3, 4, 0])], { attrs: { batch_dims: 1 } });
    await checkGpu(log, 'GatherND const', 'GatherND', [rand([3, 4, 5], 4), { const: tensor([2, 2], [2, 3, 0, 1]) }]);
  });
});

describe('existing ops as the TF importers use them', () => {
  it('Slice with negative steps, negative starts/ends and INT64 bounds (StridedSlice)', async () => {
    const x = rand([2, 6, 5, 7], 1);
    const big = 9.223372036854776e18;
    await checkGpu(log, 'Slice reverse W', 'Slice', [x, ints(-1), ints(-big), ints(3), ints(-1)]);
    await checkGpu(log, 'Slice step 2 on H and C', 'Slice', [x, ints(1, -1), ints(5, -7), ints(2, 1), ints(2, -2)]);
    await checkGpu(log, 'Slice 3-D stride 3', 'Slice', [rand([4, 9, 5], 2), ints(-8, 0), ints(big, -1), ints(1, 2), ints(3, 1)]);
  });

  it('Concat of many inputs on every axis; Softmax on the last axis; Cast at runtime', async () => {
    for (let axis = 0; axis < 4; axis++) {
      const ins = [1, 2, 3, 1, 2, 1, 3].map((d, k) => {
        const s = [2, 3, 4, 5];
        s[axis] = d;
        return rand(s, k + 1);
      });
      await checkGpu(log, `Concat 7 inputs axis=${axis}`, 'Concat', ins, { attrs: { axis } });
    }
    await checkGpu(log, 'Softmax last axis 4-D', 'Softmax', [rand([2, 3, 5, 7], 3, -5, 5)], { attrs: { axis: -1 } });
    await checkGpu(log, 'Softmax last axis 2-D', 'Softmax', [rand([3, 1001], 4, -5, 5)], { attrs: { axis: -1 } });
    await checkGpu(log, 'Cast to int32 at runtime', 'Cast', [rand([2, 3, 4, 5], 5, -300, 300)], { attrs: { to: 6 } });
  });

  it('Squeeze / Unsqueeze across the NHWC boundary (ExpandDims, shrink_axis_mask)', async () => {
    await checkGpu(log, 'Squeeze 4-D -> 3-D', 'Squeeze', [rand([2, 1, 5, 7], 1), ints(1)]);
    await checkGpu(log, 'Squeeze 4-D -> 2-D', 'Squeeze', [rand([1, 6, 1, 7], 2), ints(0, 2)]);
    await checkGpu(log, 'Unsqueeze 3-D -> 4-D', 'Unsqueeze', [rand([3, 5, 7], 3), ints(0)]);
    await checkGpu(log, 'Unsqueeze 2-D -> 4-D', 'Unsqueeze', [rand([5, 7], 4), ints(1, 2)]);
    await checkGpu(log, 'Unsqueeze 4-D -> 5-D', 'Unsqueeze', [rand([2, 3, 4, 5], 5), ints(-1)]);
  });

  it('Gemm with transA / transB and batched MatMul', async () => {
    for (const [ta, tb] of [[0, 1], [1, 0], [1, 1]]) {
      const a = rand(ta ? [7, 5] : [5, 7], 1);
      const b = rand(tb ? [3, 7] : [7, 3], 2);
      await checkGpu(log, `Gemm transA=${ta} transB=${tb}`, 'Gemm', [a, { const: b }, { const: rand([3], 3) }], { attrs: { transA: ta, transB: tb } });
      await checkGpu(log, `Gemm runtime B transA=${ta} transB=${tb}`, 'Gemm', [a, b], { attrs: { transA: ta, transB: tb } });
    }
    await checkGpu(log, 'MatMul batched', 'MatMul', [rand([2, 3, 5, 7], 4), rand([2, 3, 7, 4], 5)]);
    await checkGpu(log, 'MatMul broadcast batch', 'MatMul', [rand([4, 6, 5], 6), { const: rand([5, 3], 7) }]);
  });
});
