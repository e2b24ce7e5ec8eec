/**
 * A fused [pointwise expand ->] depthwise -> pointwise project chain (conv-fast.ts convChainFast) split over bands
 * of output rows: each thread takes a run of consecutive bands and, for each, computes the expansion rows it has not
 * computed yet (a band's depthwise halo overlaps the previous band's rows, which the thread still holds), the
 * depthwise rows and the projection, in its own region of the wasm heap. One team sync per image, and the rows a
 * band reads were written moments before (in cache) instead of whole multi-MiB intermediates.
 *
 * Every output element is computed by the same kernels over the same values in the same order as the unsplit chain
 * (the GEMM sums K in the same blocks; a depthwise band sees the same padded rows), so results are bitwise equal.
 *
 * Heap (floats): x | expand weights, bias | depthwise weights, bias | project weights, bias | one projection output
 * per band (Cout rows x roundUp(band pixels, 8)) | per thread: its expansion rows (C planes over the rows its bands
 * read), one band's depthwise output, a padded plane.
 */
import { gemmCallCount, gemmCalls } from './gemm.js';
import { clampOf, dwPlane, dwPlaneStride, type ConvParams } from './kernel-layout.js';
import { MAX_CALLS, type KernelCall } from './threads.js';
import { MR, type WasmKernels } from './wasm-kernels.js';

/** Bytes a band's expansion and depthwise rows may take: well inside a core's L2 (2 MiB on the machine measured). */
export const BAND_BYTES = 512 << 10;

const up4 = (n: number) => Math.ceil(n / 4) * 4;
const up8 = (n: number) => Math.ceil(n / 8) * 8;

export interface ChainShape {
  Cin: number;
  /** Depthwise channels, input and output rows and columns. */
  C: number;
  H: number;
  W: number;
  Ho: number;
  Wo: number;
  Cout: number;
}

/** Output rows of each band: as even as can be, enough for every thread, few enough for the call lists. */
export function bandRows(sh: ChainShape, k: number, s: number, threads: number, expand: boolean, bandBytes = BAND_BYTES): number[] {
  const { C, W, Ho, Wo, Cin, Cout } = sh;
  const rowBytes = 4 * C * ((expand ? s * W : 0) + Wo);
  const rows = Math.max(1, Math.floor((bandBytes / 4 / C - (expand ? (k - s) * W : 0)) / (rowBytes / 4 / C)));
  const perBand = (expand ? gemmCallCount(C, Cin) : 0) + 1 + gemmCallCount(Cout, C);
  const maxBands = threads * Math.max(1, Math.floor(MAX_CALLS / perBand));
  const B = Math.min(Ho, maxBands, Math.max(threads, Math.ceil(Ho / rows)));
  return Array.from({ length: B }, (_, b) => Math.floor((Ho * (b + 1)) / B) - Math.floor((Ho * b) / B));
}

/**
 * Expansion rows computed twice (each thread's first band recomputes the previous thread's last k - s rows), as a
 * share of the image's: the band split is not taken where it passes `maxRedone` (small late-network images on
 * several threads), the kernel-by-kernel split has no such cost there.
 */
export const MAX_REDONE = 0.1;

export function bandsPay(H: number, k: number, s: number, threads: number, expand: boolean, maxRedone = MAX_REDONE): boolean {
  return !expand || threads <= 1 || ((threads - 1) * Math.max(0, k - s)) / H <= maxRedone;
}

/**
 * Runs the chain for image n over bands; false (nothing done) when an activation is not one the kernels clamp to,
 * or when the band split does not pay (bandsPay).
 * `seed`: the projection accumulates onto `residual` (no activation after it).
 */
