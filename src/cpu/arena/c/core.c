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
