import type { Value } from '../../graph/ir.js';
import { asFloat } from '../../ops/types.js';
import { tapRanges, type PoolAttrs } from '../../ops/window.js';

export function maxPoolKernel(inputs: readonly Value[], a: PoolAttrs): Value[] {
  const x = asFloat(inputs[0]);
  const xd = x.data;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [Ho, Wo] = a.out;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  if (a.kernel[0] === 2 && a.kernel[1] === 2 && sh === 2 && sw === 2 && dh === 1 && dw === 1 && a.pads.every((p) => p === 0) && 2 * Ho <= H && 2 * Wo <= W)
    return [{ shape: [N, C, Ho, Wo], data: maxPool2x2(xd, N * C, H, W, Ho, Wo) }];
  const rows = tapRanges(Ho, H, a.kernel[0], sh, dh, a.pads[0]);
  const cols = tapRanges(Wo, W, a.kernel[1], sw, dw, a.pads[1]);
  const y = new Float32Array(N * C * Ho * Wo);
  let o = 0;
  for (let p = 0; p < N * C; p++)
    for (let oy = 0; oy < Ho; oy++) {
      const kyHi = rows.hi[oy]!;
      const rowBase = p * H * W + (oy * sh - a.pads[0]) * W;
      for (let ox = 0; ox < Wo; ox++, o++) {
        let m = -Infinity;
        const kxLo = cols.lo[ox]!;
        const kxHi = cols.hi[ox]!;
        const colBase = ox * sw - a.pads[1];
        for (let ky = rows.lo[oy]!; ky < kyHi; ky++) {
          const r = rowBase + ky * dh * W + colBase;
          for (let kx = kxLo; kx < kxHi; kx++) {
            const v = xd[r + kx * dw]!;
            if (v > m || v !== v) m = v; // a NaN sticks, as in PyTorch
          }
        }
        y[o] = m;
      }
    }
  return [{ shape: [N, C, Ho, Wo], data: y }];
}

/** The 2×2 stride-2 unpadded window (BlazeFace, PoseNet): four loads per output, no range tables. */
function maxPool2x2(x: Float32Array, planes: number, H: number, W: number, Ho: number, Wo: number): Float32Array {
  const y = new Float32Array(planes * Ho * Wo);
  // taps in the reference's order, the same rule: a later value wins only when larger or NaN (so -0/+0 ties match)
  const step = (m: number, v: number) => (v > m || v !== v ? v : m);
  let o = 0;
  for (let p = 0; p < planes; p++)
    for (let oy = 0; oy < Ho; oy++) {
      const r0 = (p * H + 2 * oy) * W;
      const r1 = r0 + W;
      for (let ox = 0, c = 0; ox < Wo; ox++, c += 2, o++) y[o] = step(step(step(x[r0 + c]!, x[r0 + c + 1]!), x[r1 + c]!), x[r1 + c + 1]!);
    }
  return y;
}
