/**
 * A 1×1 Conv (group 1, no padding, any stride) on NHWC: the output pixels times the weight as a GEMM, A's rows being
 * the input pixels the stride picks. Constant weights [Cout, Cin, 1, 1] and bias are packed into panels at load.
 * Where the planner would rather have the output row-major (a graph output: NCHW), the GEMM stores it so itself,
 * one call per image, with a row-major residual.
 */
import type { ConvAttrs } from '../../../ops/conv.js';
import type { ArenaKernel, BuildCtx, Call } from '../types.js';
import { GEMM_SHAPE, gemmCalls, packPanels, type GemmOperands } from './gemm-panels.js';

function handles(a: ConvAttrs, have: readonly unknown[]): boolean {
  return a.group === 1 && a.kernel[0] === 1 && a.kernel[1] === 1 && a.pads.every((p) => p === 0) &&
    have[1] === undefined && !!a.constWeights && (!a.hasBias || have[2] === undefined);
}

export const pointwiseConv: ArenaKernel = {
  layouts(rn, have, wanted) {
    const a = rn.attrs as ConvAttrs;
    if (rn.inputShapes[0]?.length !== 4 || !handles(a, have)) return undefined;
    // an NHWC residual would need converting as much as the output saves
    const out = wanted?.[0] === 'plain' && (!a.residual || have[3] === 'plain') ? 'plain' : 'nhwc';
    return { inputs: ['nhwc', undefined, undefined, a.residual ? out : undefined], outputs: [out] };
  },
  build: (ctx) => pointwiseCalls(ctx),
};

/** The calls of a pointwise Conv node on the microkernel `shape` (bench/arena-gemm.ts compares them). */
export function pointwiseCalls(ctx: BuildCtx, shape = GEMM_SHAPE): Call[] {
  const a = ctx.node.attrs as ConvAttrs;
  const [N, Cin, H, W] = ctx.node.inputShapes[0]!;
  const [, Cout, Ho, Wo] = ctx.node.outputShapes[0]!;
  const wt = ctx.constant(1)!;
  const bias = a.hasBias ? ctx.constant(2)! : undefined;
  const w = ctx.weights(packPanels(Cin!, Cout!, (k, n) => wt[n * Cin! + k]!, bias && ((n) => bias[n]!), shape.nr));
  const x = ctx.input(0)!.offset;
  const out = ctx.output(0);
  const y = out.offset;
  const transposed = out.layout === 'plain';
  const r = a.residual ? ctx.input(3)!.offset : 0;
  const [sh, sw] = a.strides;
  const at = (n: number, size: number): GemmOperands => ({ c: y + n * Ho! * Wo! * Cout! * 4, a: x + n * size * 4, w, r: r && r + n * Ho! * Wo! * Cout! * 4 });
  if (sh === 1 && sw === 1 && !transposed) return gemmCalls(ctx, { M: N! * H! * W!, N: Cout!, K: Cin!, aStride: Cin! }, [at(0, 0)], a.act, a.post, shape);
  // one call per image: an output row's pixels are sw·Cin floats apart, output rows sh·W·Cin
  const rows = { M: Ho! * Wo!, N: Cout!, K: Cin!, aStride: sw * Cin!, group: Wo!, groupStride: sh * W! * Cin!, transposed };
  return gemmCalls(ctx, rows, Array.from({ length: N! }, (_, n) => at(n, H! * W! * Cin!)), a.act, a.post, shape);
}
