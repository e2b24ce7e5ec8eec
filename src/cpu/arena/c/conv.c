// Regular convolution on NHWC (any kernel, stride, dilation, zero padding, groups), as an implicit GEMM over the
// taps: a block of MR output pixels × NR output channels stays in registers while K runs over the taps' input
// channels (XNNPACK's f32 igemm). Padding is read from a zero row of Cin/group floats (the
// weights region) in place of the missing input pixel, so there is no padded copy. Where a block's pixels are all
// inside the input horizontally, the group is the whole input and the kernel is not dilated across, the kw taps
// of one kernel row are kw·Cin consecutive floats (NHWC), read as one run: with Cin = 3 (a network's first layer)
// this makes K = 9 or 15 per kernel row instead of 3 per tap.
//
// The register block is 4 pixels × 8 channels (8 accumulators: with its operands it fits x86's 16 vector registers;
// 6 pixels spilled, 2× slower on 32→64 3×3), from a template (conv-block.h) given its K loop: each input value
// load-splat (XNNPACK's "loadsplat", gemm.c's choice too). A second instance loading the input 4 channels at a time
// and broadcasting it by lane ("s4") for runs under 12 floats measured 2–4 % faster on the 3×3 first layers in
// Chromium (13 % slower in Node 20) and cost 1.7 KiB of the CPU app's gzip, which gemm.c's clamp-only copy needed.
// The epilogue is inlined whole: a call in it (even for the sigmoid alone) slowed the 3×3 first layers by 3 %.
//
// With `nchw` set, y (and the residual) are NCHW instead (a graph output written as the graph wants it): each
// 4-pixel × 4-channel quarter of the block is transposed into 4-pixel runs of the channel planes.
//
// Weights (ops/conv-general.ts): per group, per panel of NR output channels: [NR bias][kh][kw][Cin/group][NR],
// channels past the group's end zero. Units (tiles) are output rows n·Ho + oy; each pixel's sums run in the same
// order whatever the split, so results are bitwise the same.

#include "conv-kloop.h"
#include "planes.h"

typedef struct {
  int32_t h, w, cin, ho, wo, cout;
  int32_t kh, kw, sh, sw, dh, dw, pt, pl;
  int32_t groups, cpg, opg, panels;
  int32_t act; f32 a, b;
  int32_t post; f32 pa, pb;
  int32_t nchw;
} conv_params;

// The epilogue of one pixel's NR channels: act, + residual, post act; stores the first nv channels.
static inline __attribute__((always_inline)) void conv_store(const conv_params *p, f32 *y, const f32 *r, f32x4 lo,
                                                             f32x4 hi, int nv) {
  lo = act4(lo, p->act, p->a, p->b);
  hi = act4(hi, p->act, p->a, p->b);
  if (r) {
    lo = act4(wasm_f32x4_add(lo, load4(r)), p->post, p->pa, p->pb);
    if (nv > 4) hi = act4(wasm_f32x4_add(hi, load4(r + 4)), p->post, p->pa, p->pb);
  }
  store_nv(y, lo, hi, nv);
}

// The same for one channel's run of m ≤ 4 pixels (NCHW output): planes.h's run epilogue.
static inline __attribute__((always_inline)) void conv_store_run(const conv_params *p, f32 *y, const f32 *r, f32x4 v,
                                                                 int m) {
  store_run_act(y, r, v, m, p->act, p->a, p->b, p->post, p->pa, p->pb);
}

// m ≤ 4 pixels × nc ≤ 4 channels, v{i} being pixel i's channels, into channel planes `plane` floats apart.
static inline __attribute__((always_inline)) void conv_store_planes(const conv_params *p, f32 *y, const f32 *r,
                                                                    int plane, f32x4 v0, f32x4 v1, f32x4 v2, f32x4 v3,
                                                                    int nc, int m) {
  TRANSPOSE4(v0, v1, v2, v3);
  conv_store_run(p, y, r, v0, m);
  if (nc > 1) conv_store_run(p, y + plane, r ? r + plane : 0, v1, m);
  if (nc > 2) conv_store_run(p, y + 2 * plane, r ? r + 2 * plane : 0, v2, m);
  if (nc > 3) conv_store_run(p, y + 3 * plane, r ? r + 3 * plane : 0, v3, m);
}

#define MR 4
#define PIXELS(F) F(0) F(1) F(2) F(3)
#define KLOOP CONV_KLOOP_LS
#define CONV_BLOCK conv_block_ls
#include "conv-block.h"

// y[n][oy][ox][cout] for output rows t0 ≤ n·Ho + oy < t1. res: the fused residual (same layout as y) or 0.
EXPORT(conv_nhwc)(const conv_params *p, f32 *y, const f32 *x, const f32 *w, const f32 *zero, const f32 *res,
                  int t0, int t1) {
  const int pstride = NR + p->kh * p->kw * p->cpg * NR;
  const int plane = p->ho * p->wo;
  for (int u = t0; u < t1; u++) {
    const int n = u / p->ho, oy = u - n * p->ho;
    const f32 *xn = x + n * p->h * p->w * p->cin;
    // this row's first pixel, and how far apart two channels are
    const int at = p->nchw ? n * p->cout * plane + oy * p->wo : u * p->wo * p->cout, cs = p->nchw ? plane : 1;
    f32 *yr = y + at;
    const f32 *rr = res ? res + at : 0;
    for (int g = 0; g < p->groups; g++)
      for (int j = 0; j < p->panels; j++) {
        const f32 *wp = w + (g * p->panels + j) * pstride;
        const int oc = (g * p->opg + j * NR) * cs;
        const int nv = p->opg - j * NR < NR ? p->opg - j * NR : NR;
        for (int ox = 0; ox < p->wo; ox += MR)
            conv_block_ls(p, yr + oc, rr ? rr + oc : 0, xn, zero, wp, oy, ox, p->wo - ox < MR ? p->wo - ox : MR, g, nv);
      }
  }
}
