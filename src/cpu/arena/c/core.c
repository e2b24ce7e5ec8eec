#include "sc.h"

// n floats from src to dst (regions may overlap).
EXPORT(copy)(f32 *dst, const f32 *src, int n) { __builtin_memmove(dst, src, (unsigned)n * 4u); }

// n floats of dst set to v.
EXPORT(fill)(f32 *dst, f32 v, int n) {
  int i = 0;
  f32x4 vv = splat(v);
  for (; i + 4 <= n; i += 4) store4(dst + i, vv);
  for (; i < n; i++) dst[i] = v;
}

// batch × [rows][cols] → batch × [cols][rows] (layout conversions NCHW ↔ NHWC); 4×4 blocks through registers.
EXPORT(transpose_2d)(f32 *dst, const f32 *src, int batch, int rows, int cols) {
  for (int b = 0; b < batch; b++, src += rows * cols, dst += rows * cols) {
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      int c = 0;
      for (; c + 4 <= cols; c += 4) {
        f32x4 a0 = wasm_v128_load(src + r * cols + c), a1 = wasm_v128_load(src + (r + 1) * cols + c);
        f32x4 a2 = wasm_v128_load(src + (r + 2) * cols + c), a3 = wasm_v128_load(src + (r + 3) * cols + c);
        f32x4 t0 = wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7);
        f32x4 t2 = wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7);
        wasm_v128_store(dst + c * rows + r, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
        wasm_v128_store(dst + (c + 1) * rows + r, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
        wasm_v128_store(dst + (c + 2) * rows + r, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
        wasm_v128_store(dst + (c + 3) * rows + r, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
      }
      for (; c < cols; c++)
        for (int k = 0; k < 4; k++) dst[c * rows + r + k] = src[(r + k) * cols + c];
    }
    for (; r < rows; r++)
      for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  }
}
