import { applyActivationRange } from '../ops/activation.js';
import { isPointwise, type ConvAttrs } from '../ops/conv.js';
import { outputRanges, tapRanges } from '../ops/window.js';
import type { Shape } from '../tensor.js';
import { sgemm } from './gemm.js';

/** Fast 2-D convolution: depthwise loop, pointwise GEMM, otherwise im2col + GEMM per group. */
export function convFast(
  x: Float32Array, xs: Shape, w: Float32Array, bias: Float32Array | undefined, a: ConvAttrs, y: Float32Array, ys: Shape,
): void {
  const [N, Cin, H, W] = xs as [number, number, number, number];
  const [, Cout, Ho, Wo] = ys as [number, number, number, number];
  if (isPointwise(a)) {
    const hw = H * W;
    for (let n = 0; n < N; n++)
      sgemm(Cout, hw, Cin, w, 0, x, n * Cin * hw, y, n * Cout * hw, { bias, act: a.act });
    return;
  }
  if (a.group === Cin) depthwise(x, N, Cin, H, W, w, bias, a, y, Cout, Ho, Wo);
  else im2colConv(x, N, Cin, H, W, w, bias, a, y, Cout, Ho, Wo);
}

/** A conv's window and groups: channels per group in and out, and K of its per-group GEMM. */
function geometry(a: ConvAttrs, Cin: number, Cout: number) {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
  const G = a.group;
  const cg = Cin / G;
  return { kh, kw, sh, sw, dh, dw, pt, pl, G, cg, og: Cout / G, K: cg * kh * kw };
}

/**
 * group == Cin, channel multiplier m = Cout / Cin. For each output row and tap, the valid output columns
 * form one contiguous range, so the inner loop is a branch-free strided axpy.
 */
function depthwise(
  x: Float32Array, N: number, C: number, H: number, W: number, w: Float32Array, bias: Float32Array | undefined,
  a: ConvAttrs, y: Float32Array, Cout: number, Ho: number, Wo: number,
): void {
  const { kh, kw, sh, sw, dh, dw, pt, pl } = geometry(a, C, Cout);
  const m = Cout / C;
  const rows = tapRanges(Ho, H, kh, sh, dh, pt);
  const { lo: oxLo, hi: oxHi } = outputRanges(Wo, W, kw, sw, dw, pl);
  const kk = kh * kw;
  const is3x3 = kh === 3 && kw === 3;
  const cols = tapRanges(Wo, W, kw, sw, dw, pl);
  // output columns where every kernel column is inside the image
  let oxA = 0;
  let oxB = Wo;
  for (let kx = 0; kx < kw; kx++) {
    oxA = Math.max(oxA, oxLo[kx]!);
    oxB = Math.min(oxB, oxHi[kx]!);
  }
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < Cout; oc++) {
      const ic = (oc / m) | 0;
      const xPlane = (n * C + ic) * H * W;
      const yPlane = (n * Cout + oc) * Ho * Wo;
      const wBase = oc * kk;
      const b = bias ? bias[oc]! : 0;
      for (let oy = 0; oy < Ho; oy++) {
        const yRow = yPlane + oy * Wo;
        const iy0 = oy * sh - pt;
        if (is3x3 && rows.lo[oy] === 0 && rows.hi[oy] === 3) {
          // interior of a 3x3 row: all nine taps in registers, one store per output
          const w0 = w[wBase]!, w1 = w[wBase + 1]!, w2 = w[wBase + 2]!;
          const w3 = w[wBase + 3]!, w4 = w[wBase + 4]!, w5 = w[wBase + 5]!;
          const w6 = w[wBase + 6]!, w7 = w[wBase + 7]!, w8 = w[wBase + 8]!;
          const r0 = xPlane + iy0 * W - pl;
          const r1 = r0 + dh * W;
          const r2 = r1 + dh * W;
          const d2 = 2 * dw;
          for (let ox = oxA; ox < oxB; ox++) {
            const c = ox * sw;
            y[yRow + ox] =
              b +
              w0 * x[r0 + c]! + w1 * x[r0 + c + dw]! + w2 * x[r0 + c + d2]! +
              w3 * x[r1 + c]! + w4 * x[r1 + c + dw]! + w5 * x[r1 + c + d2]! +
              w6 * x[r2 + c]! + w7 * x[r2 + c + dw]! + w8 * x[r2 + c + d2]!;
          }
          for (let ox = 0; ox < Wo; ox++) {
            if (ox === oxA) ox = Math.max(oxA, oxB);
            if (ox >= Wo) break;
            let acc = b;
            const kxEnd = cols.hi[ox]!;
            for (let ky = 0; ky < 3; ky++)
              for (let kx = cols.lo[ox]!; kx < kxEnd; kx++)
                acc += w[wBase + ky * 3 + kx]! * x[xPlane + (iy0 + ky * dh) * W + ox * sw - pl + kx * dw]!;
            y[yRow + ox] = acc;
          }
        } else {
          for (let ox = 0; ox < Wo; ox++) y[yRow + ox] = b;
          const kyEnd = rows.hi[oy]!;
          for (let ky = rows.lo[oy]!; ky < kyEnd; ky++) {
            const xRow = xPlane + (iy0 + ky * dh) * W;
            for (let kx = 0; kx < kw; kx++) {
              const wv = w[wBase + ky * kw + kx]!;
              const hi = oxHi[kx]!;
              let xi = xRow + oxLo[kx]! * sw + kx * dw - pl;
              if (sw === 1) for (let ox = oxLo[kx]!; ox < hi; ox++, xi++) y[yRow + ox] += wv * x[xi]!;
              else for (let ox = oxLo[kx]!; ox < hi; ox++, xi += sw) y[yRow + ox] += wv * x[xi]!;
            }
          }
        }
        applyActivationRange(y, yRow, yRow + Wo, a.act);
      }
    }
  }
}

