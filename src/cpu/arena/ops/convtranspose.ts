/**
 * ConvTranspose on NHWC with constant weights [Cin, Cout/group, kh, kw] and bias (c/convt.c). Kernel = stride with
 * no pads, dilation or output padding (the decoders' 2×2 upsampling, e.g. MediaPipe's selfie segmenter) runs as a
 * GEMM per input pixel written into its output patch (convt_scatter); anything else sums, per output pixel, the
 * taps that reach it (convt_gather).
 */
import type { ConvTransposeAttrs } from '../../../ops/convtranspose.js';
import type { ArenaKernel } from '../types.js';
import { CONV_NR, packConvPanels } from './conv-general.js';
import { convGeometry, geometryFields, int32Bits, packStruct, type ConvGeometry } from './conv-params.js';

/** Columns per weight panel of convt_scatter (c/convt.c SC_NR). */
const NR = 4;

/** Kernel = stride, nothing else: the input pixels' output patches tile the output. */
export function isPatchTiling(a: ConvTransposeAttrs, inHW: readonly number[]): boolean {
  const [sh, sw] = a.strides;
  return a.kernel[0] === sh && a.kernel[1] === sw && a.dilations.every((d) => d === 1) && a.pads.every((p) => p === 0) &&
    a.outShape[2] === inHW[0]! * sh && a.outShape[3] === inHW[1]! * sw;
}

const weightAt = (w: Float32Array, g: ConvGeometry, ic: number, o: number, ky: number, kx: number) =>
  w[((ic * g.opg + o) * g.kh + ky) * g.kw + kx]!;

/** convt_scatter's panels: per group, per NR columns (ky, kx, o): [NR bias][Cin/group][NR]; the columns' offsets. */
function packScatter(w: Float32Array, bias: Float32Array | undefined, g: ConvGeometry) {
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

export const convTranspose: ArenaKernel = {
  layouts(rn, have) {
    if (rn.def.op !== 'ConvTranspose' || rn.inputShapes[0]!.length !== 4) return undefined;
    const a = rn.attrs as ConvTransposeAttrs;
    // the input arrives as a slot, weights and bias are constants (no slot)
    if (have[0] === undefined || have[1] !== undefined || (a.hasBias && have[2] !== undefined)) return undefined;
    return { inputs: ['nhwc', undefined, undefined], outputs: ['nhwc'] };
  },
  build(ctx) {
    const rn = ctx.node;
    const a = rn.attrs as ConvTransposeAttrs;
    const x = ctx.input(0)!;
    const [n, , h, w] = x.shape as number[];
    const weights = ctx.constant(1);
    const bias = a.hasBias ? ctx.constant(2) : undefined;
    if (!weights || (a.hasBias && !bias)) throw new Error(`ConvTranspose ${rn.node.name}: weights or bias are not constant`);
    const scatter = isPatchTiling(a, [h!, w!]);
    const columns = a.kernel[0] * a.kernel[1];
    const g = convGeometry(a, x.shape, a.outShape, (opg) => (scatter ? Math.ceil((columns * opg) / NR) : Math.ceil(opg / CONV_NR)));
    const { opg, cpg } = g;
    const params = ctx.weights(packStruct(geometryFields(g)));
    const y = ctx.output(0).offset;
    if (scatter) {
      const { packed, offsets } = packScatter(weights, bias, g);
      const args = [params, y, x.offset, ctx.weights(packed), ctx.weights(offsets)];
      return [{ fn: 'convt_scatter', args, tiles: n! * h! }];
    }
    const packed = packConvPanels((oc, c, ky, kx) => weightAt(weights, g, Math.floor(oc / opg) * cpg + c, oc % opg, ky, kx), bias, g);
    const zero = ctx.weights(new Float32Array(cpg));
    return [{ fn: 'convt_gather', args: [params, y, x.offset, ctx.weights(packed), zero], tiles: n! * g.ho }];
  },
};
