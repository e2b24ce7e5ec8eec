/**
 * Conv on NHWC with constant weights, any kernel, stride, dilation, zero padding and groups (c/conv.c conv_nhwc:
 * an implicit GEMM over the taps, 4 pixels × 8 output channels in registers), with the fused epilogue: bias,
 * activation, residual (same layout as the output), activation after the residual. Depthwise and 1×1 convs run
 * here too, but their own kernels are tried first.
 */
import type { ConvAttrs } from '../../../ops/conv.js';
import { actArgs, type ArenaKernel } from '../types.js';
import { geometryFields, packStruct, type ConvGeometry } from './conv-params.js';

/** Output channels per weight panel and pixels per register block (c/conv.c NR, MR). */
const NR = 8;

/** Cout-panel packing: per group, per panel of NR output channels, [NR bias][kh][kw][Cin/group][NR], zero tails. */
export function packConvWeights(w: Float32Array, bias: Float32Array | undefined, g: ConvGeometry): Float32Array {
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
            for (let c = 0; c < cpg; c++)
              out[base + NR + (((ky * kw + kx) * cpg + c) * NR) + l] = w[((oc * cpg + c) * kh + ky) * kw + kx]!;
      }
    }
  return out;
}

export const generalConv: ArenaKernel = {
  layouts(rn, have) {
    if (rn.def.op !== 'Conv') return undefined;
    const a = rn.attrs as ConvAttrs;
    const out = rn.outputShapes[0]!;
    // weights and bias must be constants (no slot); the residual arrives as a slot
    if (!a.constWeights || have[1] !== undefined || (a.hasBias && have[2] !== undefined)) return undefined;
    if (a.residual && have[3] === undefined) return undefined;
    if (rn.inputShapes[0]!.length !== 4 || out.some((d) => d < 1)) return undefined;
    return { inputs: ['nhwc', undefined, undefined, a.residual ? 'nhwc' : undefined], outputs: ['nhwc'] };
  },
  build(ctx) {
    const rn = ctx.node;
    const a = rn.attrs as ConvAttrs;
    const x = ctx.input(0)!;
    const y = ctx.output(0);
    const [n, cin, h, w] = x.shape as number[];
    const [, cout, ho, wo] = y.shape as number[];
    const weights = ctx.constant(1);
    if (!weights) throw new Error(`Conv ${rn.node.name}: weights are not constant`);
    const bias = a.hasBias ? ctx.constant(2) : undefined;
    if (a.hasBias && !bias) throw new Error(`Conv ${rn.node.name}: bias is not constant`);
    const opg = cout! / a.group;
    const g: ConvGeometry = {
      h: h!, w: w!, cin: cin!, ho: ho!, wo: wo!, cout: cout!, kh: a.kernel[0], kw: a.kernel[1], sh: a.strides[0], sw: a.strides[1],
      dh: a.dilations[0], dw: a.dilations[1], pt: a.pads[0], pl: a.pads[1], groups: a.group, cpg: cin! / a.group, opg, panels: Math.ceil(opg / NR),
    };
    const [act, aa, ab] = actArgs(a.act);
    const [post, pa, pb] = actArgs(a.residual ? a.post : undefined);
    const params = ctx.weights(packStruct([...geometryFields(g), act, { f32: aa }, { f32: ab }, post, { f32: pa }, { f32: pb }]));
    const packed = ctx.weights(packConvWeights(weights, bias, g));
    const zero = ctx.weights(new Float32Array(g.cpg));
    const res = a.residual ? ctx.input(3)!.offset : 0;
    return [{ fn: 'conv_nhwc', args: [params, y.offset, x.offset, packed, zero, res], tiles: n! * ho! }];
  },
};
