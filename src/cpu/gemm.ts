import { applyActivationRange, type FusedActivation } from '../ops/activation.js';

export interface SgemmOptions {
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
    smallM(M, N, K, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc, alpha, accumulate, bias, biasOff, act);
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
