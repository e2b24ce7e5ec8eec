#include "sc.h"
#include "lanes.h"

// Depthwise convolution, NHWC, as XNNPACK's unipass dwconv: for each output pixel one input pointer per tap (a pointer
// to a zero vector where the tap falls in the padding, so borders need no padded copy of the input), then the
// channels 8 at a time, each accumulator starting from the bias and taking one multiply-add per tap. 3×3 and 5×5 with
// multiplier 1 have such fixed paths (interior pixels DW_PX at a time); any other kernel or multiplier takes a generic
// row loop that visits only the taps inside the input.
//
// Everything but the tensors lives in one read-only block the builder packs (src/cpu/arena/ops/conv-depthwise.ts):
//   dw_params (DW_HEADER floats) | zero vector [cpad] | per 8-channel group: bias[8], then kh·kw taps × 8.
// cpad = cout rounded up to 8; the tail group is zero-padded. Output channel c·mult+j reads input channel c.

#define DW_HEADER 32
#define DW_GROUP 8
// Output pixels a step of the interior loop computes together (their taps all inside the input).
#define DW_PX 4
// The largest kernel side with a fixed path (5×5); fixed-size arrays that clang keeps in locals, never on the stack.
#define DW_KMAX 5

typedef struct {
  int32_t h, w, cin, ho, wo, cout, kh, kw, sh, sw, dh, dw, pt, pl, mult, act, post;
  f32 act_a, act_b, post_a, post_b;
} dw_params;

#define UNROLL _Pragma("clang loop unroll(full)")

// The first n lanes of v to o (all four when n >= 4).
static inline void store_n(f32 *o, f32x4 v, int n) {
  if (n >= 4) store4(o, v);
  else store_first(o, v, n);
}

// Four output channels starting at oc of the input pixel px: one load, or a gather when mult > 1.
static inline f32x4 load_in(const f32 *px, int oc, int mult) {
  if (mult == 1) return load4(px + oc);
  return wasm_f32x4_make(px[oc / mult], px[(oc + 1) / mult], px[(oc + 2) / mult], px[(oc + 3) / mult]);
}

// The epilogue of PX pixels × 4·V channels from c (n of them left): act, then the residual and the activation after
// it when there is one; its branches once per call, not per vector, and clamps (none, relu, relu6) inline.
static inline __attribute__((always_inline)) void finish(const dw_params *p, f32x4 *acc, f32 *o, const f32 *r, int c,
                                                         int n, const int PX, const int V) {
  if (p->act == ACT_CLAMP) {
    const f32x4 lo = splat(p->act_a), hi = splat(p->act_b);
    UNROLL for (int i = 0; i < PX * V; i++) acc[i] = clamp4(acc[i], lo, hi);
  } else {
    UNROLL for (int i = 0; i < PX * V; i++) acc[i] = act4(acc[i], p->act, p->act_a, p->act_b);
  }
  if (r) {
    UNROLL for (int i = 0; i < PX * V; i++)
      acc[i] = act4(wasm_f32x4_add(acc[i], load4(r + (i / V) * p->cout + c + 4 * (i % V))), p->post, p->post_a, p->post_b);
  }
  UNROLL for (int q = 0; q < PX; q++) UNROLL for (int v = 0; v < V; v++) store_n(o + q * p->cout + c + 4 * v, acc[q * V + v], n - 4 * v);
}

// PX output pixels (xs floats apart in the input) × 4·V channels from c: each tap's weights are loaded once for the
// PX pixels. w: the channel group's weights (offset to the half the channels start in); n: channels left from c.
static inline __attribute__((always_inline)) void tile(const dw_params *p, f32 *o, const f32 *const *ip, int xs,
                                                       const f32 *w, int c, const f32 *r, int n,
                                                       const int T, const int PX, const int V) {
  f32x4 acc[DW_PX * 2];
  UNROLL for (int i = 0; i < PX * V; i++) acc[i] = load4(w + 4 * (i % V));
  UNROLL for (int t = 0; t < T; t++) {
    UNROLL for (int v = 0; v < V; v++) {
      const f32x4 k = load4(w + DW_GROUP * (t + 1) + 4 * v);
      UNROLL for (int q = 0; q < PX; q++) acc[q * V + v] = madd(load4(ip[t] + q * xs + c + 4 * v), k, acc[q * V + v]);
    }
  }
  finish(p, acc, o, r, c, n, PX, V);
}

