import { applyActivationRange } from '../ops/activation.js';
import { isPointwise, type ConvAttrs } from '../ops/conv.js';
import { outputRanges, tapRanges } from '../ops/window.js';
import type { Shape } from '../tensor.js';
import { igemmConv, igemmConvFits } from './conv-igemm.js';
import { sgemm, sgemmResidentB, sgemmToHeap } from './gemm.js';
import type { KernelOptions } from './kernel-options.js';
import type { KernelCall } from './threads.js';
import type { chainBands } from './chain-bands.js';
import { clampOf, convGeometry, dwPlane, dwPlaneStride, type ConvParams } from './kernel-layout.js';
export type { ConvParams } from './kernel-layout.js';
import { DW_SHAPES, MR as WMR, wasm, type WasmKernels } from './wasm-kernels.js';

/** Fast 2-D convolution: depthwise loop, pointwise GEMM, implicit-GEMM wasm conv, otherwise im2col + GEMM per group. */
export function convFast(
  x: Float32Array, xs: Shape, w: Float32Array, bias: Float32Array | undefined,
  a: ConvAttrs, y: Float32Array, ys: Shape, o: KernelOptions = {},
): void {
  const [N, Cin, H, W] = xs as [number, number, number, number];
  const [, Cout, Ho, Wo] = ys as [number, number, number, number];
  if (isPointwise(a)) {
    const hw = H * W;
    for (let n = 0; n < N; n++)
      sgemm(Cout, hw, Cin, w, 0, x, n * Cin * hw, y, n * Cout * hw, { bias, act: a.act, wasm: o.wasm });
    return;
  }
  if (a.group === Cin && Cout === Cin && wasmDepthwise(x, N, Cin, H, W, w, bias, a, y, Ho, Wo, o)) return;
  if (a.group === Cin) depthwise(x, N, Cin, H, W, w, bias, a, y, Cout, Ho, Wo);
  else if (o.igemm !== false && igemmConvFits(a) && Ho > 0 && Wo > 0 && wasm(o)) igemmConv(wasm(o)!, x, N, Cin, H, W, w, bias, a, y, Cout, Ho, Wo);
  else im2colConv(x, N, Cin, H, W, w, bias, a, y, Cout, Ho, Wo, o);
}

/**
 * group == Cin, channel multiplier m = Cout / Cin. For each output row and tap, the valid output columns
 * form one contiguous range, so the inner loop is a branch-free strided axpy.
 */
function depthwise(
  x: Float32Array, N: number, C: number, H: number, W: number, w: Float32Array, bias: Float32Array | undefined,
  a: ConvAttrs, y: Float32Array, Cout: number, Ho: number, Wo: number,
): void {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
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
  a: ConvAttrs, y: Float32Array, Cout: number, Ho: number, Wo: number, o: KernelOptions,
): void {
  const { kh, kw, sh, sw, dh, dw, pt, pl, G, cg, og, K } = convGeometry(a, Cin, Cout);
  const P = Ho * Wo;
  // With the wasm kernels the columns are unfolded straight into wasm memory, where the GEMM reads them in place
  // (sgemmResidentB); 8 zeros after them for its over-read.
  const wk = og >= WMR ? wasm(o) : undefined;
  let col: Float32Array;
  if (wk) {
    col = wk.heap((K * P + 8) * 4).subarray(0, K * P + 8);
    col.fill(0, K * P);
  } else {
    if (scratch.length < K * P) scratch = new Float32Array(K * P);
    col = scratch;
  }
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
      if (wk)
        sgemmResidentB(wk, og, P, K, w.subarray(g * og * K, (g + 1) * og * K), 0, P, y, (n * Cout + g * og) * P,
          bias?.subarray(g * og, (g + 1) * og), a.act);
      else sgemm(og, P, K, w, g * og * K, col, 0, y, (n * Cout + g * og) * P, { bias, biasOffset: g * og, act: a.act, wasm: o.wasm });
    }
  }
}

