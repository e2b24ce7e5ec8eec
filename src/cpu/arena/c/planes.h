// Writing a register block of 4 pixels × 4 channels NCHW (the producer of a graph output writes it as the graph
// wants it, with no conversion step after it): the block is transposed into one vector of 4 pixels per channel,
// stored as a run in that channel's plane.
#pragma once
#include "lanes.h"

// v0..v3 (pixel i's 4 channels) → v0..v3 (channel l's 4 pixels), in place.
#define TRANSPOSE4(v0, v1, v2, v3)                                                                  \
  do {                                                                                           \
    const f32x4 t0_ = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5), t1_ = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5); \
    const f32x4 t2_ = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7), t3_ = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7); \
    v0 = wasm_i32x4_shuffle(t0_, t1_, 0, 1, 4, 5);                                               \
    v1 = wasm_i32x4_shuffle(t0_, t1_, 2, 3, 6, 7);                                               \
    v2 = wasm_i32x4_shuffle(t2_, t3_, 0, 1, 4, 5);                                               \
    v3 = wasm_i32x4_shuffle(t2_, t3_, 2, 3, 6, 7);                                               \
  } while (0)

// The first m ≤ 4 pixels of a channel's run (nothing past them: the next pixels may be another call's).
static inline void store_run(f32 *p, f32x4 v, int m) {
  if (m == 4) store4(p, v);
  else store_first(p, v, m);
}

// The epilogue of one channel's run of m ≤ 4 pixels: act (kind, a, b), + the residual r (or none), post act (pk, pa,
// pb); a short run's residual reads at most 3 floats past it (the next run or plane, or the arena's slack). A call,
// inlined (store_run_act) only for a clamp without residual: the whole epilogue inlined into every block kernel made
// the module about 20 KB larger, and NCHW output serves a graph output's layer only.
static __attribute__((noinline)) void store_run_any(f32 *y, const f32 *r, f32x4 v, int m, int kind, f32 a, f32 b,
                                                    int pk, f32 pa, f32 pb) {
  v = act4(v, kind, a, b);
  if (r) v = act4(wasm_f32x4_add(v, load4(r)), pk, pa, pb);
  store_run(y, v, m);
}

static inline __attribute__((always_inline)) void store_run_act(f32 *y, const f32 *r, f32x4 v, int m, int kind, f32 a,
                                                                f32 b, int pk, f32 pa, f32 pb) {
  if (kind == ACT_CLAMP && !r) store_run(y, clamp4(v, splat(a), splat(b)), m);
  else store_run_any(y, r, v, m, kind, a, b, pk, pa, pb);
}