export function chainBands(
  wk: WasmKernels, x: Float32Array, n: number, sh: ChainShape, expand: ConvParams | undefined, dw: ConvParams, pw: ConvParams,
  residual: Float32Array | undefined, seed: boolean, y: Float32Array, bandBytes = BAND_BYTES, maxRedone = MAX_REDONE,
): boolean {
  const eClamp = expand ? clampOf(expand.a.act) : undefined;
  const dClamp = clampOf(dw.a.act);
  const pClamp = clampOf(pw.a.act);
  if ((expand && !eClamp) || !dClamp || !pClamp) return false;
  const { Cin, C, H, W, Ho, Wo, Cout } = sh;
  const k = dw.a.kernel[0];
  const s = dw.a.strides[0];
  const [pt, pl] = dw.a.pads;
  const T = wk.threads;
  if (!bandsPay(H, k, s, Math.min(T, Ho), !!expand, maxRedone)) return false;
  const rows = bandRows(sh, k, s, T, !!expand, bandBytes);
  const B = rows.length;
  const hw = H * W;
  const ohw = Ho * Wo;
  const mPadC = Math.ceil(C / MR) * MR;
  const mPadO = Math.ceil(Cout / MR) * MR;
  // bands: output rows, input rows read [iyLo, iyHi)
  const bands = rows.map((r, b) => {
    const oy0 = rows.slice(0, b).reduce((a, v) => a + v, 0);
    const oy1 = oy0 + r;
    return { oy0, oy1, iyLo: Math.max(0, oy0 * s - pt), iyHi: Math.min(H, (oy1 - 1) * s - pt + k) };
  });
  const owner = (b: number) => Math.floor((b * T) / B);
  let at = 0;
  const take = (floats: number) => ((at = up4(at)), (at += floats), at - floats);
  const xB = take((expand ? Cin : C) * hw + 8);
  const eW = expand ? take(C * Cin) : 0;
  const eBias = expand ? take(mPadC + 4) : 0;
  const dW = take(C * k * k);
  const dBias = take(C);
  const pW = take(Cout * C);
  const pBias = take(mPadO + 4);
  const outs = bands.map((b) => take(mPadO * up8((b.oy1 - b.oy0) * Wo) + 4));
  const maxRows = Math.max(...rows);
  const ops = dwPlaneStride(maxRows * Wo);
  const regions = Array.from({ length: T }, (_, t) => {
    const mine = bands.filter((_b, i) => owner(i) === t);
    if (!mine.length) return undefined;
    const lo = mine[0]!.iyLo;
    const eStride = expand ? up4((mine.at(-1)!.iyHi - lo) * W + 8) : 0;
    const pStride = Math.max(...mine.map((b) => dwPlane(b.iyHi - b.iyLo, W, b.oy1 - b.oy0, Wo, k, s, pt + b.iyLo - b.oy0 * s, pl).pStride));
    return { lo, eStride, e: expand ? take(mPadC * eStride + 8) : 0, d: take(C * ops + 8), p: take(pStride) };
  });
  const heap = wk.heap(up4(at) * 4);
  heap.set(x.subarray(n * (expand ? Cin : C) * hw, (n + 1) * (expand ? Cin : C) * hw), xB);
  heap.fill(0, xB + (expand ? Cin : C) * hw, xB + (expand ? Cin : C) * hw + 8);
  if (expand) {
    heap.set(expand.w.subarray(0, C * Cin), eW);
    if (expand.bias) heap.set(expand.bias.subarray(0, C), eBias);
  }
  heap.set(dw.w.subarray(0, C * k * k), dW);
  if (dw.bias) heap.set(dw.bias.subarray(0, C), dBias);
  else heap.fill(0, dBias, dBias + C);
  heap.set(pw.w.subarray(0, Cout * C), pW);
  if (pw.bias) heap.set(pw.bias.subarray(0, Cout), pBias);
  const lists: KernelCall[][] = Array.from({ length: T }, () => []);
  const done = new Array<number>(T).fill(-1);
  bands.forEach((b, i) => {
    const t = owner(i);
    const r = regions[t]!;
    const calls = lists[t]!;
    const nb = (b.oy1 - b.oy0) * Wo;
    const nb8 = up8(nb);
    if (seed) for (let co = 0; co < Cout; co++) heap.set(residual!.subarray((n * Cout + co) * ohw + b.oy0 * Wo, (n * Cout + co) * ohw + b.oy1 * Wo), outs[i]! + co * nb8);
    let src = xB + b.iyLo * W;
    let srcStride = hw;
    if (expand) {
      const from = Math.max(b.iyLo, done[t]! < 0 ? r.lo : done[t]!);
      if (b.iyHi > from)
        gemmCalls(calls, 0, C, Cin, eW, xB + from * W, hw, r.e + (from - r.lo) * W, r.eStride, up8((b.iyHi - from) * W), false,
          expand.bias ? eBias : -1, eClamp);
      done[t] = Math.max(done[t]!, b.iyHi);
      src = r.e + (b.iyLo - r.lo) * W;
      srcStride = r.eStride;
    }
    const Hb = b.iyHi - b.iyLo;
    const Hob = b.oy1 - b.oy0;
    const ptb = pt + b.iyLo - b.oy0 * s;
    const { Hp, Wp } = dwPlane(Hb, W, Hob, Wo, k, s, ptb, pl);
    const opsb = dwPlaneStride(nb);
    calls.push({
      fn: `dw${k}s${s}`,
      args: [C, Hb, W, Hob, Wo, ptb, pl, Hp, Wp, src * 4, srcStride * 4, dW * 4, dBias * 4, r.d * 4, opsb * 4, r.p * 4, dClamp[0], dClamp[1]],
    });
    gemmCalls(calls, 0, Cout, C, pW, r.d, opsb, outs[i]!, nb8, nb8, seed, pw.bias ? pBias : -1, pClamp);
  });
  wk.parallel(lists.filter((l) => l.length));
  const out = wk.heap(0);
  bands.forEach((b, i) => {
    const nb = (b.oy1 - b.oy0) * Wo;
    const nb8 = up8(nb);
    for (let co = 0; co < Cout; co++) y.set(out.subarray(outs[i]! + co * nb8, outs[i]! + co * nb8 + nb), (n * Cout + co) * ohw + b.oy0 * Wo);
  });
  return true;
}
