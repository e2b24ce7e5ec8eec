/**
 * MatMul of A (rank ≥ 2, its leading dimensions flattened into rows) by a constant 2-D B packed into panels at load.
 * A 1-D operand, a batched B or a non-constant B declines.
 */
import type { MatMulAttrs } from '../../../ops/matmul.js';
import { NO_ACTIVATION } from '../../../ops/activation.js';
import type { ArenaKernel } from '../types.js';
import { gemmCalls, packPanels } from './gemm-panels.js';

export const matmul: ArenaKernel = {
  layouts(rn, have) {
    const a = rn.attrs as MatMulAttrs;
    if (!a.constB || have[1] !== undefined || rn.inputShapes[0]!.length < 2 || rn.inputShapes[1]!.length !== 2) return undefined;
    return { inputs: ['plain', undefined], outputs: ['plain'] };
  },
  build(ctx) {
    const { N, K } = ctx.node.attrs as MatMulAttrs;
    const M = ctx.node.inputShapes[0]!.slice(0, -1).reduce((x, d) => x * d, 1);
    const B = ctx.constant(1)!;
    const w = ctx.weights(packPanels(K, N, (k, n) => B[k * N + n]!));
    return gemmCalls(ctx, { M, N, K, aStride: K }, [{ c: ctx.output(0).offset, a: ctx.input(0)!.offset, w }], NO_ACTIVATION);
  },
};
