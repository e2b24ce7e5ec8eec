#include "lanes.h"

// Reductions y[o][i] = ⊕ over m of x[o][m][i] (o < outer, m < mid, i < inner): any run of adjacent physical axes,
// e.g. H, W of an NHWC tensor (outer N, mid H·W, inner C) or the trailing axes of a plain one (inner 1).
// Every output accumulates its m in order, so the result does not depend on how the tiles are split.
// Tiles: with inner 1 one per o (the m run vectorised, its four lanes combined in a fixed order at the end);
// else one per (o, 4-wide block of i), up to four neighbouring blocks of one o in a pass, each with its even and odd
// m summed apart and then together (a fixed order: still independent of the split). The partial last
// block reads up to 3 floats past its row and stores only its valid lanes.

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD };

static inline f32x4 r_init(int k) {
  return splat(k == R_MAX ? -__builtin_inff() : k == R_MIN ? __builtin_inff() : k == R_PROD ? 1.0f : 0.0f);
}

// max/min let NaN win (f32x4.max/min), as src/ops/reduce.ts does.
static inline f32x4 r_step(int k, f32x4 a, f32x4 v) {
  switch (k) {
    case R_MAX: return wasm_f32x4_max(a, v);
    case R_MIN: return wasm_f32x4_min(a, v);
    case R_PROD: return wasm_f32x4_mul(a, v);
    default: return wasm_f32x4_add(a, v);
  }
}

static inline f32x4 r_end(int k, f32x4 a, int mid) { return k == R_MEAN ? wasm_f32x4_div(a, splat((f32)mid)) : a; }

static inline void r_store(int k, f32 *q, f32x4 a, int n, int mid) {
  if (n >= 4) store4(q, r_end(k, a, mid));
  else store_first(q, r_end(k, a, mid), n);
}

static inline __attribute__((always_inline)) void reduce_runs(int k, f32 *y, const f32 *x, int mid, int t0, int t1) {
  const f32x4 init = r_init(k);
  for (int o = t0; o < t1; o++) {
    const f32 *p = x + o * mid;
    f32x4 a0 = init, a1 = init, a2 = init, a3 = init;
    int m = 0;
    for (; m + 16 <= mid; m += 16) {
      a0 = r_step(k, a0, load4(p + m));
      a1 = r_step(k, a1, load4(p + m + 4));
      a2 = r_step(k, a2, load4(p + m + 8));
      a3 = r_step(k, a3, load4(p + m + 12));
    }
    for (; m + 4 <= mid; m += 4) a0 = r_step(k, a0, load4(p + m));
    a0 = r_step(k, r_step(k, a0, a1), r_step(k, a2, a3));
    f32x4 s = r_step(k, a0, wasm_i32x4_shuffle(a0, a0, 2, 3, 0, 1));
    s = r_step(k, s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
    for (; m < mid; m++) s = r_step(k, s, splat(p[m]));
    y[o] = wasm_f32x4_extract_lane(r_end(k, s, mid), 0);
  }
}

// V (1–4) neighbouring vectors of one o: even and odd m accumulate apart (two chains per vector), then combine.
static inline __attribute__((always_inline)) void reduce_vectors(int k, int V, f32 *q, const f32 *p, int mid, int inner, int n) {
  const f32x4 init = r_init(k);
  f32x4 a0 = init, a1 = init, a2 = init, a3 = init, b0 = init, b1 = init, b2 = init, b3 = init;
  int m = 0;
  for (; m + 2 <= mid; m += 2, p += 2 * inner) {
    const f32 *p1 = p + inner;
    a0 = r_step(k, a0, load4(p));
    b0 = r_step(k, b0, load4(p1));
    if (V > 1) { a1 = r_step(k, a1, load4(p + 4)); b1 = r_step(k, b1, load4(p1 + 4)); }
    if (V > 2) { a2 = r_step(k, a2, load4(p + 8)); b2 = r_step(k, b2, load4(p1 + 8)); }
    if (V > 3) { a3 = r_step(k, a3, load4(p + 12)); b3 = r_step(k, b3, load4(p1 + 12)); }
  }
  if (m < mid) {
    a0 = r_step(k, a0, load4(p));
    if (V > 1) a1 = r_step(k, a1, load4(p + 4));
    if (V > 2) a2 = r_step(k, a2, load4(p + 8));
    if (V > 3) a3 = r_step(k, a3, load4(p + 12));
  }
  r_store(k, q, r_step(k, a0, b0), n, mid);
  if (V > 1) r_store(k, q + 4, r_step(k, a1, b1), n - 4, mid);
  if (V > 2) r_store(k, q + 8, r_step(k, a2, b2), n - 8, mid);
  if (V > 3) r_store(k, q + 12, r_step(k, a3, b3), n - 12, mid);
}

static inline __attribute__((always_inline)) void reduce_blocks(int k, f32 *y, const f32 *x, int mid, int inner, int t0, int t1) {
  const int nb = (inner + 3) / 4;
  for (int u = t0; u < t1;) {
    const int o = u / nb, i = 4 * (u % nb);
    int v = t1 - u < nb - u % nb ? t1 - u : nb - u % nb;
    v = v < 4 ? v : 4;
    f32 *q = y + o * inner + i;
    const f32 *p = x + o * mid * inner + i;
    switch (v) {
      case 4: reduce_vectors(k, 4, q, p, mid, inner, inner - i); break;
      case 3: reduce_vectors(k, 3, q, p, mid, inner, inner - i); break;
      case 2: reduce_vectors(k, 2, q, p, mid, inner, inner - i); break;
      default: reduce_vectors(k, 1, q, p, mid, inner, inner - i);
    }
    u += v;
  }
}

// Units: outer when inner is 1, else outer · ⌈inner / 4⌉.
#define REDUCE(name, kind)                                                                       \
  EXPORT(name)(f32 *y, const f32 *x, int mid, int inner, int t0, int t1) {                       \
    if (inner == 1) reduce_runs(kind, y, x, mid, t0, t1);                                        \
    else reduce_blocks(kind, y, x, mid, inner, t0, t1);                                          \
  }

REDUCE(reduce_sum, R_SUM)
REDUCE(reduce_mean, R_MEAN)
REDUCE(reduce_max, R_MAX)
REDUCE(reduce_min, R_MIN)
REDUCE(reduce_prod, R_PROD)
