import type { Value } from '../../graph/ir.js';
import { broadcastIndex, type GemmAttrs } from '../../ops/gemm.js';
import type { MatMulAttrs } from '../../ops/matmul.js';
import { asFloat } from '../../ops/types.js';
import { type Shape, sizeOf } from '../../tensor.js';
import { sgemm } from '../gemm.js';

export function gemmKernel(inputs: readonly Value[], a: GemmAttrs): Value[] {
  const A = asFloat(inputs[0]).data;
  const B = asFloat(inputs[1]).data;
  const { M, N, K } = a;
  const y = new Float32Array(M * N);
  let bias: Float32Array | undefined;
  let accumulate = false;
  if (a.hasC && a.beta !== 0) {
    const c = asFloat(inputs[2]);
    if (c.shape.length === 2 && c.shape[0] === M && c.shape[1] === 1 && M > 1) {
      bias = c.data.map((v) => a.beta * v);
    } else {
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) y[i * N + j] = a.beta * c.data[broadcastIndex(c.shape, i, j)]!;
      accumulate = true;
    }
  }
  sgemm(M, N, K, A, 0, B, 0, y, 0, { transA: a.transA, transB: a.transB, alpha: a.alpha, accumulate, bias, act: a.act });
  return [{ shape: [M, N], data: y }];
}

export function matMulKernel(inputs: readonly Value[], a: MatMulAttrs): Value[] {
  const A = asFloat(inputs[0]).data;
  const B = asFloat(inputs[1]).data;
  const { M, N, K } = a;
  const y = new Float32Array(sizeOf(a.outShape));
  const count = a.aBatch.length;
  // a stack of A's against one shared B is a single tall GEMM
  if (a.bBatch.every((b) => b === 0) && a.aBatch.every((v, f) => v === f)) {
    sgemm(count * M, N, K, A, 0, B, 0, y, 0);
    return [{ shape: a.outShape as Shape, data: y }];
  }
  for (let f = 0; f < count; f++)
    sgemm(M, N, K, A, a.aBatch[f]! * M * K, B, a.bBatch[f]! * K * N, y, f * M * N);
  return [{ shape: a.outShape as Shape, data: y }];
}
