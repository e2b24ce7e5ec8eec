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

#define MR 4
#define NR 8

typedef struct {
  int32_t h, w, cin, ho, wo, cout;
  int32_t kh, kw, sh, sw, dh, dw, pt, pl;
  int32_t groups, cpg, opg, panels;
  int32_t act; f32 a, b;
  int32_t post; f32 pa, pb;
} conv_params;

// acc{m}{0,1} += x_m[k] · w[k][0..8] over k < K, x_m and w advancing with k.
#define CONV_KLOOP(K, WP)                                                                        \
  do {                                                                                           \
    const f32 *w_ = (WP);                                                                        \
    for (int k_ = 0; k_ < (K); k_++, w_ += NR) {                                                 \
      f32x4 wl = load4(w_), wh = load4(w_ + 4);                                                  \
      f32x4 x0 = wasm_v128_load32_splat(p0 + k_), x1 = wasm_v128_load32_splat(p1 + k_);          \
      f32x4 x2 = wasm_v128_load32_splat(p2 + k_), x3 = wasm_v128_load32_splat(p3 + k_);          \
      a0l = madd(x0, wl, a0l); a0h = madd(x0, wh, a0h);                                          \
      a1l = madd(x1, wl, a1l); a1h = madd(x1, wh, a1h);                                          \
      a2l = madd(x2, wl, a2l); a2h = madd(x2, wh, a2h);                                          \
      a3l = madd(x3, wl, a3l); a3h = madd(x3, wh, a3h);                                          \
    }                                                                                            \
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
  const int cin = p->cin, cpg = p->cpg, kw = p->kw, sw = p->sw, dw = p->dw;
  f32x4 a0l = load4(wp), a0h = load4(wp + 4);
  f32x4 a1l = a0l, a1h = a0h, a2l = a0l, a2h = a0h, a3l = a0l, a3h = a0h;
  wp += NR;
  // a missing pixel of a short block repeats pixel 0 (computed, never stored)
  const int x0 = ox0 * sw - p->pl;
  const int x1 = (m > 1 ? ox0 + 1 : ox0) * sw - p->pl, x2 = (m > 2 ? ox0 + 2 : ox0) * sw - p->pl;
  const int x3 = (m > 3 ? ox0 + 3 : ox0) * sw - p->pl;
  const int xlast = (ox0 + m - 1) * sw - p->pl + (kw - 1) * dw;
  const int run = p->groups == 1 && (dw == 1 || kw == 1) && x0 >= 0 && xlast < p->w;
  const int tap = cpg * NR;
  for (int ky = 0; ky < p->kh; ky++) {
    const int iy = oy * p->sh - p->pt + ky * p->dh;
    if (iy < 0 || iy >= p->h) continue;
    const f32 *row = x + iy * p->w * cin;
    const f32 *wk = wp + ky * kw * tap;
    if (run) {
      const f32 *p0 = row + x0 * cin, *p1 = row + x1 * cin, *p2 = row + x2 * cin, *p3 = row + x3 * cin;
      CONV_KLOOP(kw * cin, wk);
      continue;
    }
    row += g * cpg;
    for (int kx = 0; kx < kw; kx++, wk += tap) {
      const int d = kx * dw;
      const f32 *p0 = (unsigned)(x0 + d) < (unsigned)p->w ? row + (x0 + d) * cin : zero;
      const f32 *p1 = (unsigned)(x1 + d) < (unsigned)p->w ? row + (x1 + d) * cin : zero;
      const f32 *p2 = (unsigned)(x2 + d) < (unsigned)p->w ? row + (x2 + d) * cin : zero;
      const f32 *p3 = (unsigned)(x3 + d) < (unsigned)p->w ? row + (x3 + d) * cin : zero;
      CONV_KLOOP(cpg, wk);
    }
  }
  const int pix = p->cout;
  y += ox0 * pix;
  if (res) res += ox0 * pix;
  conv_store(p, y, res, a0l, a0h, nv);
  if (m > 1) conv_store(p, y + pix, res ? res + pix : 0, a1l, a1h, nv);
  if (m > 2) conv_store(p, y + 2 * pix, res ? res + 2 * pix : 0, a2l, a2h, nv);
  if (m > 3) conv_store(p, y + 3 * pix, res ? res + 3 * pix : 0, a3l, a3h, nv);
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