// All channels of PX output pixels, 8 at a time, then the tail 4 at a time.
static inline __attribute__((always_inline)) void pixels(const dw_params *p, const f32 *w, f32 *o, const f32 *const *ip,
                                                         int xs, const f32 *r, const int T, const int PX) {
  const int C = p->cin, GS = DW_GROUP * (1 + T);
  int c = 0;
  for (; c + DW_GROUP <= C; c += DW_GROUP, w += GS) tile(p, o, ip, xs, w, c, r, DW_GROUP, T, PX, 2);
  for (int h = 0; c + h < C; h += 4) tile(p, o, ip, xs, w + h, c + h, r, C - c - h, T, PX, 1);
}

// One output row of a KH×KW kernel with mult 1. The taps' pointers live in locals once the loops are unrolled; a
// tap in the padding points at the zero vector (edge pixels, one at a time), interior pixels go DW_PX at a time.
static inline __attribute__((always_inline)) void row_fixed(const dw_params *p, const f32 *zero, const f32 *w, f32 *o,
                                                            const f32 *x, const f32 *r, int oy, const int KH, const int KW) {
  const int C = p->cin, W = p->w, T = KH * KW, xs = p->sw * C;
  const f32 *rows[DW_KMAX];
  const f32 *ip[DW_KMAX * DW_KMAX];
  int inside = 1;
  UNROLL for (int ky = 0; ky < KH; ky++) {
    int iy = oy * p->sh - p->pt + ky * p->dh;
    rows[ky] = iy >= 0 && iy < p->h ? x + iy * W * C : 0;
    inside &= rows[ky] != 0;
  }
  for (int ox = 0; ox < p->wo;) {
    const int ix = ox * p->sw - p->pl;
    if (inside && ix >= 0 && ix + (DW_PX - 1) * p->sw + (KW - 1) * p->dw < W && ox + DW_PX <= p->wo) {
      UNROLL for (int ky = 0; ky < KH; ky++) UNROLL for (int kx = 0; kx < KW; kx++) ip[ky * KW + kx] = rows[ky] + (ix + kx * p->dw) * C;
      pixels(p, w, o, ip, xs, r, T, DW_PX);
      ox += DW_PX, o += DW_PX * C, r = r ? r + DW_PX * C : 0;
      continue;
    }
    UNROLL for (int kx = 0; kx < KW; kx++) {
      const int jx = ix + kx * p->dw, in = jx >= 0 && jx < W;
      UNROLL for (int ky = 0; ky < KH; ky++) ip[ky * KW + kx] = in && rows[ky] ? rows[ky] + jx * C : zero;
    }
    pixels(p, w, o, ip, 0, r, T, 1);
    ox += 1, o += C, r = r ? r + C : 0;
  }
}

// First and one past the last tap k (of n) whose input coordinate base + k·d lies in [0, size).
static inline int tap_lo(int base, int d, int n) { int k = 0; while (k < n && base + k * d < 0) k++; return k; }
static inline int tap_hi(int base, int d, int n, int size) { while (n > 0 && base + (n - 1) * d >= size) n--; return n; }

// One output row, any kernel size and multiplier: only the taps inside the input are visited.
static inline __attribute__((always_inline)) void row_any(const dw_params *p, const f32 *wts, f32 *o, const f32 *x,
                                                          const f32 *r, int oy) {
  const int C = p->cin, CO = p->cout, W = p->w, KW = p->kw, GS = DW_GROUP * (1 + p->kh * p->kw);
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
      finish(p, &a, o, r, c, CO - c, 1, 1);
    }
  }
}

// Output rows [t0, t1) of all images (row t is row t % ho of image t / ho). res: the residual (same layout as out),
// or 0 for none.
EXPORT(dw_conv)(const dw_params *params, f32 *out, const f32 *in, const f32 *res, int t0, int t1) {
  // A local copy: the compiler cannot otherwise tell that the output stores leave the parameters unchanged.
  const dw_params P = *params, *p = &P;
  const f32 *zero = (const f32 *)params + DW_HEADER, *w = zero + ((p->cout + DW_GROUP - 1) & ~(DW_GROUP - 1));
  const int rowOut = p->wo * p->cout, image = p->h * p->w * p->cin;
  const int fixed = p->mult == 1 ? (p->kh == 3 && p->kw == 3 ? 3 : p->kh == 5 && p->kw == 5 ? 5 : 0) : 0;
  for (int t = t0; t < t1; t++) {
    const int n = t / p->ho, oy = t % p->ho;
    f32 *o = out + t * rowOut;
    const f32 *x = in + n * image, *r = res ? res + t * rowOut : 0;
    if (fixed == 3) row_fixed(p, zero, w, o, x, r, oy, 3, 3);
    else if (fixed == 5) row_fixed(p, zero, w, o, x, r, oy, 5, 5);
    else row_any(p, w, o, x, r, oy);
  }
}
