#include "sc.h"

// Depthwise convolution, NHWC, as XNNPACK's unipass dwconv: for each output pixel one input pointer per tap (a pointer
// to a zero vector where the tap falls in the padding, so borders need no padded copy of the input), then the
// channels 8 at a time, each accumulator starting from the bias and taking one multiply-add per tap.
//
// Everything but the tensors lives in one read-only block the builder packs (src/cpu/arena/ops/conv-depthwise.ts):
//   dw_params (DW_HEADER floats) | zero vector [cpad] | per 8-channel group: bias[8], then kh·kw taps × 8.
// cpad = cout rounded up to 8; the tail group is zero-padded. Output channel c·mult+j reads input channel c.

#define DW_HEADER 32
#define DW_GROUP 8

typedef struct {
  int32_t h, w, cin, ho, wo, cout, kh, kw, sh, sw, dh, dw, pt, pl, mult, act, post;
  f32 act_a, act_b, post_a, post_b;
} dw_params;

#define UNROLL _Pragma("clang loop unroll(full)")

// The first n (1..4) lanes of v to o.
static inline void store_n(f32 *o, f32x4 v, int n) {
  if (n >= 4) { store4(o, v); return; }
  if (n & 2) { wasm_v128_store64_lane(o, v, 0); o += 2; v = wasm_i64x2_shuffle(v, v, 1, 1); }
  if (n & 1) wasm_v128_store32_lane(o, v, 0);
}

// act(acc), plus the residual and the activation after it when there is one.
static inline f32x4 epilogue(const dw_params *p, f32x4 v, const f32 *r) {
  v = act4(v, p->act, p->act_a, p->act_b);
  if (r) v = act4(wasm_f32x4_add(v, load4(r)), p->post, p->post_a, p->post_b);
  return v;
}

// Four output channels starting at oc of the input pixel px: one load, or a gather when mult > 1.
static inline f32x4 load_in(const f32 *px, int oc, int mult) {
  if (mult == 1) return load4(px + oc);
  return wasm_f32x4_make(px[oc / mult], px[(oc + 1) / mult], px[(oc + 2) / mult], px[(oc + 3) / mult]);
}

// One output row of a KH×KW kernel with mult 1: the taps' pointers live in locals once the loops are unrolled.
static inline __attribute__((always_inline)) void row_fixed(const dw_params *p, f32 *o, const f32 *x, const f32 *r,
                                                            int oy, const int KH, const int KW) {
  const int C = p->cin, W = p->w, T = KH * KW, GS = DW_GROUP * (1 + KH * KW);
  const f32 *zero = (const f32 *)p + DW_HEADER;
  const f32 *wts = zero + ((p->cout + DW_GROUP - 1) & ~(DW_GROUP - 1));
  const f32 *rows[KH];
  const f32 *ip[KH * KW];
  UNROLL for (int ky = 0; ky < KH; ky++) {
    int iy = oy * p->sh - p->pt + ky * p->dh;
    rows[ky] = iy >= 0 && iy < p->h ? x + iy * W * C : 0;
  }
  for (int ox = 0; ox < p->wo; ox++, o += C, r = r ? r + C : 0) {
    UNROLL for (int kx = 0; kx < KW; kx++) {
      int ix = ox * p->sw - p->pl + kx * p->dw;
      int in = ix >= 0 && ix < W;
      UNROLL for (int ky = 0; ky < KH; ky++) ip[ky * KW + kx] = in && rows[ky] ? rows[ky] + ix * C : zero;
    }
    const f32 *w = wts;
    int c = 0;
    for (; c + DW_GROUP <= C; c += DW_GROUP, w += GS) {
      f32x4 a0 = load4(w), a1 = load4(w + 4);
      UNROLL for (int t = 0; t < T; t++) {
        a0 = madd(load4(ip[t] + c), load4(w + DW_GROUP * (t + 1)), a0);
        a1 = madd(load4(ip[t] + c + 4), load4(w + DW_GROUP * (t + 1) + 4), a1);
      }
      store4(o + c, epilogue(p, a0, r ? r + c : 0));
      store4(o + c + 4, epilogue(p, a1, r ? r + c + 4 : 0));
    }
    for (int h = 0; c + h < C; h += 4) {
      f32x4 a = load4(w + h);
      UNROLL for (int t = 0; t < T; t++) a = madd(load4(ip[t] + c + h), load4(w + DW_GROUP * (t + 1) + h), a);
      store_n(o + c + h, epilogue(p, a, r ? r + c + h : 0), C - c - h);
    }
  }
}

// First and one past the last tap k (of n) whose input coordinate base + k·d lies in [0, size).
static inline int tap_lo(int base, int d, int n) { int k = 0; while (k < n && base + k * d < 0) k++; return k; }
static inline int tap_hi(int base, int d, int n, int size) { while (n > 0 && base + (n - 1) * d >= size) n--; return n; }

// One output row, any kernel size and multiplier: only the taps inside the input are visited.
static void row_any(const dw_params *p, f32 *o, const f32 *x, const f32 *r, int oy) {
  const int C = p->cin, CO = p->cout, W = p->w, KW = p->kw, GS = DW_GROUP * (1 + p->kh * p->kw);
  const f32 *wts = (const f32 *)p + DW_HEADER + ((CO + DW_GROUP - 1) & ~(DW_GROUP - 1));
  const int by = oy * p->sh - p->pt;
  const int y0 = tap_lo(by, p->dh, p->kh), y1 = tap_hi(by, p->dh, p->kh, p->h);
  for (int ox = 0; ox < p->wo; ox++, o += CO, r = r ? r + CO : 0) {
    const int bx = ox * p->sw - p->pl;
    const int x0 = tap_lo(bx, p->dw, KW), x1 = tap_hi(bx, p->dw, KW, W);
    for (int c = 0; c < CO; c += 4) {
      const f32 *w = wts + (c / DW_GROUP) * GS + (c % DW_GROUP);
      f32x4 a = load4(w);
      for (int ky = y0; ky < y1; ky++) {
        const f32 *xr = x + (by + ky * p->dh) * W * C;
        for (int kx = x0; kx < x1; kx++)
          a = madd(load_in(xr + (bx + kx * p->dw) * C, c, p->mult), load4(w + DW_GROUP * (1 + ky * KW + kx)), a);
      }
      store_n(o + c, epilogue(p, a, r ? r + c : 0), CO - c);
    }
  }
}

// Output rows [t0, t1) of all images (row t is row t % ho of image t / ho). res: the residual (same layout as out),
// or 0 for none.
EXPORT(dw_conv)(const dw_params *p, f32 *out, const f32 *in, const f32 *res, int t0, int t1) {
  const int rowOut = p->wo * p->cout, image = p->h * p->w * p->cin;
  const int fixed = p->mult == 1 ? (p->kh == 3 && p->kw == 3 ? 3 : p->kh == 5 && p->kw == 5 ? 5 : 0) : 0;
  for (int t = t0; t < t1; t++) {
    const int n = t / p->ho, oy = t % p->ho;
    f32 *o = out + t * rowOut;
    const f32 *x = in + n * image, *r = res ? res + t * rowOut : 0;
    if (fixed == 3) row_fixed(p, o, x, r, oy, 3, 3);
    else if (fixed == 5) row_fixed(p, o, x, r, oy, 5, 5);
    else row_any(p, o, x, r, oy);
  }
}
