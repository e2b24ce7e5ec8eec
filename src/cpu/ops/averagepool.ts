import type { Value } from '../../graph/ir.js';
import type { AveragePoolAttrs } from '../../ops/averagepool.js';
import { asFloat } from '../../ops/types.js';
import { tapRanges } from '../../ops/window.js';

export function averagePoolKernel(inputs: readonly Value[], a: AveragePoolAttrs): Value[] {
  const x = asFloat(inputs[0]);
  const xd = x.data;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [Ho, Wo] = a.out;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl, pb, pr] = a.pads;
  const rows = tapRanges(Ho, H, a.kernel[0], sh, dh, pt);
  const cols = tapRanges(Wo, W, a.kernel[1], sw, dw, pl);
  // the padded input is itself a window target: taps inside [-pad, size + padEnd) for the divisor
  const prow = tapRanges(Ho, H + pt + pb, a.kernel[0], sh, dh, 0);
  const pcol = tapRanges(Wo, W + pl + pr, a.kernel[1], sw, dw, 0);
  const inv = new Float64Array(Ho * Wo);
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++) {
      const n = a.countIncludePad
        ? (prow.hi[oy]! - prow.lo[oy]!) * (pcol.hi[ox]! - pcol.lo[ox]!)
        : (rows.hi[oy]! - rows.lo[oy]!) * (cols.hi[ox]! - cols.lo[ox]!);
      inv[oy * Wo + ox] = 1 / n;
    }
  const y = new Float32Array(N * C * Ho * Wo);
  let o = 0;
  for (let p = 0; p < N * C; p++)
    for (let oy = 0; oy < Ho; oy++) {
      const kyHi = rows.hi[oy]!;
      const rowBase = p * H * W + (oy * sh - pt) * W;
      for (let ox = 0; ox < Wo; ox++, o++) {
        let s = 0;
        const kxLo = cols.lo[ox]!;
        const kxHi = cols.hi[ox]!;
        const colBase = ox * sw - pl;
        for (let ky = rows.lo[oy]!; ky < kyHi; ky++) {
          const r = rowBase + ky * dh * W + colBase;
          for (let kx = kxLo; kx < kxHi; kx++) s += xd[r + kx * dw]!;
        }
        y[o] = s * inv[oy * Wo + ox]!;
      }
    }
  return [{ shape: [N, C, Ho, Wo], data: y }];
}
