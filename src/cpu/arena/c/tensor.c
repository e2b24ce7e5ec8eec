#include "sc.h"

// Data movement: Transpose, Concat, Slice, Split, the NHWC reshapes (tensor_copy) and Pad (tensor_pad). The plans
// are int32 records the op builders (src/cpu/arena/ops/strided.ts) put in the read-only region; all strides and
// counts are in floats. Units of work are the output rows the outer axes enumerate, five of them (size-1 padding
// in front), innermost last; each export walks units [t0, t1) with an odometer (no index arrays on the stack).

struct copy_plan {
  int n[5], ss[5], ds[5];  // outer axes: count, source stride, destination stride
  int len, ls, ld;         // inner axis of every unit
  // Transposes (rows > 0): each unit also walks a `rows`-long axis, contiguous in the destination and of source
  // stride rs, the inner axis being the source's contiguous one (ls = 1): 4×4 blocks through registers.
  int rows, rs;
  // whole > 0: axis 4 cuts an inner axis of `whole` elements into units of len (the last one shorter), so that a
  // team of threads can share a long copy or transpose.
  int whole;
};

struct pad_plan {
  int n[5], in[5], b[5], ss[5];  // outer axes: output count, input count, pad before (< 0 crops), source stride
  int len, len_in, b_row;        // the row axis (the innermost padded one), in elements of g floats
  int g;                         // floats per element: the trailing axes no pad touches, copied whole
  int mode;                      // 0 constant, 1 edge, 2 reflect
};

// Rows at least this long go through memory.copy: in V8 (Node 20) about even with the vector loop at 32–64
// floats, faster from 128 (measured on rows of 32 to 1024 floats).
#define MEMCPY_FROM 128

#define ODOMETER_START(n, t0)                                                           \
  int i4 = (t0) % n[4], q_ = (t0) / n[4], i3 = q_ % n[3]; q_ /= n[3];                    \
  int i2 = q_ % n[2]; q_ /= n[2];                                                        \
  int i1 = q_ % n[1], i0 = q_ / n[1];
#define ODOMETER_NEXT(n)                                                                \
  if (++i4 == n[4]) { i4 = 0; if (++i3 == n[3]) { i3 = 0; if (++i2 == n[2]) { i2 = 0;   \
    if (++i1 == n[1]) { i1 = 0; i0++; } } } }

static inline void copy_row(f32 *d, const f32 *s, int n) {
  if (n >= MEMCPY_FROM) {
    __builtin_memcpy(d, s, (unsigned)n * 4u);
    return;
  }
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    f32x4 a = load4(s + i), b = load4(s + i + 4), c = load4(s + i + 8), e = load4(s + i + 12);
    store4(d + i, a); store4(d + i + 4, b); store4(d + i + 8, c); store4(d + i + 12, e);
  }
  for (; i + 4 <= n; i += 4) store4(d + i, load4(s + i));
  // Tail: one over-read (16 bytes past a tensor are readable), exact stores.
  if (i < n) {
    f32x4 v = load4(s + i);
    if (n - i >= 2) { wasm_v128_store64_lane(d + i, v, 0); v = wasm_i64x2_shuffle(v, v, 1, 1); i += 2; }
    if (i < n) wasm_v128_store32_lane(d + i, v, 0);
  }
}

static inline void fill_row(f32 *d, f32 x, int n) {
  f32x4 v = splat(x);
  int i = 0;
  for (; i + 16 <= n; i += 16) { store4(d + i, v); store4(d + i + 4, v); store4(d + i + 8, v); store4(d + i + 12, v); }
  for (; i + 4 <= n; i += 4) store4(d + i, v);
  for (; i < n; i++) d[i] = x;
}

static inline void gather_row(f32 *d, const f32 *s, int n, int ls, int ld) {
  int i = 0;
  if (ld == 1)
    for (; i + 4 <= n; i += 4, s += 4 * ls) store4(d + i, wasm_f32x4_make(s[0], s[ls], s[2 * ls], s[3 * ls]));
  for (; i < n; i++, s += ls) d[i * ld] = *s;
}

