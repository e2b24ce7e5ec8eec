#include "conv-kloop.h"

// Transposed convolution on NHWC, two ways (ops/convtranspose.ts picks):
// - convt_scatter, for kernel = stride, no pads, no dilation, no output padding: the taps of two input pixels never
//   meet, so each input pixel is one GEMM row x[Cin/group] · W[Cin/group][kh·kw·Cout/group] written straight into
//   its kh×kw output patch. Blocks of SC_MR input pixels × SC_NR columns; the columns' output offsets (relative to the
//   pixel's patch corner) come packed with the weights. Units: input rows n·H + iy (disjoint output rows).
// - convt_gather, anything else: each output pixel sums the taps that reach it (oy + pad − ky·dilation a multiple
//   of the stride). The output pixels of one row with the same ox mod stride (a phase) share their taps and read
//   consecutive input pixels: blocks of them run as a stride-1 conv's (conv-kloop.h). Units: output rows n·Ho + oy.
// Both are bitwise the same however the units are split.

// convt_scatter's block: input pixels × columns
#define SC_MR 4
#define SC_NR 4
// convt_gather's block: output pixels of one phase × NR (conv-kloop.h) output channels
#define MR 6
#define PIXELS(F) F(0) F(1) F(2) F(3) F(4) F(5)

typedef struct {
  int32_t h, w, cin, ho, wo, cout;
  int32_t kh, kw, sh, sw, dh, dw, pt, pl;
  int32_t groups, cpg, opg, panels;
} convt_params;

static inline void convt_put(f32 *y, const int32_t *off, f32x4 v, int nv) {
  y[off[0]] = wasm_f32x4_extract_lane(v, 0);
  if (nv > 1) y[off[1]] = wasm_f32x4_extract_lane(v, 1);
  if (nv > 2) y[off[2]] = wasm_f32x4_extract_lane(v, 2);
  if (nv > 3) y[off[3]] = wasm_f32x4_extract_lane(v, 3);
}

// w: per group, per panel of SC_NR columns (ky, kx, o): [SC_NR bias][Cin/group][SC_NR]; off: per group, per
// column, the output offset of that column from the patch corner (int32, padded to whole panels).
EXPORT(convt_scatter)(const convt_params *p, f32 *y, const f32 *x, const f32 *w, const int32_t *off, int t0, int t1) {
  const int cin = p->cin, cpg = p->cpg, cout = p->cout, ncol = p->kh * p->kw * p->opg;
  const int pstride = SC_NR + cpg * SC_NR;
  for (int u = t0; u < t1; u++) {
    const int n = u / p->h, iy = u - n * p->h;
    const f32 *xr = x + u * p->w * cin;
    f32 *yr = y + ((n * p->ho + iy * p->sh) * p->wo) * cout;
    for (int g = 0; g < p->groups; g++)
      for (int j = 0; j < p->panels; j++) {
        const f32 *wp = w + (g * p->panels + j) * pstride;
        const int32_t *oj = off + (g * p->panels + j) * SC_NR;
        const int nv = ncol - j * SC_NR < SC_NR ? ncol - j * SC_NR : SC_NR;
        for (int ix = 0; ix < p->w; ix += SC_MR) {
          const int m = p->w - ix < SC_MR ? p->w - ix : SC_MR;
          const f32 *p0 = xr + ix * cin + g * cpg;
          const f32 *p1 = m > 1 ? p0 + cin : p0, *p2 = m > 2 ? p0 + 2 * cin : p0, *p3 = m > 3 ? p0 + 3 * cin : p0;
          f32x4 a0 = load4(wp), a1 = a0, a2 = a0, a3 = a0;
          const f32 *wk = wp + SC_NR;
          for (int k = 0; k < cpg; k++, wk += SC_NR) {
            f32x4 wv = load4(wk);
            a0 = madd(wasm_v128_load32_splat(p0 + k), wv, a0);
            a1 = madd(wasm_v128_load32_splat(p1 + k), wv, a1);
            a2 = madd(wasm_v128_load32_splat(p2 + k), wv, a2);
            a3 = madd(wasm_v128_load32_splat(p3 + k), wv, a3);
          }
          f32 *yc = yr + ix * p->sw * cout;
          const int step = p->sw * cout;
          convt_put(yc, oj, a0, nv);
          if (m > 1) convt_put(yc + step, oj, a1, nv);
          if (m > 2) convt_put(yc + 2 * step, oj, a2, nv);
          if (m > 3) convt_put(yc + 3 * step, oj, a3, nv);
        }
      }
  }
}

