#include "lanes.h"

// DepthToSpace and SpaceToDepth between a deep NHWC tensor [n, h, w, b·b·c] and a big one [n, h·b, w·b, c]. One
// tile per (n, deep row y, block row i), i.e. per row of the big tensor. In the DCR order (TF's, SpaceToDepth's
// only one) deep channel (i·b + j)·c + k is big pixel (y·b + i, x·b + j) channel k, so for each x the b·c floats
// at deep channel i·b·c are one run of big row y·b + i: a straight copy. CRD (c·b² + i·b + j: PyTorch's
// PixelShuffle) gathers floats b² apart.

static inline void copy_run(f32 *dst, const f32 *src, int n) {
  int k = 0;
  for (; k + 4 <= n; k += 4) store4(dst + k, load4(src + k));
  if (k < n) store_first(dst + k, load4(src + k), n - k);
}

// to_deep: SpaceToDepth (big → deep), else DepthToSpace DCR (deep → big).
static inline __attribute__((always_inline)) void space_runs(int to_deep, f32 *big, f32 *deep, int w, int c, int b, int t0, int t1) {
  const int run = b * c, dc = b * run;
  for (int u = t0; u < t1; u++) {
    const int i = u % b, y = u / b;  // y counts deep rows over the batch
    f32 *d = deep + y * w * dc + i * run, *g = big + u * w * run;
    for (int px = 0; px < w; px++, d += dc, g += run) {
      if (to_deep) copy_run(d, g, run);
      else copy_run(g, d, run);
    }
  }
}

EXPORT(space_d2s)(f32 *y, f32 *x, int w, int c, int b, int t0, int t1) { space_runs(0, y, x, w, c, b, t0, t1); }
EXPORT(space_s2d)(f32 *y, f32 *x, int w, int c, int b, int t0, int t1) { space_runs(1, x, y, w, c, b, t0, t1); }

EXPORT(space_d2s_crd)(f32 *y, const f32 *x, int w, int c, int b, int t0, int t1) {
  const int bb = b * b, dc = bb * c;
  for (int u = t0; u < t1; u++) {
    const int i = u % b;
    const f32 *d = x + u / b * w * dc + i * b;
    f32 *g = y + u * w * b * c;
    for (int px = 0; px < w; px++, d += dc)
      for (int j = 0; j < b; j++, g += c)
        for (int k = 0; k < c; k++) g[k] = d[k * bb + j];
  }
}
