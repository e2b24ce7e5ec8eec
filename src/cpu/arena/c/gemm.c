// f32 GEMM, XNNPACK's wasm SIMD scheme: C[M×N] = A[M×K]·B[K×N] + bias, then act, + residual, then post.
// B is packed at load (src/cpu/arena/ops/gemm-panels.ts) into panels of NR columns: NR bias values, then K rows of NR
// floats, zero-padded past N. A MR×NR block of C lives in registers; A is read one float per k, splatted
// ("loadsplat"), or 4 k at a time with each lane splatted ("splat", its k tail as loadsplat). The register arrays
// below are indexed by constants only after full unrolling, so clang keeps them out of memory (no stack).
//
// A row m is read at a + (m / group) * group_stride + (m % group) * a_stride (floats): a plain matrix is one group
// of rows a_stride apart; a 1×1 conv of stride s over one NHWC image has one group per output row.
// Rows past M reread row M-1 and are not stored; columns past N compute on zero weights and are not stored.
// Tiles: row blocks × column chunks of `pchunk` panels, row block major.
// With `trans` set, C is stored transposed, column n's rows at c + n·plane (a pointwise conv's NCHW output plane by plane,
// one call per image), the residual read in the same layout; 4×8 kernels only: each 4×4 register block is
// transposed. A flag, not another export: a second copy of the unrolled kernel cost 6 KB of module.
#include "planes.h"

#include "gemm.h"

#define UNROLL _Pragma("clang loop unroll(full)")
// bounds of the register arrays (constant sizes, so that clang can keep them out of memory)
#define MR_MAX 8
#define NR_MAX 16

// lane l of v in every lane (l a constant once unrolled)
static inline f32x4 lane(f32x4 v, int l) {
  switch (l) {
    case 0: return wasm_i32x4_shuffle(v, v, 0, 0, 0, 0);
    case 1: return wasm_i32x4_shuffle(v, v, 1, 1, 1, 1);
    case 2: return wasm_i32x4_shuffle(v, v, 2, 2, 2, 2);
    default: return wasm_i32x4_shuffle(v, v, 3, 3, 3, 3);
  }
}

static inline void store_part(f32 *p, f32x4 v, int n) {
  if (n & 2) { wasm_v128_store64_lane(p, v, 0); v = wasm_i32x4_shuffle(v, v, 2, 3, 2, 3); p += 2; }
  if (n & 1) wasm_v128_store32_lane(p, v, 0);
}

static __attribute__((noinline)) f32x4 sigmoid_call(f32x4 v) { return sigmoid4(v); }

// act4 with the sigmoid (long, and rare after a GEMM) a call, so that the epilogue can be inlined per register
static inline f32x4 act_reg(f32x4 v, int kind, f32 a, f32 b) {
  switch (kind) {
    case ACT_CLAMP: return clamp4(v, splat(a), splat(b));
    case ACT_SIGMOID: return sigmoid_call(v);
    default: return act4(v, kind, a, b);
  }
}

// m ≤ 4 rows of one column of C stored transposed (a run of its column): planes.h's run epilogue.
static inline void store_col(f32 *c, const f32 *r, f32x4 v, int m, const gemm_params *pp) {
  store_run_act(c, r, v, m, pp->act, pp->lo, pp->hi, pp->post, pp->plo, pp->phi);
}

