/**
 * Conv on NHWC with constant weights, any kernel, stride, dilation, zero padding and groups (c/conv.c conv_nhwc:
 * an implicit GEMM over the taps, 4 pixels × 8 output channels in registers), with the fused epilogue: bias,
 * activation, residual (same layout as the output), activation after the residual. Depthwise and 1×1 convs run
 * here too, but their own kernels are tried first. Where the planner would rather have the output row-major (a
 * graph output: NCHW), the kernel writes it so itself, with a row-major residual.
 */
import type { ConvAttrs } from '../../../ops/conv.js';
import { actArgs, type ArenaKernel } from '../types.js';
import { convGeometry, geometryFields, packStruct, type ConvGeometry } from './conv-params.js';

/** Output channels per weight panel (c/conv-kloop.h NR). */
export const CONV_NR = 8;
const NR = CONV_NR;

/**
 * Cout-panel packing (c/conv.c, c/convt.c convt_gather): per group, per panel of NR output channels,
 * [NR bias][kh][kw][Cin/group][NR], zero tails. `at(oc, c, ky, kx)` reads the weight of output channel oc, input
 * channel c of its group, tap (ky, kx).
 */
export function packConvPanels(
  at: (oc: number, c: number, ky: number, kx: number) => number, bias: Float32Array | undefined, g: ConvGeometry,
): Float32Array {
  const { kh, kw, cpg, opg, panels, groups } = g;
  const pstride = NR + kh * kw * cpg * NR;
  const out = new Float32Array(groups * panels * pstride);
  for (let gi = 0; gi < groups; gi++)
    for (let j = 0; j < panels; j++) {
      const base = (gi * panels + j) * pstride;
      for (let l = 0; l < NR && j * NR + l < opg; l++) {
        const oc = gi * opg + j * NR + l;
        out[base + l] = bias ? bias[oc]! : 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++)
            for (let c = 0; c < cpg; c++) out[base + NR + (((ky * kw + kx) * cpg + c) * NR) + l] = at(oc, c, ky, kx);
      }
    }
  return out;
}

export const generalConv: ArenaKernel = {
  layouts(rn, have, wanted) {
    if (rn.def.op !== 'Conv') return undefined;
    const a = rn.attrs as ConvAttrs;
    const out = rn.outputShapes[0]!;
    // the input arrives as a slot, weights and bias are constants (no slot), the residual is a slot
    if (have[0] === undefined || !a.constWeights || have[1] !== undefined || (a.hasBias && have[2] !== undefined)) return undefined;
    if (a.residual && have[3] === undefined) return undefined;
    if (rn.inputShapes[0]!.length !== 4 || out.some((d) => d < 1)) return undefined;
    // an NHWC residual would need converting as much as the output saves
    const o = wanted?.[0] === 'plain' && (!a.residual || have[3] === 'plain') ? 'plain' : 'nhwc';
    return { inputs: ['nhwc', undefined, undefined, a.residual ? o : undefined], outputs: [o] };
  },
  build(ctx) {
    const rn = ctx.node;
    const a = rn.attrs as ConvAttrs;
    const x = ctx.input(0)!;
    const y = ctx.output(0);
    const weights = ctx.constant(1);
    if (!weights) throw new Error(`Conv ${rn.node.name}: weights are not constant`);
    const bias = a.hasBias ? ctx.constant(2) : undefined;
    if (a.hasBias && !bias) throw new Error(`Conv ${rn.node.name}: bias is not constant`);
    const g = convGeometry(a, x.shape, y.shape, (opg) => Math.ceil(opg / NR));
    const [act, aa, ab] = actArgs(a.act);
    const [post, pa, pb] = actArgs(a.residual ? a.post : undefined);
    const epilogue = [act, { f32: aa }, { f32: ab }, post, { f32: pa }, { f32: pb }, y.layout === 'plain' ? 1 : 0];
    const params = ctx.weights(packStruct([...geometryFields(g), ...epilogue]));
    const { cpg, kh, kw } = g;
    const packed = ctx.weights(packConvPanels((oc, c, ky, kx) => weights[((oc * cpg + c) * kh + ky) * kw + kx]!, bias, g));
    const zero = ctx.weights(new Float32Array(g.cpg));
    const res = a.residual ? ctx.input(3)!.offset : 0;
    return [{ fn: 'conv_nhwc', args: [params, y.offset, x.offset, packed, zero, res], tiles: y.shape[0]! * g.ho }];
  },
};
