#include "lanes.h"

// 2-D max and average pooling over NHWC tensors, one tile per output row (n, oy). Taps outside the input are
// skipped (no padded copy); the average divides by the taps inside the input, or with count_pad by those inside
// the padded input (never those beyond it, which ceil_mode can reach), as src/ops/averagepool.ts does.
// Channels go 16 then 4 at a time; the last partial vector reads up to 3 floats past its pixel (the next pixel's
// channels, or the 16 readable bytes after the tensor) and stores only its valid lanes.

// As ops/pool.ts packs it: i32 fields in this order.
typedef struct { int n, h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, count_pad; } pool_geom;

// Taps t in [*lo, *hi) of k whose index start + t·d lies in [0, size).
static inline void tap_range(int start, int size, int k, int d, int *lo, int *hi) {
  int a = start >= 0 ? 0 : (-start + d - 1) / d;
  int b = start > size - 1 ? 0 : (size - 1 - start) / d + 1;
  a = a < k ? a : k;
  b = b < k ? b : k;
  *lo = a;
  *hi = b > a ? b : a;
}

static inline f32x4 pool_step(int is_max, f32x4 acc, const f32 *p) {
  return is_max ? wasm_f32x4_max(acc, load4(p)) : wasm_f32x4_add(acc, load4(p));
}

// One output pixel's channels [c, c + 4·V) from the taps at p (rows sy apart, columns sx apart).
#define POOL_BLOCK(V)                                                                                              \
  for (; c + 4 * V <= C; c += 4 * V) {                                                                            \
    f32x4 a0 = init, a1 = init, a2 = init, a3 = init;                                                            \
    for (int ty = 0; ty < ny; ty++)                                                                               \
      for (int tx = 0; tx < nx; tx++) {                                                                           \
        const f32 *q = p + ty * sy + tx * sx + c;                                                                 \
        a0 = pool_step(is_max, a0, q);                                                                            \
        if (V > 1) { a1 = pool_step(is_max, a1, q + 4); a2 = pool_step(is_max, a2, q + 8); a3 = pool_step(is_max, a3, q + 12); } \
      }                                                                                                           \
    store4(out + c, is_max ? a0 : wasm_f32x4_div(a0, div));                                                     \
    if (V > 1) {                                                                                                  \
      store4(out + c + 4, is_max ? a1 : wasm_f32x4_div(a1, div));                                               \
      store4(out + c + 8, is_max ? a2 : wasm_f32x4_div(a2, div));                                               \
      store4(out + c + 12, is_max ? a3 : wasm_f32x4_div(a3, div));                                              \
    }                                                                                                             \
  }

static inline __attribute__((always_inline)) void pool_rows(int is_max, f32 *y, const f32 *x, const pool_geom *g, int t0, int t1) {
  const int C = g->c, W = g->w;
  const f32x4 init = splat(is_max ? -__builtin_inff() : 0.0f);
  const int sy = g->dh * W * C, sx = g->dw * C;
  for (int row = t0; row < t1; row++) {
    const int n = row / g->ho, iy = (row % g->ho) * g->sh - g->pt;
    int ky0, ky1, py0, py1;
    tap_range(iy, g->h, g->kh, g->dh, &ky0, &ky1);
    tap_range(iy + g->pt, g->h + g->pt + g->pb, g->kh, g->dh, &py0, &py1);
    const int ny = ky1 - ky0;
    for (int ox = 0; ox < g->wo; ox++) {
      const int ix = ox * g->sw - g->pl;
      int kx0, kx1, px0, px1;
      tap_range(ix, W, g->kw, g->dw, &kx0, &kx1);
      tap_range(ix + g->pl, W + g->pl + g->pr, g->kw, g->dw, &px0, &px1);
      const int nx = kx1 - kx0;
      const f32x4 div = splat((f32)(g->count_pad ? (py1 - py0) * (px1 - px0) : ny * nx));
      const f32 *p = x + ((n * g->h + iy + ky0 * g->dh) * W + ix + kx0 * g->dw) * C;
      f32 *out = y + (row * g->wo + ox) * C;
      int c = 0;
      POOL_BLOCK(4)
      POOL_BLOCK(1)
      if (c < C) {
        f32x4 a0 = init;
        for (int ty = 0; ty < ny; ty++)
          for (int tx = 0; tx < nx; tx++) a0 = pool_step(is_max, a0, p + ty * sy + tx * sx + c);
        store_first(out + c, is_max ? a0 : wasm_f32x4_div(a0, div), C - c);
      }
    }
  }
}

EXPORT(pool_max)(f32 *y, const f32 *x, const pool_geom *g, int t0, int t1) { pool_rows(1, y, x, g, t0, t1); }
EXPORT(pool_avg)(f32 *y, const f32 *x, const pool_geom *g, int t0, int t1) { pool_rows(0, y, x, g, t0, t1); }
