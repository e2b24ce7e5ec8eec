import { applyActivation, applyActivationRange, type FusedActivation } from '../ops/activation.js';
import { clampOf } from './kernel-layout.js';
import type { KernelOptions } from './kernel-options.js';
import type { KernelCall } from './threads.js';
import { MR as WMR, wasm, type WasmKernels } from './wasm-kernels.js';

export interface SgemmOptions extends Pick<KernelOptions, 'wasm'> {
  /** A is stored as K x M (read transposed). */
  transA?: boolean;
  /** B is stored as N x K (read transposed). */
  transB?: boolean;
  /** Row strides of the stored A, B and C; default to the packed sizes. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Scales A·B (default 1). */
  alpha?: number;
  /** C += alpha·A·B instead of C = alpha·A·B. */
  accumulate?: boolean;
  /** Added to every element of row i: bias[biasOffset + i]. */
  bias?: Float32Array;
  biasOffset?: number;
  /** Epilogue applied after the bias. */
  act?: FusedActivation;
}

// Micro-tile MR x NR held in local variables; KC x NR B-panels (16 KiB) and MR x KC A-panels stay in L1,
// the MC x KC A-block (128 KiB) in L2.
const MR = 4;
const NR = 8;
const KC = 256;
const MC = 128;
const NC = 1024;

let packA = new Float32Array(MC * KC);
let packB = new Float32Array(KC * NC);
const tile = new Float32Array(MR * NR);

/**
 * Single-precision GEMM on row-major Float32Arrays: C[M x N] (+)= A[M x K] · B[K x N] (+ bias per row),
 * then the activation. Cache-blocked over N, K and M with packed panels and a 4 x 8 register-blocked kernel.
 */
export function sgemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
  opts: SgemmOptions = {},
): void {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const lda = opts.lda ?? (transA ? M : K);
  const ldb = opts.ldb ?? (transB ? K : N);
  const ldc = opts.ldc ?? N;
  // element strides: A(i,k) = A[aOff + i*ars + k*acs], B(k,j) = B[bOff + k*brs + j*bcs]
  const ars = transA ? 1 : lda;
  const acs = transA ? lda : 1;
  const brs = transB ? 1 : ldb;
  const bcs = transB ? ldb : 1;
  const accumulate = opts.accumulate ?? false;
  const alpha = opts.alpha ?? 1;
  const bias = opts.bias;
  const biasOff = opts.biasOffset ?? 0;
  const act = opts.act;
  if (M <= 0 || N <= 0) return;

  if (K === 0) {
    for (let i = 0; i < M; i++) {
      const row = cOff + i * ldc;
      const b = bias ? bias[biasOff + i]! : 0;
      for (let j = 0; j < N; j++) C[row + j] = (accumulate ? C[row + j]! : 0) + b;
      if (act) applyActivationRange(C, row, row + N, act);
    }
    return;
  }

  if (M < MR) {
    // a few rows (batch-1 classifier): the transposed product C^T = B^T A^T keeps the wasm kernel busy
    const wk = alpha === 1 && !bias && N >= 16 ? wasm(opts) : undefined;
    if (wk) {
      wasmSgemm(wk, N, M, K, B, bOff, bcs, brs, A, aOff, acs, ars, C, cOff, 1, ldc, accumulate, undefined, 0, act, -1);
      return;
    }
    smallM(M, N, K, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc, alpha, accumulate, bias, biasOff, act);
    return;
  }

  const wk = alpha === 1 ? wasm(opts) : undefined;
  if (wk) {
    wasmSgemm(wk, M, N, K, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc, 1, accumulate, bias, biasOff, act, -1);
    return;
  }

  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    const nPanels = Math.ceil(nc / NR);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      const first = pc === 0;
      const last = pc + kc === K;
      packPanelsB(B, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, nPanels);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        const mPanels = Math.ceil(mc / MR);
        packPanelsA(A, aOff + ic * ars + pc * acs, ars, acs, kc, mc, mPanels);
        for (let q = 0; q < nPanels; q++) {
          const j0 = jc + q * NR;
          const nr = Math.min(NR, N - j0);
          for (let p = 0; p < mPanels; p++) {
            const i0 = ic + p * MR;
            const mr = Math.min(MR, M - i0);
            kernel4x8(kc, packA, p * MR * kc, packB, q * NR * kc, tile);
            const add = accumulate || !first;
            for (let r = 0; r < mr; r++) {
              const row = cOff + (i0 + r) * ldc + j0;
              const b = last && bias ? bias[biasOff + i0 + r]! : 0;
              const t = r * NR;
              if (alpha !== 1) for (let c = 0; c < nr; c++) tile[t + c] = alpha * tile[t + c]!;
              if (add) for (let c = 0; c < nr; c++) C[row + c] = C[row + c]! + tile[t + c]! + b;
              else for (let c = 0; c < nr; c++) C[row + c] = tile[t + c]! + b;
              if (last && act) applyActivationRange(C, row, row + nr, act);
            }
          }
        }
      }
    }
  }
}