// h ≤ 4 rows: element (r, j) from s[r·rs + j] to d[r + j·ld]; 2 or 3 rows filling the destination interleave
// through shuffles.
static inline void panel4(f32 *d, const f32 *s, int h, int rs, int len, int ld) {
  int j = 0;
  if (h == 4)
    for (; j + 4 <= len; j += 4) {
      f32x4 a0 = load4(s + j), a1 = load4(s + rs + j), a2 = load4(s + 2 * rs + j), a3 = load4(s + 3 * rs + j);
      f32x4 t0 = wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7);
      f32x4 t2 = wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7);
      f32 *q = d + j * ld;
      store4(q, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
      store4(q + ld, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
      store4(q + 2 * ld, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
      store4(q + 3 * ld, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
    }
  if (h == 2 && ld == 2)
    for (; j + 4 <= len; j += 4) {
      f32x4 a = load4(s + j), b = load4(s + rs + j);
      store4(d + 2 * j, wasm_i32x4_shuffle(a, b, 0, 4, 1, 5));
      store4(d + 2 * j + 4, wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    }
  if (h == 3 && ld == 3)
    for (; j + 4 <= len; j += 4) {
      f32x4 a = load4(s + j), b = load4(s + rs + j), c = load4(s + 2 * rs + j);
      f32x4 ab = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab2 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
      f32x4 bc = wasm_i32x4_shuffle(b, c, 1, 5, 2, 6), abc3 = wasm_i32x4_shuffle(ab2, c, 2, 3, 7, 7);
      store4(d + 3 * j, wasm_i32x4_shuffle(ab, c, 0, 1, 4, 2));
      store4(d + 3 * j + 4, wasm_i32x4_shuffle(bc, a, 0, 1, 6, 2));
      store4(d + 3 * j + 8, wasm_i32x4_shuffle(bc, abc3, 3, 4, 5, 6));
    }
  for (int r = 0; r < h; r++)
    for (int i = j; i < len; i++) d[r + i * ld] = s[r * rs + i];
}

EXPORT(tensor_copy)(f32 *dst, const f32 *src, const struct copy_plan *p, int t0, int t1) {
  const int *n = p->n, *ss = p->ss, *ds = p->ds;
  ODOMETER_START(n, t0)
  for (int u = t0; u < t1; u++) {
    const f32 *s = src + i0 * ss[0] + i1 * ss[1] + i2 * ss[2] + i3 * ss[3] + i4 * ss[4];
    f32 *d = dst + i0 * ds[0] + i1 * ds[1] + i2 * ds[2] + i3 * ds[3] + i4 * ds[4];
    int len = p->len, left = p->whole - i4 * len;
    if (p->whole && left < len) len = left;
    if (p->rows) {
      for (int r = 0; r < p->rows; r += 4) panel4(d + r, s + r * p->rs, p->rows - r < 4 ? p->rows - r : 4, p->rs, len, p->ld);
    } else if (p->ls == 1 && p->ld == 1) {
      copy_row(d, s, len);
    } else {
      gather_row(d, s, len, p->ls, p->ld);
    }
    ODOMETER_NEXT(n)
  }
}

// The source index of output index o on an axis of n inputs padded by b before; -1 where the constant goes.
static inline int pad_src(int o, int n, int b, int mode) {
  int j = o - b;
  if (j >= 0 && j < n) return j;
  if (mode == 0) return -1;
  if (mode == 1) return j < 0 ? 0 : n - 1;
  return j < 0 ? -j : 2 * (n - 1) - j;
}

static inline int clampi(int x, int lo, int hi) { return x < lo ? lo : x > hi ? hi : x; }

EXPORT(tensor_pad)(f32 *dst, const f32 *src, const struct pad_plan *p, f32 value, int t0, int t1) {
  const int *n = p->n, *in = p->in, *b = p->b, *ss = p->ss;
  const int g = p->g, len = p->len, mode = p->mode, row = len * g;
  const int lo = clampi(p->b_row, 0, len), hi = clampi(p->b_row + p->len_in, lo, len);
  ODOMETER_START(n, t0)
  for (int u = t0; u < t1; u++) {
    f32 *d = dst + u * row;
    int j0 = pad_src(i0, in[0], b[0], mode), j1 = pad_src(i1, in[1], b[1], mode), j2 = pad_src(i2, in[2], b[2], mode);
    int j3 = pad_src(i3, in[3], b[3], mode), j4 = pad_src(i4, in[4], b[4], mode);
    if ((j0 | j1 | j2 | j3 | j4) < 0) {
      fill_row(d, value, row);
    } else {
      const f32 *s = src + j0 * ss[0] + j1 * ss[1] + j2 * ss[2] + j3 * ss[3] + j4 * ss[4];
      if (mode == 0) {
        fill_row(d, value, lo * g);
        fill_row(d + hi * g, value, (len - hi) * g);
      } else {
        for (int o = 0; o < lo; o++) copy_row(d + o * g, s + pad_src(o, p->len_in, p->b_row, mode) * g, g);
        for (int o = hi; o < len; o++) copy_row(d + o * g, s + pad_src(o, p->len_in, p->b_row, mode) * g, g);
      }
      copy_row(d + lo * g, s + (lo - p->b_row) * g, (hi - lo) * g);
    }
    ODOMETER_NEXT(n)
  }
}
