#include "lanes.h"

// Resize of an NHWC tensor over H and W, one tile per output row (n, oy), from tables ops/resize.ts computes at
// load with the reference's coordinate rules: per output row the two source rows and the second one's weight, per
// output column the two source pixels' offsets (column · C) and weight. Nearest uses only the first of each pair.
// Linear blends the two source rows into a scratch row (W·C + 4 floats) first, then each output pixel from two
// of its pixels: about 1.5 blends per output for a ×2 upscale instead of 3, neighbouring outputs that blend the same
// two pixels sharing their difference.

// As ops/resize.ts packs the table: this header, then ho row taps, then wo column taps.
typedef struct { int n, h, w, c, ho, wo; } resize_dims;
typedef struct { int i0, i1; f32 w; } resize_tap;

static inline f32x4 lerp4(const f32 *a, const f32 *b, f32x4 w) {
  const f32x4 va = load4(a);
  return madd(wasm_f32x4_sub(load4(b), va), w, va);
}

// One output row from its vertically blended source row s.
static inline void resize_row(f32 *out, const f32 *s, const resize_tap *cols, int wo, int C) {
  for (int ox = 0; ox < wo;) {
    const f32 *a = s + cols[ox].i0, *b = s + cols[ox].i1;
    const f32x4 w0 = splat(cols[ox].w);
    int c = 0;
    if (ox + 1 < wo && cols[ox + 1].i0 == cols[ox].i0 && cols[ox + 1].i1 == cols[ox].i1) {
      // two output columns blending the same two pixels (every pair of a ×2 upscale) share their difference
      const f32x4 w1 = splat(cols[ox + 1].w);
      for (; c + 4 <= C; c += 4) {
        const f32x4 va = load4(a + c), dv = wasm_f32x4_sub(load4(b + c), va);
        store4(out + c, madd(dv, w0, va));
        store4(out + C + c, madd(dv, w1, va));
      }
      if (c < C) {
        const f32x4 va = load4(a + c), dv = wasm_f32x4_sub(load4(b + c), va);
        store_first(out + c, madd(dv, w0, va), C - c);
        store_first(out + C + c, madd(dv, w1, va), C - c);
      }
      ox += 2;
      out += 2 * C;
      continue;
    }
    for (; c + 4 <= C; c += 4) store4(out + c, lerp4(a + c, b + c, w0));
    if (c < C) store_first(out + c, lerp4(a + c, b + c, w0), C - c);
    ox++;
    out += C;
  }
}

// Scratch: two rows of W·C + 4 floats. Two output rows in a tile that blend the same two source rows (every pair
// of a ×2 upscale) share their difference too.
EXPORT(resize_linear)(f32 *y, const f32 *x, const resize_dims *d, f32 *s, int t0, int t1) {
  const resize_tap *rows = (const resize_tap *)(d + 1), *cols = rows + d->ho;
  const int C = d->c, wc = d->w * C, wo = d->wo;
  f32 *s1 = s + wc + 4;
  for (int row = t0; row < t1;) {
    const resize_tap r = rows[row % d->ho];
    const f32 *x0 = x + ((row / d->ho) * d->h + r.i0) * wc, *x1 = x + ((row / d->ho) * d->h + r.i1) * wc;
    const f32x4 w0 = splat(r.w);
    if (row + 1 < t1 && (row + 1) % d->ho != 0 && rows[(row + 1) % d->ho].i0 == r.i0 && rows[(row + 1) % d->ho].i1 == r.i1) {
      const f32x4 w1 = splat(rows[(row + 1) % d->ho].w);
      for (int i = 0; i < wc; i += 4) {
        const f32x4 va = load4(x0 + i), dv = wasm_f32x4_sub(load4(x1 + i), va);
        store4(s + i, madd(dv, w0, va));
        store4(s1 + i, madd(dv, w1, va));
      }
      resize_row(y + row * wo * C, s, cols, wo, C);
      resize_row(y + (row + 1) * wo * C, s1, cols, wo, C);
      row += 2;
      continue;
    }
    for (int i = 0; i < wc; i += 4) store4(s + i, lerp4(x0 + i, x1 + i, w0));
    resize_row(y + row * wo * C, s, cols, wo, C);
    row++;
  }
}

EXPORT(resize_nearest)(f32 *y, const f32 *x, const resize_dims *d, int t0, int t1) {
  const resize_tap *rows = (const resize_tap *)(d + 1), *cols = rows + d->ho;
  const int C = d->c, wc = d->w * C;
  for (int row = t0; row < t1; row++) {
    const f32 *src = x + ((row / d->ho) * d->h + rows[row % d->ho].i0) * wc;
    f32 *out = y + row * d->wo * C;
    for (int ox = 0; ox < d->wo; ox++, out += C) {
      const f32 *a = src + cols[ox].i0;
      int c = 0;
      for (; c + 4 <= C; c += 4) store4(out + c, load4(a + c));
      if (c < C) store_first(out + c, load4(a + c), C - c);
    }
  }
}