/** Packs kc x nc of B into NR-wide column panels, each k-major and zero-padded to NR. */
function packPanelsB(B: Float32Array, off: number, rs: number, cs: number, kc: number, nc: number, nPanels: number): void {
  if (packB.length < nPanels * NR * kc) packB = new Float32Array(nPanels * NR * kc);
  const P = packB;
  for (let q = 0; q < nPanels; q++) {
    const j0 = q * NR;
    const w = Math.min(NR, nc - j0);
    let dst = q * NR * kc;
    if (w === NR && cs === 1) {
      for (let k = 0; k < kc; k++) {
        const s = off + k * rs + j0;
        P[dst] = B[s]!;
        P[dst + 1] = B[s + 1]!;
        P[dst + 2] = B[s + 2]!;
        P[dst + 3] = B[s + 3]!;
        P[dst + 4] = B[s + 4]!;
        P[dst + 5] = B[s + 5]!;
        P[dst + 6] = B[s + 6]!;
        P[dst + 7] = B[s + 7]!;
        dst += NR;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const s = off + k * rs + j0 * cs;
        for (let c = 0; c < NR; c++) P[dst + c] = c < w ? B[s + c * cs]! : 0;
        dst += NR;
      }
    }
  }
}

/** Packs mc x kc of A into MR-tall row panels, each k-major and zero-padded to MR. */
function packPanelsA(A: Float32Array, off: number, rs: number, cs: number, kc: number, mc: number, mPanels: number): void {
  if (packA.length < mPanels * MR * kc) packA = new Float32Array(mPanels * MR * kc);
  const P = packA;
  for (let p = 0; p < mPanels; p++) {
    const i0 = p * MR;
    const h = Math.min(MR, mc - i0);
    const base = p * MR * kc;
    for (let r = 0; r < MR; r++) {
      let dst = base + r;
      if (r < h) {
        let s = off + (i0 + r) * rs;
        for (let k = 0; k < kc; k++, dst += MR, s += cs) P[dst] = A[s]!;
      } else {
        for (let k = 0; k < kc; k++, dst += MR) P[dst] = 0;
      }
    }
  }
}