/** Depthwise k x k (3 or 5), stride 1 or 2, no dilation, multiplier 1 on the wasm SIMD kernel; false if not handled. */
function wasmDepthwise(
  x: Float32Array, N: number, C: number, H: number, W: number, w: Float32Array, bias: Float32Array | undefined,
  a: ConvAttrs, y: Float32Array, Ho: number, Wo: number, o: KernelOptions,
): boolean {
  const wk = wasm(o);
  if (!wk || !wasmDepthwiseFits(a, Ho, Wo)) return false;
  const oplane = Ho * Wo;
  for (let n = 0; n < N; n++) {
    const { at, stride } = depthwiseToHeap(wk, x, n, C, H, W, w, bias, a, Ho, Wo);
    const heap = wk.heap(0);
    for (let c = 0; c < C; c++) y.set(heap.subarray(at + c * stride, at + c * stride + oplane), (n * C + c) * oplane);
  }
  return true;
}

function wasmDepthwiseFits(a: ConvAttrs, Ho: number, Wo: number): boolean {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  return kh === kw && sh === sw && a.dilations[0] === 1 && a.dilations[1] === 1 && Ho > 0 && Wo > 0 &&
    DW_SHAPES.some(([k, s]) => k === kh && s === sh);
}


/**
 * Runs the wasm depthwise kernel on batch item n; returns the float offset in the wasm heap of its C output planes
 * of Ho x Wo (bias and activation applied), `stride` floats apart, followed by at least 8 readable floats. The
 * input comes from `x`, or, when `xAt` >= 0, from the heap itself (C planes of H x W at float offset xAt, `xStride`
 * floats apart, left there by a previous kernel); the kernel's own regions then lie above `floor`.
 *
 * The kernel stores 4 columns at a time, so a row's last store may run up to 3 floats past it; the plane stride
 * leaves room for that after the last row, so threads working on different channels never write each other's
 * planes. The channels are split over the threads (wk.parallel), each with its own padded-plane scratch.
 */
function depthwiseToHeap(
  wk: WasmKernels, x: Float32Array, n: number, C: number, H: number, W: number, w: Float32Array,
  bias: Float32Array | undefined, a: ConvAttrs, Ho: number, Wo: number, xAt = -1, xStride = H * W, floor = 0,
): { at: number; stride: number } {
  const k = a.kernel[0];
  const s = a.strides[0];
  const clamp = clampOf(a.act);
  const [pt, pl] = a.pads;
  const { Hp, Wp, pStride } = dwPlane(H, W, Ho, Wo, k, s, pt, pl);
  const plane = H * W;
  const oplane = Ho * Wo;
  const ops = dwPlaneStride(oplane);
  const T = Math.max(1, Math.min(wk.threads, C));
  // layout (floats): x | y | weights | bias | T padded planes; slack after x and y for 4-wide over-reads/writes
  // and for a following GEMM's 8-wide over-read of y
  const xB = xAt >= 0 ? xAt : floor;
  const yB = Math.ceil(Math.max(floor, xB + (C - 1) * xStride + plane + 4) / 4) * 4;
  const wB = yB + C * ops + 8;
  const bB = wB + C * k * k;
  const pB = Math.ceil((bB + C) / 4) * 4;
  const heap = wk.heap((pB + T * pStride) * 4);
  heap.set(w.subarray(0, C * k * k), wB);
  if (bias) heap.set(bias.subarray(0, C), bB);
  else heap.fill(0, bB, bB + C);
  if (xAt < 0) heap.set(x.subarray(n * C * plane, (n + 1) * C * plane), xB);
  const lists: KernelCall[][] = [];
  for (let t = 0; t < T; t++) {
    const c0 = Math.floor((C * t) / T);
    const c1 = Math.floor((C * (t + 1)) / T);
    if (c1 > c0)
      lists.push([{
        fn: `dw${k}s${s}`,
        args: [c1 - c0, H, W, Ho, Wo, pt, pl, Hp, Wp, (xB + c0 * xStride) * 4, xStride * 4, (wB + c0 * k * k) * 4, (bB + c0) * 4,
          (yB + c0 * ops) * 4, ops * 4, (pB + t * pStride) * 4, clamp ? clamp[0] : -Infinity, clamp ? clamp[1] : Infinity],
      }]);
  }
  wk.parallel(lists);
  if (!clamp) applyActivationRange(heap, yB, yB + C * ops, a.act);
  return { at: yB, stride: ops };
}

