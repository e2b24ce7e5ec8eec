#include "sc.h"
#include "lanes.h"

// Depthwise convolution, NHWC. Each output row: the pixels whose taps all lie inside the input columns DW_PX at a
// time, the border pixels one at a time; both visit only the kernel rows (and a border pixel only the columns) inside
// the input. Channels 8 at a time: each accumulator starts from the bias and takes one multiply-add per tap. The
// activation when it is a clamp (none, relu, clip) is applied as the tile is stored; any other activation, the
// residual and the activation after it in one pass over the finished row.
//
// Everything but the tensors lives in one read-only block the builder packs (src/cpu/arena/ops/conv-depthwise.ts):
//   dw_params (DW_HEADER floats) | per 8-channel group: bias[8], then kh·kw taps × 8 (the tail group zero-padded).
// Output channel c·mult+j reads input channel c.

#define DW_HEADER 32
#define DW_GROUP 8
// Interior output pixels a tile computes together (each tap's weights loaded once for all of them); 3 measured
// faster in V8 than 1, 2, 4, 5 or 6.
#define DW_PX 3

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

// Four output channels from oc of the input pixel px (mult > 1: each lane reads input channel oc / mult).
static inline f32x4 gather(const f32 *px, int oc, int mult) {
  return wasm_f32x4_make(px[oc / mult], px[(oc + 1) / mult], px[(oc + 2) / mult], px[(oc + 3) / mult]);
}

// PX output pixels from (by, bx) (the input coordinates of their first tap; sw·C floats apart), all channels, the
// taps in rows [y0, y1) and columns [x0, x1), clamped to [lo, hi] as stored. The tail group's second vector, when it
// has no channel, repeats the first (so no load reaches past a pixel's 16-byte slack) and is not stored. p: a local
// copy (its fields then stay in locals). The tap loops stay loops: unrolling them (3×3, 5×5 copies) measured slower.
static inline __attribute__((always_inline)) void tile(const dw_params *p, const f32 *x, const f32 *w, f32x4 lo,
                                                       f32x4 hi, f32 *o, int by, int bx, int y0, int y1, int x0,
                                                       int x1, const int PX, const int GATHER) {
  const int C = p->cin, CO = p->cout, W = p->w, GS = DW_GROUP * (1 + p->kh * p->kw);
  const int xs = p->sw * C, ds = p->dw * C;
  for (int c = 0; c < CO; c += DW_GROUP, w += GS) {
    const int n = CO - c, c4 = n > 4 ? 4 : 0;
    f32x4 acc[2 * DW_PX];
    UNROLL for (int q = 0; q < PX; q++) acc[2 * q] = load4(w), acc[2 * q + 1] = load4(w + 4);
    for (int ky = y0; ky < y1; ky++) {
      const f32 *xr = x + ((by + ky * p->dh) * W + bx) * C, *wr = w + DW_GROUP * (1 + ky * p->kw);
      for (int kx = x0; kx < x1; kx++) {
        const f32x4 k0 = load4(wr + DW_GROUP * kx), k1 = load4(wr + DW_GROUP * kx + 4);
        const f32 *xp = xr + kx * ds;
        UNROLL for (int q = 0; q < PX; q++) {
          const f32 *xq = xp + q * xs;
          acc[2 * q] = madd(GATHER ? gather(xq, c, p->mult) : load4(xq + c), k0, acc[2 * q]);
          acc[2 * q + 1] = madd(GATHER ? gather(xq, c + c4, p->mult) : load4(xq + c + c4), k1, acc[2 * q + 1]);
        }
      }
    }
    UNROLL for (int q = 0; q < PX; q++) {
      f32 *oq = o + q * CO + c;
      store_n(oq, clamp4(acc[2 * q], lo, hi), n);
      if (n > 4) store_n(oq + 4, clamp4(acc[2 * q + 1], lo, hi), n - 4);
    }
  }
}

