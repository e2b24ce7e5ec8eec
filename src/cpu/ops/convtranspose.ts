import type { Value } from '../../graph/ir.js';
import { convTransposeOperands, type ConvTransposeAttrs } from '../../ops/convtranspose.js';
import { sizeOf } from '../../tensor.js';
import { outputBuffer } from '../pool.js';

/**
 * Scatter form on the NCHW planes: for each output channel, each input channel and tap adds weight × input
 * rows into the strided output rows they land on. Every loop bound is precomputed, so the inner loop is one
 * multiply-add per MAC (the gather form paid a tap search and a row reset per output pixel).
 */
export function convTransposeKernel(inputs: readonly Value[], a: ConvTransposeAttrs): Value[] {
  const { x, w, bias } = convTransposeOperands(inputs, a);
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const [, og, kh, kw] = w.shape as [number, number, number, number];
  const [, Cout, Ho, Wo] = a.outShape;
  const cpg = Cin / a.group;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
  const xd = x.data;
  const wd = w.data;
  const y = outputBuffer(sizeOf(a.outShape));
  // input rows (columns) whose tap ky (kx) lands inside the output
  const first = (p: number, k: number, d: number, s: number) => Math.max(0, Math.ceil((p - k * d) / s));
  const last = (p: number, k: number, d: number, s: number, n: number, out: number) => Math.min(n - 1, Math.floor((out - 1 + p - k * d) / s));
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < Cout; oc++) {
      const g = Math.floor(oc / og);
      const o = oc - g * og;
      const yb = (n * Cout + oc) * Ho * Wo;
      y.fill(bias ? bias[oc]! : 0, yb, yb + Ho * Wo);
      for (let c = 0; c < cpg; c++) {
        const ic = g * cpg + c;
        const xb = (n * Cin + ic) * H * W;
        for (let ky = 0; ky < kh; ky++) {
          const iy0 = first(pt, ky, dh, sh);
          const iy1 = last(pt, ky, dh, sh, H, Ho);
          for (let kx = 0; kx < kw; kx++) {
            const ix0 = first(pl, kx, dw, sw);
            const ix1 = last(pl, kx, dw, sw, W, Wo);
            if (ix1 < ix0) continue;
            const wv = wd[((ic * og + o) * kh + ky) * kw + kx]!;
            for (let iy = iy0; iy <= iy1; iy++) {
              let yo = yb + (iy * sh - pt + ky * dh) * Wo + ix0 * sw - pl + kx * dw;
              const xr = xb + iy * W;
              for (let ix = ix0; ix <= ix1; ix++, yo += sw) y[yo] = y[yo]! + wv * xd[xr + ix]!;
            }
          }
        }
      }
    }
  return [{ shape: a.outShape, data: y }];
}
