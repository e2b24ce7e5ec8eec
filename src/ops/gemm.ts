import { shapeStr, sizeOf, type Shape } from '../tensor.js';
import { applyActivation, NO_ACTIVATION, type FusedActivation } from './activation.js';
import { asFloat, defineOp } from './types.js';

export interface GemmAttrs {
  alpha: number;
  beta: number;
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  /** Whether input C is present. */
  hasC: boolean;
  /** Whether B / C are load-time constants (count as parameters). */
  constB: boolean;
  constC: boolean;
  /** Fused epilogue after alpha·A·B + beta·C. */
  act: FusedActivation;
}

/** Y = act(alpha·op(A)·op(B) + beta·C), C unidirectionally broadcast to [M, N]. */
export const Gemm = defineOp<GemmAttrs>({
  op: 'Gemm',
  parse(ctx) {
    const as = ctx.shape(0);
    const bs = ctx.shape(1);
    if (as.length !== 2 || bs.length !== 2) throw ctx.error(`A ${shapeStr(as)} and B ${shapeStr(bs)} must both be 2-D`);
    const transA = ctx.int('transA', 0) !== 0;
    const transB = ctx.int('transB', 0) !== 0;
    const [M, K] = transA ? [as[1]!, as[0]!] : [as[0]!, as[1]!];
    const [K2, N] = transB ? [bs[1]!, bs[0]!] : [bs[0]!, bs[1]!];
    if (K !== K2)
      throw ctx.error(`inner dimensions differ: A ${shapeStr(as)} (transA=${+transA}) and B ${shapeStr(bs)} (transB=${+transB})`);
    const hasC = ctx.has(2);
    if (hasC) {
      const cs = ctx.shape(2);
      const target = [M, N];
      const ok =
        cs.length <= 2 && cs.every((d, i) => d === 1 || d === target[target.length - cs.length + i]);
      if (!ok) throw ctx.error(`C ${shapeStr(cs)} cannot be broadcast to [${M}, ${N}]`);
    }
    return {
      alpha: ctx.float('alpha', 1),
      beta: ctx.float('beta', 1),
      transA, transB, M, N, K, hasC,
      constB: ctx.constant(1) !== undefined,
      constC: hasC && ctx.constant(2) !== undefined,
      act: NO_ACTIVATION,
    };
  },
  outputShapes: (_ctx, a) => [[a.M, a.N]],
  // Like torchinfo's Linear: params = weight + bias, mult-adds = M·(K·N + N).
  cost(ins, _outs, a) {
    const params = (a.constB ? sizeOf(ins[1]!) : 0) + (a.constC ? sizeOf(ins[2]!) : 0);
    return { params, macs: a.M * a.N * a.K + (a.hasC ? a.M * a.N : 0) };
  },
  reference(inputs, a) {
    const A = asFloat(inputs[0]).data;
    const B = asFloat(inputs[1]).data;
    const c = a.hasC ? asFloat(inputs[2]) : undefined;
    const { M, N, K } = a;
    const y = new Float32Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++)
          s += A[a.transA ? k * M + i : i * K + k]! * B[a.transB ? j * K + k : k * N + j]!;
        let v = a.alpha * s;
        if (c && a.beta !== 0) v += a.beta * c.data[broadcastIndex(c.shape, i, j)]!;
        y[i * N + j] = applyActivation(v, a.act);
      }
    return [{ shape: [M, N], data: y }];
  },
});

/** Index into C (rank 0..2) broadcast to [M, N]. */
export function broadcastIndex(cs: Shape, i: number, j: number): number {
  if (cs.length === 0) return 0;
  if (cs.length === 1) return cs[0] === 1 ? 0 : j;
  return (cs[0] === 1 ? 0 : i) * cs[1]! + (cs[1] === 1 ? 0 : j);
}