// First and one past the last tap k (of n) whose input coordinate base + k·d lies in [0, size).
static inline int tap_lo(int base, int d, int n) { int k = 0; while (k < n && base + k * d < 0) k++; return k; }
static inline int tap_hi(int base, int d, int n, int size) { while (n > 0 && base + (n - 1) * d >= size) n--; return n; }

static inline const f32 *weights(const dw_params *params) { return (const f32 *)params + DW_HEADER; }

// One output pixel: only the taps inside the input (any multiplier).
static __attribute__((noinline)) void single(const dw_params *params, const f32 *x, f32x4 lo, f32x4 hi, f32 *o,
                                             int by, int bx, int y0, int y1) {
  const dw_params P = *params, *p = &P;
  const int x0 = tap_lo(bx, p->dw, p->kw), x1 = tap_hi(bx, p->dw, p->kw, p->w);
  if (p->mult == 1) tile(p, x, weights(params), lo, hi, o, by, bx, y0, y1, x0, x1, 1, 0);
  else tile(p, x, weights(params), lo, hi, o, by, bx, y0, y1, x0, x1, 1, 1);
}

// Output row oy of the image x: with multiplier 1, interior pixels (all their kernel columns inside the input)
// DW_PX at a time; the others by single().
static __attribute__((noinline)) void row(const dw_params *params, const f32 *x, f32 *o, int oy) {
  const dw_params P = *params, *p = &P;
  const int clamp = p->act == ACT_CLAMP, CO = p->cout;
  const f32x4 lo = splat(clamp ? p->act_a : -__builtin_inff()), hi = splat(clamp ? p->act_b : __builtin_inff());
  const f32 *w = weights(params);
  const int by = oy * p->sh - p->pt, y0 = tap_lo(by, p->dh, p->kh), y1 = tap_hi(by, p->dh, p->kh, p->h);
  // Output columns [xa, xb) have every kernel column inside the input.
  const int xa = p->mult == 1 ? (p->pl + p->sw - 1) / p->sw : p->wo, last = p->w - 1 + p->pl - (p->kw - 1) * p->dw;
  const int xb = last < 0 ? 0 : last / p->sw + 1 < p->wo ? last / p->sw + 1 : p->wo;
  for (int ox = 0; ox < p->wo;) {
    const int bx = ox * p->sw - p->pl;
    if (ox >= xa && ox + DW_PX <= xb) {
      tile(p, x, w, lo, hi, o + ox * CO, by, bx, y0, y1, 0, p->kw, DW_PX, 0);
      ox += DW_PX;
    } else {
      single(params, x, lo, hi, o + ox * CO, by, bx, y0, y1);
      ox++;
    }
  }
}

// The activation other than a clamp, then the residual and the activation after it, over n floats of finished output.
static __attribute__((noinline)) void epilogue(const dw_params *p, f32 *o, const f32 *r, int n) {
  for (int i = 0; i < n; i += 4) {
    f32x4 v = load4(o + i);
    if (p->act != ACT_CLAMP) v = act4(v, p->act, p->act_a, p->act_b);
    if (r) v = act4(wasm_f32x4_add(v, load4(r + i)), p->post, p->post_a, p->post_b);
    store_n(o + i, v, n - i);
  }
}

// Output rows [t0, t1) of all images (row t is row t % ho of image t / ho). res: the residual (same layout as out),
// or 0 for none.
EXPORT(dw_conv)(const dw_params *p, f32 *out, const f32 *in, const f32 *res, int t0, int t1) {
  const int rowOut = p->wo * p->cout, image = p->h * p->w * p->cin;
  for (int t = t0; t < t1; t++) {
    f32 *o = out + t * rowOut;
    row(p, in + (t / p->ho) * image, o, t % p->ho);
    if (p->act != ACT_CLAMP || res) epilogue(p, o, res ? res + t * rowOut : 0, rowOut);
  }
}
