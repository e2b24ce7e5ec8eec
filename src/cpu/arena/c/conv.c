// Regular convolution on NHWC (any kernel, stride, dilation, zero padding, groups), as an implicit GEMM over the
// taps: a block of MR output pixels × NR output channels stays in registers while K runs over the taps' input
// channels (XNNPACK's f32 igemm). Padding is read from a zero row of Cin/group floats (the
// weights region) in place of the missing input pixel, so there is no padded copy. Where a block's pixels are all
// inside the input horizontally, the group is the whole input and the kernel is not dilated across, the kw taps
// of one kernel row are kw·Cin consecutive floats (NHWC), read as one run: with Cin = 3 (a network's first layer)
// this makes K = 9 or 15 per kernel row instead of 3 per tap.
//
// Two register blocks from one template (conv-block.h): 4 pixels where K runs are short (Cin ≤ 4: a first layer,
// 9 or 15 per kernel row), 6 elsewhere; both with input values loaded 4 channels at a time and broadcast by lane
// (XNNPACK's "s4"), the last K % 4 by load-splat.
//
// Weights (ops/conv-general.ts): per group, per panel of NR output channels: [NR bias][kh][kw][Cin/group][NR],
// channels past the group's end zero. Units (tiles) are output rows n·Ho + oy; each pixel's sums run in the same
// order whatever the split, so results are bitwise the same.

#include "conv-kloop.h"

typedef struct {
  int32_t h, w, cin, ho, wo, cout;
  int32_t kh, kw, sh, sw, dh, dw, pt, pl;
  int32_t groups, cpg, opg, panels;
  int32_t act; f32 a, b;
  int32_t post; f32 pa, pb;
} conv_params;

static __attribute__((noinline)) f32x4 conv_sigmoid(f32x4 v) { return sigmoid4(v); }

// act4 with the sigmoid (long) a call, so that the epilogue inlined per pixel stays short
static inline f32x4 conv_act(f32x4 v, int kind, f32 a, f32 b) {
  return kind == ACT_SIGMOID ? conv_sigmoid(v) : act4(v, kind, a, b);
}

// The epilogue of one pixel's NR channels: act, + residual, post act; stores the first nv channels.
static inline __attribute__((always_inline)) void conv_store(const conv_params *p, f32 *y, const f32 *r, f32x4 lo,
                                                             f32x4 hi, int nv) {
  lo = conv_act(lo, p->act, p->a, p->b);
  hi = conv_act(hi, p->act, p->a, p->b);
  if (r) {
    lo = conv_act(wasm_f32x4_add(lo, load4(r)), p->post, p->pa, p->pb);
    if (nv > 4) hi = conv_act(wasm_f32x4_add(hi, load4(r + 4)), p->post, p->pa, p->pb);
  }
  store_nv(y, lo, hi, nv);
}

#define MR 4
#define PIXELS(F) F(0) F(1) F(2) F(3)
// Measured (bench/arena-conv.ts, Chromium and Node, x86): load-splat is faster for runs of 15 (5×5 over 3 channels)
// and more, s4 for the runs of 9 of a 3×3 first layer (7 %).
#define KLOOP(K, WP) if ((K) < 12) CONV_KLOOP(K, WP); else CONV_KLOOP_LS(K, WP);
#define CONV_BLOCK conv_block
#include "conv-block.h"

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
