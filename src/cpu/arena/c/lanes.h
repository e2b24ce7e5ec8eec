// Channel tails of the channels-last kernels: a vector whose first n < 4 lanes are
// valid is stored lane by lane, so a tile never writes past its own outputs.
#pragma once
#include "sc.h"

static inline void store_first(f32 *p, f32x4 v, int n) {
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (n > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (n > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}