function kernel4x8(kc: number, A: Float32Array, a: number, B: Float32Array, b: number, T: Float32Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
  for (let k = 0; k < kc; k++, a += 4, b += 8) {
    const a0 = A[a]!, a1 = A[a + 1]!, a2 = A[a + 2]!, a3 = A[a + 3]!;
    let x = B[b]!;
    c00 += a0 * x; c10 += a1 * x; c20 += a2 * x; c30 += a3 * x;
    x = B[b + 1]!;
    c01 += a0 * x; c11 += a1 * x; c21 += a2 * x; c31 += a3 * x;
    x = B[b + 2]!;
    c02 += a0 * x; c12 += a1 * x; c22 += a2 * x; c32 += a3 * x;
    x = B[b + 3]!;
    c03 += a0 * x; c13 += a1 * x; c23 += a2 * x; c33 += a3 * x;
    x = B[b + 4]!;
    c04 += a0 * x; c14 += a1 * x; c24 += a2 * x; c34 += a3 * x;
    x = B[b + 5]!;
    c05 += a0 * x; c15 += a1 * x; c25 += a2 * x; c35 += a3 * x;
    x = B[b + 6]!;
    c06 += a0 * x; c16 += a1 * x; c26 += a2 * x; c36 += a3 * x;
    x = B[b + 7]!;
    c07 += a0 * x; c17 += a1 * x; c27 += a2 * x; c37 += a3 * x;
  }
  T[0] = c00; T[1] = c01; T[2] = c02; T[3] = c03; T[4] = c04; T[5] = c05; T[6] = c06; T[7] = c07;
  T[8] = c10; T[9] = c11; T[10] = c12; T[11] = c13; T[12] = c14; T[13] = c15; T[14] = c16; T[15] = c17;
  T[16] = c20; T[17] = c21; T[18] = c22; T[19] = c23; T[20] = c24; T[21] = c25; T[22] = c26; T[23] = c27;
  T[24] = c30; T[25] = c31; T[26] = c32; T[27] = c33; T[28] = c34; T[29] = c35; T[30] = c36; T[31] = c37;
}

/** Fewer rows than a micro-tile (e.g. a batch-1 classifier): row-by-row axpy or dot products, no packing. */
function smallM(
  M: number, N: number, K: number,
  A: Float32Array, aOff: number, ars: number, acs: number,
  B: Float32Array, bOff: number, brs: number, bcs: number,
  C: Float32Array, cOff: number, ldc: number,
  alpha: number, accumulate: boolean, bias: Float32Array | undefined, biasOff: number, act: FusedActivation | undefined,
): void {
  for (let i = 0; i < M; i++) {
    const row = cOff + i * ldc;
    const aRow = aOff + i * ars;
    const b0 = bias ? bias[biasOff + i]! : 0;
    if (bcs === 1) {
      // B rows are contiguous: accumulate a[k] * B[k, :] into a float64 row buffer
      const acc = new Float64Array(N);
      for (let k = 0; k < K; k++) {
        const a = A[aRow + k * acs]!;
        const bRow = bOff + k * brs;
        for (let j = 0; j < N; j++) acc[j] += a * B[bRow + j]!;
      }
      for (let j = 0; j < N; j++) C[row + j] = (accumulate ? C[row + j]! : 0) + alpha * acc[j]! + b0;
    } else {
      for (let j = 0; j < N; j++) {
        let s = 0;
        const bCol = bOff + j * bcs;
        for (let k = 0; k < K; k++) s += A[aRow + k * acs]! * B[bCol + k * brs]!;
        C[row + j] = (accumulate ? C[row + j]! : 0) + alpha * s + b0;
      }
    }
    if (act) applyActivationRange(C, row, row + N, act);
  }
}

// WebAssembly path: A copied row-major, B copied whole as K x N rows (one memcpy when contiguous) and read in
// place, C computed into an mPad x roundUp(N, 8) block of wasm memory and copied out once (per row when padded).
const WKC = 256;
const WMC = 120;

/**
 * Appends the wasm calls for rows r0..r1 of C[.. x cols] (+)= A[.. x K] · B[K x cols], `cols` a multiple of 8: K in
 * blocks of WKC (in order, so an element's sum is the same whatever the rows and columns split), rows in blocks of
 * WMC. Float offsets: A rows K apart, B rows `ldb` apart, C rows `ldc` apart; `biasAt` < 0: no bias; `clamp` is
 * applied after the last K block (undefined: none, the caller applies the activation).
 */