static inline __attribute__((always_inline)) void gemm_tiles(const int MR, const int NR, const int SPLAT,
                                                              const int CLAMPS, f32 *c, const f32 *a, const f32 *w,
                                                              const f32 *r, const gemm_params *pp, int t0, int t1) {
  const int M = pp->M, N = pp->N, K = pp->K, a_stride = pp->a_stride, group = pp->group;
  const int group_stride = pp->group_stride, pchunk = pp->pchunk, kind = pp->act, post = pp->post;
  const f32 lo = pp->lo, hi = pp->hi, plo = pp->plo, phi = pp->phi;
  const f32x4 vlo = splat(lo), vhi = splat(hi), vplo = splat(plo), vphi = splat(phi);
  const int panels = (N + NR - 1) / NR;
  const int chunks = (panels + pchunk - 1) / pchunk;
  const int panel_size = NR * (K + 1);
  // each residual vector is read before C's is written, so C may be the residual (in place)
  for (int t = t0; t < t1;) {
    const int m0 = (t / chunks) * MR;
    const int mr = M - m0 < MR ? M - m0 : MR;
    const f32 *ar[MR_MAX];
    UNROLL for (int i = 0; i < MR; i++) {
      const int m = i < mr ? m0 + i : M - 1;
      ar[i] = group >= M ? a + m * a_stride : a + (m / group) * group_stride + (m % group) * a_stride;
    }
    // this row block's chunks in [t0, t1)
    const int p0 = (t % chunks) * pchunk;
    const int left = chunks - t % chunks < t1 - t ? chunks - t % chunks : t1 - t;
    const int p1 = (t % chunks + left) * pchunk < panels ? (t % chunks + left) * pchunk : panels;
    t += left;
    for (int p = p0; p < p1; p++) {
      const f32 *wp = w + p * panel_size;
      f32x4 acc[MR_MAX][NR_MAX / 4];
      UNROLL for (int j = 0; j < NR / 4; j++) {
        acc[0][j] = load4(wp + 4 * j);
        UNROLL for (int i = 1; i < MR; i++) acc[i][j] = acc[0][j];
      }
      wp += NR;
      int k = 0;
      for (; SPLAT && k + 4 <= K; k += 4, wp += 4 * NR) {
        f32x4 va[MR_MAX];
        UNROLL for (int i = 0; i < MR; i++) va[i] = load4(ar[i] + k);
        UNROLL for (int l = 0; l < 4; l++) {
          f32x4 vb[NR_MAX / 4];
          UNROLL for (int j = 0; j < NR / 4; j++) vb[j] = load4(wp + l * NR + 4 * j);
          UNROLL for (int i = 0; i < MR; i++) {
            const f32x4 s = lane(va[i], l);
            UNROLL for (int j = 0; j < NR / 4; j++) acc[i][j] = madd(s, vb[j], acc[i][j]);
          }
        }
      }
      for (; k < K; k++, wp += NR) {
        f32x4 vb[NR_MAX / 4];
        UNROLL for (int j = 0; j < NR / 4; j++) vb[j] = load4(wp + 4 * j);
        UNROLL for (int i = 0; i < MR; i++) {
          const f32x4 s = splat(ar[i][k]);
          UNROLL for (int j = 0; j < NR / 4; j++) acc[i][j] = madd(s, vb[j], acc[i][j]);
        }
      }
      const int n0 = p * NR;
      const int nc = N - n0 < NR ? N - n0 : NR;
      if (!CLAMPS && MR == 4 && pp->trans) {
        UNROLL for (int j = 0; j < NR / 4; j++) {
          if (nc > 4 * j) {
            f32x4 v0 = acc[0][j], v1 = acc[1][j], v2 = acc[2][j], v3 = acc[3][j];
            TRANSPOSE4(v0, v1, v2, v3);
            const int PS = pp->plane, at = (n0 + 4 * j) * PS + m0;
            store_col(c + at, r ? r + at : 0, v0, mr, pp);
            if (nc > 4 * j + 1) store_col(c + at + PS, r ? r + at + PS : 0, v1, mr, pp);
            if (nc > 4 * j + 2) store_col(c + at + 2 * PS, r ? r + at + 2 * PS : 0, v2, mr, pp);
            if (nc > 4 * j + 3) store_col(c + at + 3 * PS, r ? r + at + 3 * PS : 0, v3, mr, pp);
          }
        }
        continue;
      }
      UNROLL for (int i = 0; i < MR; i++) {
        if (i < mr) {
          f32 *cp = c + (m0 + i) * N + n0;
          const f32 *rp = r + (m0 + i) * N + n0;
          UNROLL for (int j = 0; j < NR / 4; j++) {
            if (nc > 4 * j) {
              // a partial vector reads at most 3 floats past the residual's row: the arena's slack covers the last
              f32x4 v = CLAMPS ? clamp4(acc[i][j], vlo, vhi) : act_reg(acc[i][j], kind, lo, hi);
              if (r) {
                const f32x4 s = wasm_f32x4_add(v, load4(rp + 4 * j));
                v = CLAMPS ? clamp4(s, vplo, vphi) : act_reg(s, post, plo, phi);
              }
              if (nc >= 4 * j + 4) store4(cp + 4 * j, v);
              else store_part(cp + 4 * j, v, nc - 4 * j);
            }
          }
        }
      }
    }
  }
}

// Each export holds two copies of the kernel: one where every activation is a clamp (none, relu, clip; the bounds
// splatted once) and C is stored row-major, one for the rest. A clamp-or-switch per register in one copy cost V8's
// register allocation more than the switch: the copy measured (Chromium, bench/arena-gemm.ts, fastest call) 1.4×
// faster on the face detector's K = 8 and 12 expands with a residual, 1.1–1.3× on K = 16–24, 1.02–1.06× at K ≥ 64;
// a branch per register instead gained 1–5 % (Node). Unrolling the K loop (2 or 4) measured 1.3–1.7× slower.
// gemm_MRxNR: splat; gemm_MRxNR_ls: loadsplat. 4×8 loadsplat was the fastest of 4×8, 5×8, 6×8 and 4×16 each way on
// x86 (bench/arena-gemm.ts). 6×8 splat, XNNPACK's choice on ARM, is no longer exported (its 6 KB of module paid for
// the NCHW epilogues under the bundle's ceiling): to measure it, add GEMM(gemm_6x8, 6, 8, 1) and { mr: 6, nr: 8 } to
// GEMM_SHAPES in ops/gemm-panels.ts.
#define GEMM(name, MR, NR, SPLAT)                                                                                     \
  EXPORT(name)(f32 *c, const f32 *a, const f32 *w, const f32 *r, const gemm_params *p, int t0, int t1) {              \
    if (p->act == ACT_CLAMP && (!r || p->post == ACT_CLAMP) && !p->trans)                                             \
      gemm_tiles(MR, NR, SPLAT, 1, c, a, w, r, p, t0, t1);                                                            \
    else                                                                                                              \
      gemm_tiles(MR, NR, SPLAT, 0, c, a, w, r, p, t0, t1);                                                            \
  }

GEMM(gemm_4x8_ls, 4, 8, 0)
