/**
 * A fused depthwise-separable chain — [1×1 expand →] depthwise → 1×1 project (+ residual) — as one call of
 * c/chain.c's chain_conv, tiled over bands of output rows; the expanded and depthwise tensors live only in each
 * thread's scratch. The planner (../chain.ts) makes the node, op CHAIN_OP, inputs
 * [x, expand W, expand B, dw W, dw B, project W, project B, residual] ('' where absent), from Conv nodes the
 * pointwise and depthwise kernels accept; it asks `pays` first.
 */
import type { ResolvedNode } from '../../../graph/resolve.js';
import type { ConvAttrs } from '../../../ops/conv.js';
import type { ArenaKernel, BuildCtx, Call } from '../types.js';
import { packDepthwise } from './conv-depthwise.js';
import { gemmParams, packPanels } from './gemm-panels.js';
import { packStruct } from './conv-params.js';

export const CHAIN_OP = 'ConvChain';

export interface ChainAttrs {
  expand?: ConvAttrs;
  dw: ConvAttrs;
  project: ConvAttrs;
  /** Output rows a tile computes. */
  band: number;
}

/** Input shapes of a chain node: x, then expand, dw, project weights and biases, the residual. */
const X = 0, EW = 1, EB = 2, DW = 3, DB = 4, PW = 5, PB = 6, RES = 7;

/**
 * Bytes of a thread's scratch the expanded and depthwise bands may take: a part of a 2 MiB L2. 96 KiB and 1 MiB
 * measured the same as this within the noise (bench/arena-chain.ts).
 */
export const BAND_BYTES = 256 * 1024;

/** [rows of the expanded buffer, floats before the depthwise band, floats in all] for `band` output rows. */
function scratchOf(a: Omit<ChainAttrs, 'band'>, x: readonly number[], y: readonly number[], cexp: number, band: number): [number, number, number] {
  const [, , , w] = x as number[];
  const wo = y[3]!;
  const rows = a.expand ? Math.min(x[2]!, (band - 1) * a.dw.strides[0] + (a.dw.kernel[0] - 1) * a.dw.dilations[0] + 1) : 0;
  const dwAt = (rows * w! * cexp + 4 + 3) & ~3;
  return [rows, dwAt, dwAt + band * wo * cexp + 4];
}

/** The band for a chain: the most output rows whose scratch fits BAND_BYTES, and at least 4 tiles where rows allow. */
export function chainBand(a: Omit<ChainAttrs, 'band'>, x: readonly number[], y: readonly number[], cexp: number): number {
  const ho = y[2]!;
  let band = Math.max(1, Math.ceil(ho / 4));
  while (band > 1 && scratchOf(a, x, y, cexp, band)[2] * 4 > BAND_BYTES) band--;
  return band;
}

export const chainKernel: ArenaKernel = {
  layouts(rn, have, wanted) {
    const a = rn.attrs as ChainAttrs;
    // written NCHW where the planner would rather have it so (a graph output), unless the residual is NHWC
    const out = wanted?.[0] === 'plain' && (!a.project.residual || have[RES] === 'plain') ? 'plain' : 'nhwc';
    const inputs: (('nhwc' | 'plain') | undefined)[] = ['nhwc', undefined, undefined, undefined, undefined, undefined, undefined];
    if (a.project.residual) inputs.push(out);
    return { inputs, outputs: [out] };
  },
  build(ctx: BuildCtx): Call[] {
    const rn = ctx.node;
    const a = rn.attrs as ChainAttrs;
    const x = ctx.input(X)!;
    const y = ctx.output(0);
    const [n, , h, w] = x.shape as number[];
    const [, cout, ho, wo] = y.shape as number[];
    const dwIn = rn.inputShapes[DW]!;
    const cexp = dwIn[0]!;
    const cin = x.shape[1]!;
    const dwX = [n!, cexp, h!, w!];
    const dwY = [n!, cexp, ho!, wo!];
    const pointwise = (k: number, nOut: number, wt: Float32Array, bias: Float32Array | undefined) =>
      ctx.weights(packPanels(k, nOut, (kk, nn) => wt[nn * k + kk]!, bias && ((nn) => bias[nn]!)));
    const params = (k: number, nOut: number, attrs: ConvAttrs, nchw = false) =>
      ctx.weights(gemmParams({ M: 0, N: nOut, K: k, aStride: k, wholeRows: true, transposed: nchw }, attrs.act, attrs.residual ? attrs.post : undefined).params);
    let ge = 0, we = 0;
    if (a.expand) {
      we = pointwise(cin, cexp, ctx.constant(EW)!, a.expand.hasBias ? ctx.constant(EB) : undefined);
      ge = params(cin, cexp, a.expand);
    }
    const dp = ctx.weights(packDepthwise(a.dw, dwX, dwY, ctx.constant(DW)!, a.dw.hasBias ? ctx.constant(DB) : undefined));
    const nchw = y.layout === 'plain';
    const wp = pointwise(cexp, cout!, ctx.constant(PW)!, a.project.hasBias ? ctx.constant(PB) : undefined);
    const gp = params(cexp, cout!, a.project, nchw);
    const [, dwAt, floats] = scratchOf(a, [n!, cin, h!, w!], y.shape, cexp, a.band);
    const bands = Math.ceil(ho! / a.band);
    const p = ctx.weights(packStruct([a.band, bands, dwAt, nchw ? 1 : 0, ge, we, dp, gp, wp]));
    const res = a.project.residual ? ctx.input(RES)!.offset : 0;
    return [{ fn: 'chain_conv', args: [p, y.offset, x.offset, res, 0], tiles: n! * bands, scratch: { arg: 4, bytes: floats * 4 } }];
  },
};

/** The chain node (op CHAIN_OP) of expand (or none), dw and project, named and placed as project. */
export function chainNode(expand: ResolvedNode | undefined, dw: ResolvedNode, project: ResolvedNode): ResolvedNode {
  const ins = (rn: ResolvedNode | undefined) => [rn?.node.inputs[1] ?? '', rn?.node.inputs[2] ?? ''];
  const shapes = (rn: ResolvedNode | undefined) => [rn?.inputShapes[1] ?? [], rn?.inputShapes[2] ?? []];
  const first = expand ?? dw;
  const pa = project.attrs as ConvAttrs;
  const attrs: Omit<ChainAttrs, 'band'> = { expand: expand?.attrs as ConvAttrs | undefined, dw: dw.attrs as ConvAttrs, project: pa };
  const band = chainBand(attrs, first.inputShapes[0]!, project.outputShapes[0]!, dw.inputShapes[1]![0]!);
  return {
    ...project,
    node: {
      ...project.node, op: CHAIN_OP,
      inputs: [first.node.inputs[0]!, ...ins(expand), ...ins(dw), ...ins(project), ...(pa.residual ? [project.node.inputs[3]!] : [])],
    },
    attrs: { ...attrs, band } satisfies ChainAttrs,
    inputShapes: [first.inputShapes[0]!, ...shapes(expand), ...shapes(dw), ...shapes(project), ...(pa.residual ? [project.inputShapes[3]!] : [])],
  };
}