/** True when a depthwise conv followed by a pointwise conv can run as one fused wasm pair (see dwPwFast). */
export function canFuseDwPw(dwX: Shape, dw: ConvAttrs, dwY: Shape, pwW: Shape, pw: ConvAttrs): boolean {
  const C = dwX[1]!;
  return (
    dwX.length === 4 && dwY.length === 4 && dw.group === C && dwY[1] === C && !dw.residual &&
    wasmDepthwiseFits(dw, dwY[2]!, dwY[3]!) && isPointwise(pw) && pwW[1] === C
  );
}

/** True when a pointwise conv (expansion) feeding that depthwise conv can join the chain in front. */
export function canFusePwDw(pwX: Shape, pw: ConvAttrs, pwY: Shape): boolean {
  return pwX.length === 4 && pwY.length === 4 && isPointwise(pw) && !pw.residual;
}

let bandRunner: typeof chainBands | undefined;

/**
 * Installs the split of fused chains over bands of output rows (chain-bands.ts chainBands, one team sync per
 * image). Whoever starts a thread team (thread-team.ts) installs it, so a page-thread fallback that never has one
 * does not carry the band code.
 */
export function installChainBands(run: typeof chainBands): void {
  bandRunner = run;
}

/**
 * [pointwise ->] depthwise -> pointwise conv with the intermediates kept in wasm memory: each kernel reads the
 * previous one's output where it left it (no copy out, no JavaScript array, no copy back in). `x` is the input of
 * the first conv; `residual` (same shape as the output) is added after the last activation. Returns false
 * (nothing done) when the wasm kernels are not available.
 */
export function convChainFast(
  x: Float32Array, xs: Shape, expand: ConvParams | undefined, dw: ConvParams, dwIn: Shape, pw: ConvParams,
  residual: Float32Array | undefined, y: Float32Array, ys: Shape, o: KernelOptions = {},
): boolean {
  const wk = wasm(o);
  if (!wk) return false;
  const [N, Cin, H0, W0] = xs as [number, number, number, number];
  const [, C, H, W] = dwIn as [number, number, number, number];
  const [, Cout, Ho, Wo] = ys as [number, number, number, number];
  const hw = Ho * Wo;
  // y = act(conv) + r: with no activation the residual can seed the accumulator
  const seed = residual !== undefined && pw.a.act.kind === 'none';
  if (seed) y.set(residual.subarray(0, N * Cout * hw));
  const sh = { Cin, C, H, W, Ho, Wo, Cout };
  const { bands = true, oneThread = false, bandBytes, maxRedone, stats } = o.chain ?? {};
  for (let n = 0; n < N; n++) {
    const run = bandRunner;
    if (run && bands && (wk.threads > 1 || oneThread) && run(wk, x, n, sh, expand, dw, pw, residual, seed, y, bandBytes, maxRedone)) {
      if (stats) stats.banded++;
      continue;
    }
    let d: { at: number; stride: number };
    if (expand) {
      const e = sgemmToHeap(wk, C, H * W, Cin, expand.w, x, n * Cin * H0 * W0, expand.bias, expand.a.act);
      d = depthwiseToHeap(wk, x, n, C, H, W, dw.w, dw.bias, dw.a, Ho, Wo, e, Math.ceil((H * W) / 8) * 8);
    } else d = depthwiseToHeap(wk, x, n, C, H, W, dw.w, dw.bias, dw.a, Ho, Wo);
    sgemmResidentB(wk, Cout, hw, C, pw.w, d.at, d.stride, y, n * Cout * hw, pw.bias, pw.a.act, seed);
  }
  if (residual && !seed) for (let i = 0; i < y.length; i++) y[i] += residual[i]!;
  return true;
}
