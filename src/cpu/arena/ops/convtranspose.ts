/**
 * ConvTranspose on NHWC with constant weights [Cin, Cout/group, kh, kw] and bias (c/convt.c). Kernel = stride with
 * no pads, dilation or output padding (the decoders' 2×2 upsampling, e.g. MediaPipe's selfie segmenter) runs as a
 * GEMM per input pixel written into its output patch (convt_scatter); anything else sums, per output pixel, the
 * taps that reach it (convt_gather).
 */
import type { ConvTransposeAttrs } from '../../../ops/convtranspose.js';
import type { ArenaKernel } from '../types.js';
import { geometryFields, int32Bits, packStruct, type ConvGeometry } from './conv-params.js';

/** Columns per weight panel (c/convt.c NR). */
const NR = 4;

/** Kernel = stride, nothing else: the input pixels' output patches tile the output. */
export function isPatchTiling(a: ConvTransposeAttrs, inHW: readonly number[]): boolean {
  return a.kernel[0] === a.strides[0] && a.kernel[1] === a.strides[1] && a.dilations.every((d) => d === 1) &&
    a.pads.every((p) => p === 0) && a.outShape[2] === inHW[0]! * a.strides[0] && a.outShape[3] === inHW[1]! * a.strides[1];
}

const weightAt = (w: Float32Array, g: ConvGeometry, ic: number, o: number, ky: number, kx: number) =>
  w[((ic * g.opg + o) * g.kh + ky) * g.kw + kx]!;

/** convt_scatter's panels: per group, per NR columns (ky, kx, o): [NR bias][Cin/group][NR]; and the columns' offsets. */
function packScatter(w: Float32Array, bias: Float32Array | undefined, g: ConvGeometry): { packed: Float32Array; offsets: Float32Array } {
  const ncol = g.kh * g.kw * g.opg;
  const pstride = NR + g.cpg * NR;
  const packed = new Float32Array(g.groups * g.panels * pstride);
  const offsets = new Int32Array(g.groups * g.panels * NR);
  for (let gi = 0; gi < g.groups; gi++)
    for (let col = 0; col < ncol; col++) {
      const o = col % g.opg;
      const kx = Math.floor(col / g.opg) % g.kw;
      const ky = Math.floor(col / (g.opg * g.kw));
      const base = (gi * g.panels + Math.floor(col / NR)) * pstride;
      const l = col % NR;
      packed[base + l] = bias ? bias[gi * g.opg + o]! : 0;
      for (let c = 0; c < g.cpg; c++) packed[base + NR + c * NR + l] = weightAt(w, g, gi * g.cpg + c, o, ky, kx);
      offsets[gi * g.panels * NR + col] = (ky * g.wo + kx) * g.cout + gi * g.opg + o;
    }
  return { packed, offsets: int32Bits(offsets) };
}

/** convt_gather's panels: per group, per NR output channels: [NR bias][kh][kw][Cin/group][NR]. */
function packGather(w: Float32Array, bias: Float32Array | undefined, g: ConvGeometry): Float32Array {
  const tap = g.cpg * NR;
  const pstride = NR + g.kh * g.kw * tap;
  const packed = new Float32Array(g.groups * g.panels * pstride);
  for (let gi = 0; gi < g.groups; gi++)
    for (let o = 0; o < g.opg; o++) {
      const base = (gi * g.panels + Math.floor(o / NR)) * pstride;
      const l = o % NR;
      packed[base + l] = bias ? bias[gi * g.opg + o]! : 0;
      for (let ky = 0; ky < g.kh; ky++)
        for (let kx = 0; kx < g.kw; kx++)
          for (let c = 0; c < g.cpg; c++) packed[base + NR + (ky * g.kw + kx) * tap + c * NR + l] = weightAt(w, g, gi * g.cpg + c, o, ky, kx);
    }
  return packed;
}

export const convTranspose: ArenaKernel = {
  layouts(rn, have) {
    if (rn.def.op !== 'ConvTranspose' || rn.inputShapes[0]!.length !== 4) return undefined;
    const a = rn.attrs as ConvTransposeAttrs;
    // weights and bias must be constants (no slot)
    if (have[1] !== undefined || (a.hasBias && have[2] !== undefined)) return undefined;
    return { inputs: ['nhwc', undefined, undefined], outputs: ['nhwc'] };
  },
  build(ctx) {
    const rn = ctx.node;
    const a = rn.attrs as ConvTransposeAttrs;
    const x = ctx.input(0)!;
    const [n, cin, h, w] = x.shape as number[];
    const [, cout, ho, wo] = a.outShape;
    const weights = ctx.constant(1);
    const bias = a.hasBias ? ctx.constant(2) : undefined;
    if (!weights || (a.hasBias && !bias)) throw new Error(`ConvTranspose ${rn.node.name}: weights or bias are not constant`);
    const opg = cout / a.group;
    const scatter = isPatchTiling(a, [h!, w!]);
    const g: ConvGeometry = {
      h: h!, w: w!, cin: cin!, ho, wo, cout, kh: a.kernel[0], kw: a.kernel[1], sh: a.strides[0], sw: a.strides[1],
      dh: a.dilations[0], dw: a.dilations[1], pt: a.pads[0], pl: a.pads[1], groups: a.group, cpg: cin! / a.group, opg,
      panels: Math.ceil((scatter ? a.kernel[0] * a.kernel[1] * opg : opg) / NR),
    };
    const params = ctx.weights(packStruct(geometryFields(g)));
    const y = ctx.output(0).offset;
    if (scatter) {
      const { packed, offsets } = packScatter(weights, bias, g);
      return [{ fn: 'convt_scatter', args: [params, y, x.offset, ctx.weights(packed), ctx.weights(offsets)], tiles: n! * h! }];
    }
    return [{ fn: 'convt_gather', args: [params, y, x.offset, ctx.weights(packGather(weights, bias, g))], tiles: n! * ho }];
  },
};
