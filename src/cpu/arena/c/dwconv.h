// The depthwise kernel's parameter block (c/dwconv.c), for the kernels that run its rows on their own buffers
// (c/chain.c).
#pragma once
#include "sc.h"

// Packed once at load by packDepthwise() in src/cpu/arena/ops/conv-depthwise.ts (same field order).
typedef struct {
  int32_t h, w, cin, ho, wo, cout, kh, kw, sh, sw, dh, dw, pt, pl, mult, act, post;
  f32 act_a, act_b, post_a, post_b;
} dw_params;

// Output rows [oy0, oy1) of one image to o (rows wo·cout floats apart), with the activation, the residual res (same
// layout as o, or 0 for none) and the activation after it. Only the input rows those output rows reach are read:
// `image` may point before a buffer holding just them.
void dw_rows(const dw_params *p, const f32 *image, f32 *o, const f32 *res, int oy0, int oy1);
