#include "lanes.h"

// 2-D max and average pooling over NHWC tensors, one tile per output row (n, oy), from a table ops/pool.ts makes at
// load: per output row and column the offset of its first tap inside the input, its number of taps inside the
// input, and its share of the average's divisor (taps inside the input, or with count_include_pad inside the
// padded input). Taps outside the input are never visited: no padded copy, no bounds test in the loops.
// Channels go 16 then 4 at a time, the 2×2 and 3×3 windows unrolled; the last partial vector reads up to 3 floats past its pixel (the next pixel's
// channels, or the 16 readable bytes after the tensor) and stores only its valid lanes.

// As ops/pool.ts packs the table: this header (sy, sx: the floats between two tap rows, two tap columns), then ho
// row taps (off: floats from the image's start), then wo column taps (off: floats from the row's start).
typedef struct { int n, h, w, c, ho, wo, sy, sx; } pool_dims;
typedef struct { int off, taps, count; } pool_taps;

static inline f32x4 pool_step(int is_max, f32x4 acc, const f32 *p) {
  return is_max ? wasm_f32x4_max(acc, load4(p)) : wasm_f32x4_add(acc, load4(p));
}

static inline f32x4 pool_end(int is_max, f32x4 acc, f32x4 div) { return is_max ? acc : wasm_f32x4_div(acc, div); }

// One output pixel from its ny × nx taps at p (rows sy, columns sx floats apart). Called with ny, nx constant for
// the common windows, so that the tap loops unroll and only the channel loop remains.
static inline __attribute__((always_inline)) void pool_pixel(int is_max, int ny, int nx, f32 *out, const f32 *p, int C, int sy, int sx, f32x4 div) {
  const f32x4 init = splat(is_max ? -__builtin_inff() : 0.0f);
  int c = 0;
  for (; c + 16 <= C; c += 16) {
    f32x4 a0 = init, a1 = init, a2 = init, a3 = init;
    for (int ty = 0; ty < ny; ty++)
      for (int tx = 0; tx < nx; tx++) {
        const f32 *q = p + ty * sy + tx * sx + c;
        a0 = pool_step(is_max, a0, q);
        a1 = pool_step(is_max, a1, q + 4);
        a2 = pool_step(is_max, a2, q + 8);
        a3 = pool_step(is_max, a3, q + 12);
      }
    store4(out + c, pool_end(is_max, a0, div));
    store4(out + c + 4, pool_end(is_max, a1, div));
    store4(out + c + 8, pool_end(is_max, a2, div));
    store4(out + c + 12, pool_end(is_max, a3, div));
  }
  for (; c < C; c += 4) {
    f32x4 a0 = init;
    for (int ty = 0; ty < ny; ty++)
      for (int tx = 0; tx < nx; tx++) a0 = pool_step(is_max, a0, p + ty * sy + tx * sx + c);
    if (c + 4 <= C) store4(out + c, pool_end(is_max, a0, div));
    else store_first(out + c, pool_end(is_max, a0, div), C - c);
  }
}

static inline __attribute__((always_inline)) void pool_rows(int is_max, f32 *y, const f32 *x, const pool_dims *d, int t0, int t1) {
  const pool_taps *rows = (const pool_taps *)(d + 1), *cols = rows + d->ho;
  const int C = d->c, sy = d->sy, sx = d->sx;
  for (int row = t0; row < t1; row++) {
    const pool_taps r = rows[row % d->ho];
    const f32 *image = x + (row / d->ho) * d->h * d->w * C + r.off;
    const int ny = r.taps;
    f32 *out = y + row * d->wo * C;
    for (int ox = 0; ox < d->wo; ox++, out += C) {
      const f32 *p = image + cols[ox].off;
      const int nx = cols[ox].taps;
      const f32x4 div = splat((f32)(r.count * cols[ox].count));
      if (ny == 2 && nx == 2) pool_pixel(is_max, 2, 2, out, p, C, sy, sx, div);
      else if (ny == 3 && nx == 3) pool_pixel(is_max, 3, 3, out, p, C, sy, sx, div);
      else pool_pixel(is_max, ny, nx, out, p, C, sy, sx, div);
    }
  }
}

EXPORT(pool_max)(f32 *y, const f32 *x, const pool_dims *d, int t0, int t1) { pool_rows(1, y, x, d, t0, t1); }
EXPORT(pool_avg)(f32 *y, const f32 *x, const pool_dims *d, int t0, int t1) { pool_rows(0, y, x, d, t0, t1); }