export function gemmCalls(
  calls: KernelCall[], r0: number, r1: number, K: number, aBase: number, bBase: number, ldb: number, cBase: number, ldc: number,
  cols: number, accumulate: boolean, biasAt: number, clamp: [number, number] | undefined,
): void {
  for (let pc = 0; pc < K; pc += WKC) {
    const kc = Math.min(WKC, K - pc);
    const last = pc + kc === K;
    const flags = (accumulate || pc > 0 ? 1 : 0) | (last && biasAt >= 0 ? 2 : 0);
    const lo = last && clamp ? clamp[0] : -Infinity;
    const hi = last && clamp ? clamp[1] : Infinity;
    for (let ic = r0; ic < r1; ic += WMC)
      calls.push({
        fn: 'gemm',
        args: [Math.min(WMC, r1 - ic), cols * 4, kc, (aBase + ic * K + pc) * 4, K * 4, (bBase + pc * ldb) * 4, ldb * 4,
          (cBase + ic * ldc) * 4, ldc * 4, flags, (Math.max(biasAt, 0) + ic) * 4, lo, hi],
      });
  }
}

/** Wasm calls per gemmCalls row range of M rows and depth K. */
export function gemmCallCount(M: number, K: number): number {
  return Math.ceil(K / WKC) * Math.ceil(M / WMC);
}

function wasmSgemm(
  wk: WasmKernels, M: number, N: number, K: number,
  A: Float32Array, aOff: number, ars: number, acs: number,
  B: Float32Array, bOff: number, brs: number, bcs: number,
  C: Float32Array, cOff: number, ldc: number, ccs: number,
  accumulate: boolean, bias: Float32Array | undefined, biasOff: number, act: FusedActivation | undefined,
  bResident: number, keepC = false, floor = 0, bStride = N,
): number {
  // B's row stride in wasm memory: N when copied in, `bStride` (>= N) when resident
  const ldbF = bResident >= 0 ? bStride : N;
  const mPad = Math.ceil(M / WMR) * WMR;
  const nc8 = Math.ceil(N / 8) * 8;
  // layout (floats): A (M x K) | bias | B (K x N, +8 for the last strip's over-read) | C (mPad x nc8); a B already
  // in wasm memory (bResident >= 0, K x N contiguous, 8 readable floats after it) stays where it is, below the rest
  const base = Math.ceil(Math.max(floor, bResident >= 0 ? bResident + K * ldbF + 8 : 0) / 4) * 4;
  const aBase = base;
  const biasBase = aBase + M * K + 4;
  const bBase = bResident >= 0 ? bResident : biasBase + mPad + 4;
  const cBase = Math.ceil(((bResident >= 0 ? biasBase + mPad : bBase + K * N) + 8) / 4) * 4;
  const H = wk.heap((cBase + mPad * nc8 + 4) * 4);
  if (acs === 1 && ars === K) H.set(A.subarray(aOff, aOff + M * K), aBase);
  else if (acs === 1) for (let i = 0; i < M; i++) H.set(A.subarray(aOff + i * ars, aOff + i * ars + K), aBase + i * K);
  else
    for (let i = 0; i < M; i++) {
      const d = aBase + i * K;
      for (let k = 0, s = aOff + i * ars; k < K; k++, s += acs) H[d + k] = A[s]!;
    }
  if (bias) H.set(bias.subarray(biasOff, biasOff + M), biasBase);
  if (bResident < 0) {
    if (bcs === 1 && brs === N) H.set(B.subarray(bOff, bOff + K * N), bBase);
    else if (bcs === 1) for (let k = 0; k < K; k++) H.set(B.subarray(bOff + k * brs, bOff + k * brs + N), bBase + k * N);
    else
      for (let k = 0; k < K; k++) {
        const d = bBase + k * N;
        for (let j = 0, s = bOff + k * brs; j < N; j++, s += bcs) H[d + j] = B[s]!;
      }
    H.fill(0, bBase + K * N, bBase + K * N + 8);
  }
  const dense = ccs === 1 && ldc === N && nc8 === N;
  if (accumulate) {
    if (dense) H.set(C.subarray(cOff, cOff + M * N), cBase);
    else
      for (let i = 0; i < M; i++) {
        const src = cOff + i * ldc;
        const dst = cBase + i * nc8;
        if (ccs === 1) H.set(C.subarray(src, src + N), dst);
        else for (let j = 0; j < N; j++) H[dst + j] = C[src + j * ccs]!;
      }
  }
  const clamp = clampOf(act);
  // Split over threads (wasm-kernels.ts parallel): by 8-column strips when there are enough, else by row ranges
  // in multiples of MR (a call writes whole MR-row panels: only the last range may write past row M, into
  // mPad's scratch rows). Each thread runs the K blocks of its part in order.
  const T = wk.threads;
  const strips = nc8 / 8;
  const byCols = T > 1 && strips >= 2 * T;
  const parts = byCols || (T > 1 && M >= 2 * WMR * T) ? T : 1;
  const lists: KernelCall[][] = [];
  for (let t = 0; t < parts; t++) {
    const j0 = byCols ? Math.floor((strips * t) / parts) * 8 : 0;
    const j1 = byCols ? Math.floor((strips * (t + 1)) / parts) * 8 : nc8;
    const r0 = byCols ? 0 : Math.floor((M * t) / parts / WMR) * WMR;
    const r1 = byCols || t === parts - 1 ? M : Math.floor((M * (t + 1)) / parts / WMR) * WMR;
    const calls: KernelCall[] = [];
    gemmCalls(calls, r0, r1, K, aBase, bBase + j0, ldbF, cBase + j0, nc8, j1 - j0, accumulate, bias ? biasBase : -1, clamp);
    if (calls.length) lists.push(calls);
  }
  wk.parallel(lists);
  if (keepC) {
    if (!clamp) applyActivationRange(H, cBase, cBase + M * nc8, act!);
    return cBase;
  }
  if (dense) {
    C.set(H.subarray(cBase, cBase + M * N), cOff);
    if (!clamp) applyActivationRange(C, cOff, cOff + M * N, act!);
    return -1;
  }
  for (let i = 0; i < M; i++) {
    const row = cOff + i * ldc;
    const src = cBase + i * nc8;
    if (ccs === 1) {
      C.set(H.subarray(src, src + N), row);
      if (!clamp) applyActivationRange(C, row, row + N, act!);
    } else if (clamp) for (let j = 0; j < N; j++) C[row + j * ccs] = H[src + j]!;
    else for (let j = 0; j < N; j++) C[row + j * ccs] = applyActivation(H[src + j]!, act!);
  }
  return -1;
}

