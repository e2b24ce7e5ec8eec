/**
 * What the GEMM-shaped kernels (Gemm, MatMul, pointwise Conv) share: B packed into the microkernel's panels and the
 * calls of the `gemm_MRxNR` exports of c/gemm.c with their parameter block.
 */
import type { FusedActivation } from '../../../ops/activation.js';
import { actArgs, type BuildCtx, type Call } from '../types.js';

/** A microkernel of c/gemm.c: MR rows × NR columns of C in registers. */
export interface GemmShape {
  mr: number;
  nr: number;
  /** A read one float per k ("loadsplat") instead of 4 k at a time with lanes splatted ("splat", the default). */
  loadsplat?: boolean;
}

/** Every microkernel c/gemm.c exports (bench/arena-gemm.ts compares them, test/arena-gemm.test.ts checks them). */
export const GEMM_SHAPES: readonly GemmShape[] = [{ mr: 4, nr: 8, loadsplat: true }];

/** The one the kernels use. */
export const GEMM_SHAPE: GemmShape = GEMM_SHAPES[0]!;

/** Enough tiles for a team of threads to share a small GEMM by column chunks. */
const MIN_TILES = 16;

/**
 * B[k][n] (from `b`) in panels of `nr` columns: each panel holds the `nr` bias values, then K rows of `nr`
 * floats; columns past N are zero.
 */
export function packPanels(K: number, N: number, b: (k: number, n: number) => number, bias?: (n: number) => number, nr = GEMM_SHAPE.nr): Float32Array {
  const panels = Math.ceil(N / nr);
  const out = new Float32Array(panels * nr * (K + 1));
  for (let p = 0, at = 0; p < panels; p++, at += nr * (K + 1))
    for (let j = 0; j < nr && p * nr + j < N; j++) {
      const n = p * nr + j;
      if (bias) out[at + j] = bias(n);
      for (let k = 0; k < K; k++) out[at + nr * (k + 1) + j] = b(k, n);
    }
  return out;
}

/** Where A's rows are, in floats: row m at (m / group)·groupStride + (m % group)·aStride. */
export interface GemmRows {
  M: number;
  N: number;
  K: number;
  aStride: number;
  group?: number;
  groupStride?: number;
  /** C (and the residual) stored transposed, column n's rows at n·M (c/gemm.c `trans`; MR 4): NCHW planes. */
  transposed?: boolean;
  /** One tile per row block, all panels (a caller that sets M itself, c/chain.c). */
  wholeRows?: boolean;
}

/** Byte offsets of one call's operands; r is the residual (same layout as C) or 0. */
export interface GemmOperands {
  c: number;
  a: number;
  w: number;
  r?: number;
}

/** The parameter block c/gemm.c's gemm_params reads (same field order). */
export function gemmParams(rows: GemmRows, act: FusedActivation, post: FusedActivation | undefined, shape = GEMM_SHAPE): { params: Float32Array; tiles: number } {
  const blocks = Math.ceil(rows.M / shape.mr);
  const panels = Math.ceil(rows.N / shape.nr);
  const chunks = rows.wholeRows ? 1 : Math.max(1, Math.min(panels, Math.ceil(MIN_TILES / blocks)));
  const pchunk = Math.ceil(panels / chunks);
  const [kind, lo, hi] = actArgs(act);
  const [pkind, plo, phi] = actArgs(post);
  const ints = [rows.M, rows.N, rows.K, rows.aStride, rows.group ?? rows.M, rows.groupStride ?? 0, pchunk, kind, pkind, rows.transposed ? 1 : 0, rows.M];
  const params = new Float32Array(ints.length + 4);
  new Int32Array(params.buffer, 0, ints.length).set(ints);
  params.set([lo, hi, plo, phi], ints.length);
  return { params, tiles: blocks * Math.ceil(panels / pchunk) };
}

/** The calls computing C = act(A·B + bias) (+ R, then post) for each operand set (e.g. one per image). */
export function gemmCalls(ctx: BuildCtx, rows: GemmRows, ops: GemmOperands[], act: FusedActivation, post?: FusedActivation, shape = GEMM_SHAPE): Call[] {
  if (rows.M === 0 || rows.N === 0) return [];
  const { params, tiles } = gemmParams(rows, act, post, shape);
  const p = ctx.weights(params);
  if (rows.transposed && shape.mr !== 4) throw new Error(`gemm: no transposed ${shape.mr}x${shape.nr} kernel`);
  const fn = `gemm_${shape.mr}x${shape.nr}${shape.loadsplat ? '_ls' : ''}`;
  return ops.map((o) => ({ fn, args: [o.c, o.a, o.w, o.r ?? 0, p], tiles }));
}