let scratch = new Float32Array(0);

/** Regular and grouped conv: per (batch, group) unfold the input into col[Cg*kh*kw x Ho*Wo], then W_g · col. */
function im2colConv(
  x: Float32Array, N: number, Cin: number, H: number, W: number, w: Float32Array, bias: Float32Array | undefined,
  a: ConvAttrs, y: Float32Array, Cout: number, Ho: number, Wo: number,
): void {
  const { kh, kw, sh, sw, dh, dw, pt, pl, G, cg, og, K } = geometry(a, Cin, Cout);
  const P = Ho * Wo;
  if (scratch.length < K * P) scratch = new Float32Array(K * P);
  const col = scratch;
  const rows = outputRanges(Ho, H, kh, sh, dh, pt);
  const cols = outputRanges(Wo, W, kw, sw, dw, pl);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      for (let c = 0; c < cg; c++) {
        const xPlane = (n * Cin + g * cg + c) * H * W;
        for (let ky = 0; ky < kh; ky++) {
          const oyLo = rows.lo[ky]!;
          const oyHi = rows.hi[ky]!;
          for (let kx = 0; kx < kw; kx++) {
            const dst = ((c * kh + ky) * kw + kx) * P;
            const oxLo = cols.lo[kx]!;
            const oxHi = cols.hi[kx]!;
            col.fill(0, dst, dst + oyLo * Wo);
            col.fill(0, dst + oyHi * Wo, dst + P);
            for (let oy = oyLo; oy < oyHi; oy++) {
              const d = dst + oy * Wo;
              // the padding columns are few: plain stores beat fill()'s call
              for (let ox = 0; ox < oxLo; ox++) col[d + ox] = 0;
              for (let ox = oxHi; ox < Wo; ox++) col[d + ox] = 0;
              let xi = xPlane + (oy * sh - pt + ky * dh) * W + oxLo * sw + kx * dw - pl;
              if (sw === 1) col.set(x.subarray(xi, xi + oxHi - oxLo), d + oxLo);
              else for (let ox = oxLo; ox < oxHi; ox++, xi += sw) col[d + ox] = x[xi]!;
            }
          }
        }
      }
      sgemm(og, P, K, w, g * og * K, col, 0, y, (n * Cout + g * og) * P, { bias, biasOffset: g * og, act: a.act });
    }
  }
}
