// The K loop of the conv kernels (conv.c, convt.c): a block of pixels (PIXELS lists them, F(m) for each) × NR output
// channels in registers, acc{m}{l,h}, fed from one input pointer per pixel, p{m}, and NR-wide weight rows.
#pragma once
#include "lanes.h"

#define NR 8

// acc{m}{l,h} += x_m[k] · w[k][0..8] over k < K, for the pixels m that PIXELS lists.
#define CONV_MADD(m, X) { f32x4 x_ = (X); a##m##l = madd(x_, wl, a##m##l); a##m##h = madd(x_, wh, a##m##h); }
#define CONV_SPLAT(m) CONV_MADD(m, wasm_v128_load32_splat(p##m + k_))
#define CONV_LD4(m) f32x4 v##m = load4(p##m + k_);
#define CONV_L0(m) CONV_MADD(m, wasm_i32x4_shuffle(v##m, v##m, 0, 0, 0, 0))
#define CONV_L1(m) CONV_MADD(m, wasm_i32x4_shuffle(v##m, v##m, 1, 1, 1, 1))
#define CONV_L2(m) CONV_MADD(m, wasm_i32x4_shuffle(v##m, v##m, 2, 2, 2, 2))
#define CONV_L3(m) CONV_MADD(m, wasm_i32x4_shuffle(v##m, v##m, 3, 3, 3, 3))
#define CONV_KLOOP(K, WP)                                                                        \
  do {                                                                                           \
    const f32 *w_ = (WP);                                                                        \
    int k_ = 0;                                                                                  \
    for (; k_ + 4 <= (K); k_ += 4, w_ += 4 * NR) {                                               \
      PIXELS(CONV_LD4)                                                                           \
      { f32x4 wl = load4(w_), wh = load4(w_ + 4); PIXELS(CONV_L0) }                              \
      { f32x4 wl = load4(w_ + 8), wh = load4(w_ + 12); PIXELS(CONV_L1) }                         \
      { f32x4 wl = load4(w_ + 16), wh = load4(w_ + 20); PIXELS(CONV_L2) }                        \
      { f32x4 wl = load4(w_ + 24), wh = load4(w_ + 28); PIXELS(CONV_L3) }                        \
    }                                                                                            \
    for (; k_ < (K); k_++, w_ += NR) {                                                           \
      f32x4 wl = load4(w_), wh = load4(w_ + 4);                                                  \
      PIXELS(CONV_SPLAT)                                                                         \
    }                                                                                            \
  } while (0)

// The same sums one k at a time, each input value load-splat (XNNPACK's "loadsplat"): fewer live registers than the
// s4 loop (no 4-channel input vectors to keep, no lane shuffles).
#define CONV_KLOOP_LS(K, WP)                                                                     \
  do {                                                                                           \
    const f32 *w_ = (WP);                                                                        \
    for (int k_ = 0; k_ < (K); k_++, w_ += NR) {                                                 \
      f32x4 wl = load4(w_), wh = load4(w_ + 4);                                                  \
      PIXELS(CONV_SPLAT)                                                                         \
    }                                                                                            \
  } while (0)

// Stores the first nv of a pixel's NR channels (nothing past them: a neighbour's channels may be another call's).
static inline void store_nv(f32 *y, f32x4 lo, f32x4 hi, int nv) {
  if (nv == NR) {
    store4(y, lo);
    store4(y + 4, hi);
    return;
  }
  if (nv >= 4) {
    store4(y, lo);
    y += 4;
    nv -= 4;
    lo = hi;
  }
  if (nv > 0) store_first(y, lo, nv);
}
