/**
 * Gemm with a constant B (alpha folded into its panels, transB at packing). C becomes the panels' bias when it is
 * constant per column; a constant C varying by row becomes a read-only residual; a non-constant C is a residual when
 * it is already [M, N] and beta is 1. transA and the rest decline.
 */
import { broadcastIndex, type GemmAttrs } from '../../../ops/gemm.js';
import { NO_ACTIVATION } from '../../../ops/activation.js';
import type { ArenaKernel } from '../types.js';
import { gemmCalls, packPanels } from './gemm-panels.js';

type CUse = 'none' | 'bias' | 'constant' | 'input';

function cUse(a: GemmAttrs, cShape: readonly number[] | undefined, cConstant: boolean): CUse | undefined {
  if (!a.hasC || a.beta === 0) return 'none';
  const rowwise = cShape!.length === 2 && cShape![0] !== 1;
  if (cConstant) return rowwise ? 'constant' : 'bias';
  return cShape!.length === 2 && cShape![0] === a.M && cShape![1] === a.N && a.beta === 1 ? 'input' : undefined;
}

export const gemm: ArenaKernel = {
  layouts(rn, have) {
    const a = rn.attrs as GemmAttrs;
    if (a.transA || !a.constB || have[1] !== undefined) return undefined;
    const use = cUse(a, rn.inputShapes[2], a.constC && have[2] === undefined);
    if (!use) return undefined;
    return { inputs: ['plain', undefined, use === 'input' ? 'plain' : undefined], outputs: ['plain'] };
  },
  build(ctx) {
    const a = ctx.node.attrs as GemmAttrs;
    const { M, N, K } = a;
    const B = ctx.constant(1)!;
    const C = a.hasC ? ctx.constant(2) : undefined;
    const cShape = ctx.node.inputShapes[2];
    const use = cUse(a, cShape, C !== undefined)!;
    const c = (i: number, j: number) => a.beta * C![broadcastIndex(cShape!, i, j)]!;
    const b = a.transB ? (k: number, n: number) => a.alpha * B[n * K + k]! : (k: number, n: number) => a.alpha * B[k * N + n]!;
    const w = ctx.weights(packPanels(K, N, b, use === 'bias' ? (n) => c(0, n) : undefined));
    let r = 0;
    if (use === 'input') r = ctx.input(2)!.offset;
    if (use === 'constant') r = ctx.weights(Float32Array.from({ length: M * N }, (_, i) => c(Math.floor(i / N), i % N)));
    const ops = [{ c: ctx.output(0).offset, a: ctx.input(0)!.offset, w, r }];
    // with a residual, the fused activation comes after it
    return r ? gemmCalls(ctx, { M, N, K, aStride: K }, ops, NO_ACTIVATION, a.act) : gemmCalls(ctx, { M, N, K, aStride: K }, ops, a.act);
  },
};
