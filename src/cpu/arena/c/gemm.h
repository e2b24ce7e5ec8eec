// The GEMM microkernel's parameter block (c/gemm.c), for the kernels that call it on their own operands (c/chain.c).
#pragma once
#include "sc.h"

// Written once at load by gemmParams() in src/cpu/arena/ops/gemm-panels.ts (same field order). plane: floats between
// two columns of a transposed C (gemmParams: M, one whole plane; c/chain.c: the image's plane, C a band of it).
typedef struct {
  int32_t M, N, K, a_stride, group, group_stride, pchunk, act, post, trans, plane;
  f32 lo, hi, plo, phi;
} gemm_params;

void gemm_4x8_ls(f32 *c, const f32 *a, const f32 *w, const f32 *r, const gemm_params *p, int t0, int t1);
