import { shapeStr, sizeOf, stridesOf, type Shape } from '../tensor.js';
import { asFloat, defineOp } from './types.js';

export interface MatMulAttrs {
  M: number;
  N: number;
  K: number;
  /** Broadcast batch shape of the output (without the matrix dims). */
  batch: number[];
  /** For each flat output batch index, the flat batch index into A and into B. */
  aBatch: Int32Array;
  bBatch: Int32Array;
  outShape: number[];
  constB: boolean;
}

/** numpy.matmul: 1-D operands get a dimension prepended (A) or appended (B) that is dropped again; batch dims broadcast. */
export const MatMul = defineOp<MatMulAttrs>({
  op: 'MatMul',
  parse(ctx) {
    const as = ctx.shape(0);
    const bs = ctx.shape(1);
    if (as.length === 0 || bs.length === 0) throw ctx.error(`operands must have rank >= 1, got ${shapeStr(as)} and ${shapeStr(bs)}`);
    const a2 = as.length === 1 ? [1, as[0]!] : [...as];
    const b2 = bs.length === 1 ? [bs[0]!, 1] : [...bs];
    const M = a2[a2.length - 2]!;
    const K = a2[a2.length - 1]!;
    const N = b2[b2.length - 1]!;
    if (b2[b2.length - 2] !== K) throw ctx.error(`inner dimensions differ: ${shapeStr(as)} x ${shapeStr(bs)}`);
    const ab = a2.slice(0, -2);
    const bb = b2.slice(0, -2);
    const rank = Math.max(ab.length, bb.length);
    const pa = [...new Array<number>(rank - ab.length).fill(1), ...ab];
    const pb = [...new Array<number>(rank - bb.length).fill(1), ...bb];
    const batch = pa.map((d, i) => {
      const e = pb[i]!;
      if (d !== e && d !== 1 && e !== 1) throw ctx.error(`batch dimensions of ${shapeStr(as)} and ${shapeStr(bs)} do not broadcast`);
      return d === 1 ? e : d;
    });
    const count = sizeOf(batch);
    const aBatch = new Int32Array(count);
    const bBatch = new Int32Array(count);
    const sa = stridesOf(pa);
    const sb = stridesOf(pb);
    const so = stridesOf(batch);
    for (let f = 0; f < count; f++) {
      let ia = 0;
      let ib = 0;
      for (let d = 0; d < rank; d++) {
        const idx = Math.floor(f / so[d]!) % batch[d]!;
        if (pa[d] !== 1) ia += idx * sa[d]!;
        if (pb[d] !== 1) ib += idx * sb[d]!;
      }
      aBatch[f] = ia;
      bBatch[f] = ib;
    }
    const outShape = [...batch];
    if (as.length > 1) outShape.push(M);
    if (bs.length > 1) outShape.push(N);
    return { M, N, K, batch, aBatch, bBatch, outShape, constB: ctx.constant(1) !== undefined };
  },
  outputShapes: (_ctx, a) => [a.outShape],
  cost: (ins, _outs, a) => ({ params: a.constB ? sizeOf(ins[1]!) : 0, macs: sizeOf(a.batch) * a.M * a.N * a.K }),
  reference(inputs, a) {
    const A = asFloat(inputs[0]).data;
    const B = asFloat(inputs[1]).data;
    const { M, N, K } = a;
    const y = new Float32Array(sizeOf(a.outShape));
    for (let f = 0; f < a.aBatch.length; f++) {
      const ao = a.aBatch[f]! * M * K;
      const bo = a.bBatch[f]! * K * N;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += A[ao + i * K + k]! * B[bo + k * N + j]!;
          y[(f * M + i) * N + j] = s;
        }
    }
    return [{ shape: a.outShape as Shape, data: y }];
  },
});
