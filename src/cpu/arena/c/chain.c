// Fused depthwise-separable chains over bands of output rows: [expand 1×1 →] depthwise → project 1×1 (+ residual),
// the expanded rows and the depthwise rows living only in the calling thread's scratch, so that they stay in cache.
// Built from the other families' own code: the GEMM microkernel (c/gemm.c) for both 1×1 convs, the depthwise rows
// (c/dwconv.c) for the middle; every output value is computed by the same instructions in the same order as the
// three separate kernels compute it, so the chain is bitwise the unfused graph, however the bands are split.
//
// A tile is a band of `band` output rows of one image. A thread walks its bands in order and keeps the expanded rows
// the next band shares with the last (the depthwise window's overlap) by moving them to the front of its buffer, so
// an expanded row is computed again only where one thread's range of bands starts.
// Scratch: the expanded rows ((band - 1)·sh + (kh - 1)·dh + 1 input rows of w·cexp floats), then the depthwise band
// (band·wo·cexp floats).
#include "gemm.h"
#include "dwconv.h"

// Packed once at load by src/cpu/arena/ops/conv-chain.ts (same field order); the pointers are byte offsets.
typedef struct {
  int32_t band, bands, dw_at, nchw;
  const gemm_params *ge;  // expand, or 0 (a plain depthwise-separable pair)
  const f32 *we;
  const dw_params *dp;
  const gemm_params *gp;  // project
  const f32 *wp;
} chain_params;

// C rows [0, m) through the GEMM (its parameter block with M = m; whole-row tiles).
static void gemm_rows(f32 *c, const f32 *a, const f32 *w, const f32 *r, const gemm_params *g, int m, int plane) {
  gemm_params q = *g;
  q.M = m;
  q.group = m;
  q.plane = plane;
  gemm_4x8_ls(c, a, w, r, &q, 0, (m + 3) / 4);
}

EXPORT(chain_conv)(const chain_params *p, f32 *y, const f32 *x, const f32 *res, f32 *scratch, int t0, int t1) {
  const dw_params *dp = p->dp;
  const int H = dp->h, W = dp->w, CE = dp->cin, Ho = dp->ho, Wo = dp->wo, CO = p->gp->N;
  const int span = (dp->kh - 1) * dp->dh + 1, row = W * CE;
  const int cin = p->ge ? p->ge->K : CE;
  f32 *eb = scratch, *db = scratch + p->dw_at;
  // expanded rows [ha, hb) of image hi are at eb
  int hi = -1, ha = 0, hb = 0;
  for (int t = t0; t < t1; t++) {
    const int img = t / p->bands, oy0 = (t % p->bands) * p->band, oy1 = oy0 + p->band < Ho ? oy0 + p->band : Ho;
    const f32 *xi = x + img * H * W * cin, *src = xi;
    if (p->ge) {
      const int a0 = oy0 * dp->sh - dp->pt, a1 = (oy1 - 1) * dp->sh - dp->pt + span;
      const int a = a0 < 0 ? 0 : a0, b = a1 > H ? H : a1;
      int from = a;
      if (hi == img && ha <= a && a < hb) {
        if (a > ha) __builtin_memmove(eb, eb + (a - ha) * row, (hb - a) * row * sizeof(f32));
        from = hb;
      }
      if (b > from) gemm_rows(eb + (from - a) * row, xi + from * W * cin, p->we, 0, p->ge, (b - from) * W, 0);
      hi = img, ha = a, hb = b;
      // row iy of the expanded image at eb + (iy - a)·row: dw_rows reads only rows [a, b)
      src = eb - a * row;
    }
    dw_rows(dp, src, db, 0, oy0, oy1);
    const int m = (oy1 - oy0) * Wo;
    const int at = p->nchw ? img * CO * Ho * Wo + oy0 * Wo : (img * Ho + oy0) * Wo * CO;
    gemm_rows(y + at, db, p->wp, res ? res + at : 0, p->gp, m, Ho * Wo);
  }
}
