#include "sc.h"

// Regular convolution on NHWC (any kernel, stride, dilation, zero padding, groups), as an implicit GEMM over the
// taps: a block of MR output pixels × NR output channels stays in registers while K runs over the taps' input
// channels (XNNPACK's f32 igemm, load-splat variant). Padding is read from a zero row of Cin/group floats (the
// weights region) in place of the missing input pixel, so there is no padded copy. Where a block's pixels are all
// inside the input horizontally, the group is the whole input and the kernel is not dilated across, the kw taps
// of one kernel row are kw·Cin consecutive floats (NHWC), read as one run: with Cin = 3 (a network's first layer)
// this makes K = 9 or 15 per kernel row instead of 3 per tap.
//
// Weights (ops/conv-general.ts): per group, per panel of NR output channels: [NR bias][kh][kw][Cin/group][NR],
// channels past the group's end zero. Units (tiles) are output rows n·Ho + oy; each pixel's sums run in the same
// order whatever the split, so results are bitwise the same.

#define MR 5
#define NR 8
// Statements over the MR pixels of a block (F(m) for m = 0 .. MR-1).
#define PIXELS(F) F(0) F(1) F(2) F(3) F(4)

typedef struct {
  int32_t h, w, cin, ho, wo, cout;
  int32_t kh, kw, sh, sw, dh, dw, pt, pl;
  int32_t groups, cpg, opg, panels;
  int32_t act; f32 a, b;
  int32_t post; f32 pa, pb;
} conv_params;

// acc{m}{0,1} += x_m[k] · w[k][0..8] over k < K (two k a step: fewer pointer bumps per multiply-add).
#define CONV_MADD(m) { f32x4 xm = wasm_v128_load32_splat(p##m + k_); a##m##l = madd(xm, wl, a##m##l); a##m##h = madd(xm, wh, a##m##h); }
#define CONV_STEP(w)                                                                             \
  do {                                                                                           \
    f32x4 wl = load4(w), wh = load4((w) + 4);                                                    \
    PIXELS(CONV_MADD)                                                                            \
  } while (0)

#define CONV_KLOOP(K, WP)                                                                        \
  do {                                                                                           \
    const f32 *w_ = (WP);                                                                        \
    int k_ = 0;                                                                                  \
    for (; k_ + 2 <= (K); w_ += 2 * NR) {                                                        \
      CONV_STEP(w_);                                                                             \
      k_++;                                                                                      \
      CONV_STEP(w_ + NR);                                                                        \
      k_++;                                                                                      \
    }                                                                                            \
    if (k_ < (K)) CONV_STEP(w_);                                                                 \
  } while (0)

// The epilogue of one pixel's NR channels: act, + residual, post act; stores the first nv channels.
static inline void conv_store(const conv_params *p, f32 *y, const f32 *r, f32x4 lo, f32x4 hi, int nv) {
  lo = act4(lo, p->act, p->a, p->b);
  hi = act4(hi, p->act, p->a, p->b);
  if (r) {
    lo = act4(wasm_f32x4_add(lo, load4(r)), p->post, p->pa, p->pb);
    if (nv > 4) hi = act4(wasm_f32x4_add(hi, load4(r + 4)), p->post, p->pa, p->pb);
  }
  if (nv == NR) {
    store4(y, lo);
    store4(y + 4, hi);
    return;
  }
  if (nv >= 4) {
    store4(y, lo);
    y += 4;
    nv -= 4;
    lo = hi;
  }
  if (nv > 0) y[0] = wasm_f32x4_extract_lane(lo, 0);
  if (nv > 1) y[1] = wasm_f32x4_extract_lane(lo, 1);
  if (nv > 2) y[2] = wasm_f32x4_extract_lane(lo, 2);
}

// Output pixels ox0 .. ox0+m-1 (m ≤ MR) of row oy, channels of one panel (nv valid) of group g.
static inline void conv_block(const conv_params *p, f32 *y, const f32 *res, const f32 *x, const f32 *zero,
                              const f32 *wp, int oy, int ox0, int m, int g, int nv) {
  const int cin = p->cin, cpg = p->cpg, kw = p->kw, sw = p->sw, dw = p->dw, w = p->w;
  const f32x4 bl = load4(wp), bh = load4(wp + 4);
  wp += NR;
  // a missing pixel of a short block repeats pixel 0 (computed, never stored)
#define CONV_INIT(m) f32x4 a##m##l = bl, a##m##h = bh; const int x##m = (m < m_ ? ox0 + m : ox0) * sw - p->pl;
  const int m_ = m;
  PIXELS(CONV_INIT)
  const int xlast = (ox0 + m - 1) * sw - p->pl + (kw - 1) * dw;
  const int run = p->groups == 1 && (dw == 1 || kw == 1) && x0 >= 0 && xlast < w;
  const int tap = cpg * NR;
  for (int ky = 0; ky < p->kh; ky++) {
    const int iy = oy * p->sh - p->pt + ky * p->dh;
    if (iy < 0 || iy >= p->h) continue;
    const f32 *row = x + iy * w * cin;
    const f32 *wk = wp + ky * kw * tap;
    if (run) {
#define CONV_RUN(m) const f32 *p##m = row + x##m * cin;
      PIXELS(CONV_RUN)
      CONV_KLOOP(kw * cin, wk);
      continue;
    }
    row += g * cpg;
    for (int kx = 0; kx < kw; kx++, wk += tap) {
      const int d = kx * dw;
#define CONV_TAP(m) const f32 *p##m = (unsigned)(x##m + d) < (unsigned)w ? row + (x##m + d) * cin : zero;
      PIXELS(CONV_TAP)
      CONV_KLOOP(cpg, wk);
    }
  }
  const int pix = p->cout;
  y += ox0 * pix;
  if (res) res += ox0 * pix;
#define CONV_OUT(m) if (m < m_) conv_store(p, y + m * pix, res ? res + m * pix : 0, a##m##l, a##m##h, nv);
  PIXELS(CONV_OUT)
}

// y[n][oy][ox][cout] for output rows t0 ≤ n·Ho + oy < t1. res: the fused residual (same layout as y) or 0.
EXPORT(conv_nhwc)(const conv_params *p, f32 *y, const f32 *x, const f32 *w, const f32 *zero, const f32 *res,
                  int t0, int t1) {
  const int pstride = NR + p->kh * p->kw * p->cpg * NR;
  for (int u = t0; u < t1; u++) {
    const int n = u / p->ho, oy = u - n * p->ho;
    const f32 *xn = x + n * p->h * p->w * p->cin;
    f32 *yr = y + u * p->wo * p->cout;
    const f32 *rr = res ? res + u * p->wo * p->cout : 0;
    for (int g = 0; g < p->groups; g++)
      for (int j = 0; j < p->panels; j++) {
        const f32 *wp = w + (g * p->panels + j) * pstride;
        const int oc = g * p->opg + j * NR;
        const int nv = p->opg - j * NR < NR ? p->opg - j * NR : NR;
        for (int ox = 0; ox < p->wo; ox += MR)
          conv_block(p, yr + oc, rr ? rr + oc : 0, xn, zero, wp, oy, ox, p->wo - ox < MR ? p->wo - ox : MR, g, nv);
      }
  }
}
