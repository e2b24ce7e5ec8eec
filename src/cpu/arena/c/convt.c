#include "sc.h"

// Transposed convolution on NHWC, two ways (ops/convtranspose.ts picks):
// - convt_scatter, for kernel = stride, no pads, no dilation, no output padding: the taps of two input pixels never
//   meet, so each input pixel is one GEMM row x[Cin/group] · W[Cin/group][kh·kw·Cout/group] written straight into
//   its kh×kw output patch. Blocks of MR input pixels × NR columns; the columns' output offsets (relative to the
//   pixel's patch corner) come packed with the weights. Units: input rows n·H + iy (disjoint output rows).
// - convt_gather, anything else: each output pixel sums the taps that reach it (oy + pad − ky·dilation a multiple
//   of the stride), NR output channels at a time. Units: output rows n·Ho + oy.
// Both are bitwise the same however the units are split.

#define MR 4
#define NR 4

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

// w: per group, per panel of NR columns (ky, kx, o): [NR bias][Cin/group][NR]; off: per group, per column, the
// output offset of that column from the patch corner (int32, padded to whole panels).
EXPORT(convt_scatter)(const convt_params *p, f32 *y, const f32 *x, const f32 *w, const int32_t *off, int t0, int t1) {
  const int cin = p->cin, cpg = p->cpg, cout = p->cout, ncol = p->kh * p->kw * p->opg;
  const int pstride = NR + cpg * NR;
  for (int u = t0; u < t1; u++) {
    const int n = u / p->h, iy = u - n * p->h;
    const f32 *xr = x + u * p->w * cin;
    f32 *yr = y + ((n * p->ho + iy * p->sh) * p->wo) * cout;
    for (int g = 0; g < p->groups; g++)
      for (int j = 0; j < p->panels; j++) {
        const f32 *wp = w + (g * p->panels + j) * pstride;
        const int32_t *oj = off + (g * p->panels + j) * NR;
        const int nv = ncol - j * NR < NR ? ncol - j * NR : NR;
        for (int ix = 0; ix < p->w; ix += MR) {
          const int m = p->w - ix < MR ? p->w - ix : MR;
          const f32 *p0 = xr + ix * cin + g * cpg;
          const f32 *p1 = m > 1 ? p0 + cin : p0, *p2 = m > 2 ? p0 + 2 * cin : p0, *p3 = m > 3 ? p0 + 3 * cin : p0;
          f32x4 a0 = load4(wp), a1 = a0, a2 = a0, a3 = a0;
          const f32 *wk = wp + NR;
          for (int k = 0; k < cpg; k++, wk += NR) {
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

// w: per group, per panel of NR output channels: [NR bias][kh][kw][Cin/group][NR].
EXPORT(convt_gather)(const convt_params *p, f32 *y, const f32 *x, const f32 *w, int t0, int t1) {
  const int cin = p->cin, cpg = p->cpg, cout = p->cout, kw = p->kw;
  const int tap = cpg * NR, pstride = NR + p->kh * kw * tap;
  for (int u = t0; u < t1; u++) {
    const int n = u / p->ho, oy = u - n * p->ho;
    const f32 *xn = x + n * p->h * p->w * cin;
    f32 *yr = y + u * p->wo * cout;
    for (int ox = 0; ox < p->wo; ox++)
      for (int g = 0; g < p->groups; g++)
        for (int j = 0; j < p->panels; j++) {
          const f32 *wp = w + (g * p->panels + j) * pstride;
          const int oc = g * p->opg + j * NR;
          const int nv = p->opg - j * NR < NR ? p->opg - j * NR : NR;
          f32x4 acc = load4(wp);
          for (int ky = 0; ky < p->kh; ky++) {
            const int ty = oy + p->pt - ky * p->dh;
            if (ty < 0 || ty % p->sh) continue;
            const int iy = ty / p->sh;
            if (iy >= p->h) continue;
            for (int kx = 0; kx < kw; kx++) {
              const int tx = ox + p->pl - kx * p->dw;
              if (tx < 0 || tx % p->sw) continue;
              const int ix = tx / p->sw;
              if (ix >= p->w) continue;
              const f32 *xp = xn + (iy * p->w + ix) * cin + g * cpg;
              const f32 *wk = wp + NR + (ky * kw + kx) * tap;
              for (int k = 0; k < cpg; k++, wk += NR) acc = madd(wasm_v128_load32_splat(xp + k), load4(wk), acc);
            }
          }
          f32 *yc = yr + ox * cout + oc;
          if (nv == NR) {
            store4(yc, acc);
            continue;
          }
          yc[0] = wasm_f32x4_extract_lane(acc, 0);
          if (nv > 1) yc[1] = wasm_f32x4_extract_lane(acc, 1);
          if (nv > 2) yc[2] = wasm_f32x4_extract_lane(acc, 2);
        }
  }
}