// A block of MR output pixels of one phase, ox = phase + sw·(jb + m), × NR output channels of panel wp (nv valid):
// every tap (ky, kx) that reaches the phase reads input pixels ix = jb + m + (phase + pl − kx·dw) / sw, consecutive
// like a stride-1 conv's (outside the input: the zero row).
static inline void convt_block(const convt_params *p, f32 *yr, const f32 *xn, const f32 *zero, const f32 *wp,
                               int oy, int phase, int jb, int m, int g, int nv) {
  const int cin = p->cin, cpg = p->cpg, kw = p->kw, w = p->w, tap = cpg * NR;
  const f32x4 bl = load4(wp), bh = load4(wp + 4);
  wp += NR;
  const int m_ = m;
  // a missing pixel of a short block repeats pixel 0 (computed, never stored)
#define CONVT_INIT(m) f32x4 a##m##l = bl, a##m##h = bh; const int j##m = m < m_ ? jb + m : jb;
  PIXELS(CONVT_INIT)
  for (int ky = 0; ky < p->kh; ky++) {
    const int ty = oy + p->pt - ky * p->dh;
    if (ty < 0 || ty % p->sh) continue;
    const int iy = ty / p->sh;
    if (iy >= p->h) continue;
    const f32 *row = xn + iy * w * cin + g * cpg;
    for (int kx = 0; kx < kw; kx++) {
      const int tx = phase + p->pl - kx * p->dw;
      if (tx % p->sw) continue;
      const int b = tx / p->sw;
#define CONVT_TAP(m) const f32 *p##m = (unsigned)(j##m + b) < (unsigned)w ? row + (j##m + b) * cin : zero;
      PIXELS(CONVT_TAP)
      CONV_KLOOP(cpg, wp + (ky * kw + kx) * tap);
    }
  }
  const int step = p->sw * p->cout;
  f32 *y = yr + (phase + p->sw * jb) * p->cout;
#define CONVT_OUT(m) if (m < m_) store_nv(y + m * step, a##m##l, a##m##h, nv);
  PIXELS(CONVT_OUT)
}

// w: per group, per panel of NR output channels: [NR bias][kh][kw][Cin/group][NR]; zero: Cin/group zeros.
EXPORT(convt_gather)(const convt_params *p, f32 *y, const f32 *x, const f32 *w, const f32 *zero, int t0, int t1) {
  const int pstride = NR + p->kh * p->kw * p->cpg * NR;
  for (int u = t0; u < t1; u++) {
    const int n = u / p->ho, oy = u - n * p->ho;
    const f32 *xn = x + n * p->h * p->w * p->cin;
    f32 *yr = y + u * p->wo * p->cout;
    for (int g = 0; g < p->groups; g++)
      for (int j = 0; j < p->panels; j++) {
        const f32 *wp = w + (g * p->panels + j) * pstride;
        const int oc = g * p->opg + j * NR;
        const int nv = p->opg - j * NR < NR ? p->opg - j * NR : NR;
        for (int phase = 0; phase < p->sw && phase < p->wo; phase++) {
          const int count = (p->wo - phase + p->sw - 1) / p->sw;
          for (int j0 = 0; j0 < count; j0 += MR)
            convt_block(p, yr + oc, xn, zero, wp, oy, phase, j0, count - j0 < MR ? count - j0 : MR, g, nv);
        }
      }
  }
}