/**
 * C[M x N] = A[M x K] · B (+ bias per row, then act) where B (K x N, rows `bStride` >= N floats apart, 8 readable
 * floats after the last) already lies in the wasm heap at float offset `bAt`, written there by a previous wasm
 * kernel: the hand-off of a fused depthwise -> pointwise pair.
 */
export function sgemmResidentB(
  wk: WasmKernels, M: number, N: number, K: number, A: Float32Array, bAt: number, bStride: number, C: Float32Array, cOff: number,
  bias: Float32Array | undefined, act: FusedActivation, accumulate = false,
): void {
  wasmSgemm(wk, M, N, K, A, 0, K, 1, A, 0, N, 1, C, cOff, N, 1, accumulate, bias, 0, act, bAt, false, 0, bStride);
}

/**
 * act(A[M x K] · B[K x N] + bias) left in the wasm heap for the next wasm kernel: returns the float offset of the
 * result, M rows of stride roundUp(N, 8). B is read from `B` at `bOff` (contiguous rows); every region lies at or
 * above float offset `floor`, so whatever the caller keeps below it survives.
 */
export function sgemmToHeap(
  wk: WasmKernels, M: number, N: number, K: number, A: Float32Array, B: Float32Array, bOff: number,
  bias: Float32Array | undefined, act: FusedActivation, floor = 0,
): number {
  return wasmSgemm(wk, M, N, K, A, 0, K, 1, B, bOff, N, 1, A, 0, N, 1, false, bias, 0, act, -1, true, floor);
}
