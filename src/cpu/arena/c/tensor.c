#include "planes.h"

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
  // team of threads can share a long copy or transpose; rows_whole > 0: it cuts the rows the same way.
  int whole, rows_whole;
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

// Units [t0, t1) run through the outer indices i0..i4 (i4 fastest), counted on without divisions.
#define ODOMETER_START(n, t0)                                                           \
  int i4 = (t0) % n[4], q_ = (t0) / n[4], i3 = q_ % n[3]; q_ /= n[3];                    \
  int i2 = q_ % n[2]; q_ /= n[2];                                                        \
  int i1 = q_ % n[1], i0 = q_ / n[1];
static inline void copy_row(f32 *d, const f32 *s, int n) {
  if (n >= MEMCPY_FROM) {
    __builtin_memcpy(d, s, (unsigned)n * 4u);
    return;
  }
  int i = 0;
  if (n >= 4) {
    // The last vector overlaps the one before it where n is not a multiple of 4 (same values written twice).
    for (; i + 16 <= n; i += 16) {
      f32x4 a = load4(s + i), b = load4(s + i + 4), c = load4(s + i + 8), e = load4(s + i + 12);
      store4(d + i, a); store4(d + i + 4, b); store4(d + i + 8, c); store4(d + i + 12, e);
    }
    for (; i + 4 < n; i += 4) store4(d + i, load4(s + i));
    store4(d + n - 4, load4(s + n - 4));
    return;
  }
  // Under 4: one over-read (16 bytes past a tensor are readable), exact stores.
  if (n > 0) {
    f32x4 v = load4(s);
    if (n >= 2) { wasm_v128_store64_lane(d, v, 0); v = wasm_i64x2_shuffle(v, v, 1, 1); i = 2; }
    if (i < n) wasm_v128_store32_lane(d + i, v, 0);
  }
}

static inline void fill_row(f32 *d, f32 x, int n) {
  f32x4 v = splat(x);
  int i = 0;
  if (n >= 4) {
    for (; i + 16 <= n; i += 16) { store4(d + i, v); store4(d + i + 4, v); store4(d + i + 8, v); store4(d + i + 12, v); }
    for (; i + 4 < n; i += 4) store4(d + i, v);
    store4(d + n - 4, v);
    return;
  }
  for (; i < n; i++) d[i] = x;
}

static inline void gather_row(f32 *d, const f32 *s, int n, int ls, int ld) {
  int i = 0;
  if (ld == 1)
    for (; i + 4 <= n; i += 4, s += 4 * ls) store4(d + i, wasm_f32x4_make(s[0], s[ls], s[2 * ls], s[3 * ls]));
  for (; i < n; i++, s += ls) d[i * ld] = *s;
}

// 4 rows × 4 columns: element (r, j) from p[r·rs + j] to q[r + j·ld].
static inline void block4(f32 *q, const f32 *p, int rs, int ld) {
  f32x4 a0 = load4(p), a1 = load4(p + rs), a2 = load4(p + 2 * rs), a3 = load4(p + 3 * rs);
  TRANSPOSE4(a0, a1, a2, a3);
  store4(q, a0);
  store4(q + ld, a1);
  store4(q + 2 * ld, a2);
  store4(q + 3 * ld, a3);
}

// 2 or 3 rows × 4 columns filling the destination (ld = rows): interleaved through shuffles.
static inline void zip2(f32 *q, const f32 *p, int rs) {
  f32x4 a = load4(p), b = load4(p + rs);
  store4(q, wasm_i32x4_shuffle(a, b, 0, 4, 1, 5));
  store4(q + 4, wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
}

static inline void zip3(f32 *q, const f32 *p, int rs) {
  f32x4 a = load4(p), b = load4(p + rs), c = load4(p + 2 * rs);
  f32x4 ab = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab2 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  f32x4 bc = wasm_i32x4_shuffle(b, c, 1, 5, 2, 6), abc3 = wasm_i32x4_shuffle(ab2, c, 2, 3, 7, 7);
  store4(q, wasm_i32x4_shuffle(ab, c, 0, 1, 4, 2));
  store4(q + 4, wasm_i32x4_shuffle(bc, a, 0, 1, 6, 2));
  store4(q + 8, wasm_i32x4_shuffle(bc, abc3, 3, 4, 5, 6));
}

// h ≤ 4 rows: element (r, j) from s[r·rs + j] to d[r + j·ld]. Where len is not a multiple of 4 the last block
// overlaps the one before it (the same values written twice), so only other row counts take scalar copies.
static inline void panel4(f32 *d, const f32 *s, int h, int rs, int len, int ld) {
  int kind = h == 4 ? 4 : (h == 2 || h == 3) && ld == h ? h : 0;
  if (kind && len >= 4) {
    for (int j = 0;; j += 4) {
      if (j + 4 > len) j = len - 4;
      if (kind == 4) block4(d + j * ld, s + j, rs, ld);
      else if (kind == 3) zip3(d + 3 * j, s + j, rs);
      else zip2(d + 2 * j, s + j, rs);
      if (j + 4 >= len) return;
    }
  }
  for (int r = 0; r < h; r++)
    for (int i = 0; i < len; i++) d[r + i * ld] = s[r * rs + i];
}

EXPORT(tensor_copy)(f32 *dst, const f32 *src, const struct copy_plan *p, int t0, int t1) {
  const int *n = p->n, *ss = p->ss, *ds = p->ds;
  // Plan fields in locals: the vector stores may alias the plan, which would reload them at every unit.
  const int n4 = n[4], ss4 = ss[4], ds4 = ds[4], len = p->len, ls = p->ls, ld = p->ld, rows = p->rows, rs = p->rs;
  const int whole = p->whole, rows_whole = p->rows_whole;
  ODOMETER_START(n, t0)
  const f32 *s = src + i0 * ss[0] + i1 * ss[1] + i2 * ss[2] + i3 * ss[3] + i4 * ss4;
  f32 *d = dst + i0 * ds[0] + i1 * ds[1] + i2 * ds[2] + i3 * ds[3] + i4 * ds4;
  for (int u = t0; u < t1; u++) {
    int m = len, left = whole - i4 * len;
    if (whole && left < len) m = left;
    if (rows) {
      int h = rows, more = rows_whole - i4 * rows;
      if (rows_whole && more < rows) h = more;
      if (m < 4)
        for (int i = 0; i < m; i++) gather_row(d + i * ld, s + i, h, rs, 1);
      else
        for (int r = 0; r < h; r += 4) panel4(d + r, s + r * rs, h - r < 4 ? h - r : 4, rs, m, ld);
    } else if (ls == 1 && ld == 1) {
      copy_row(d, s, m);
    } else {
      gather_row(d, s, m, ls, ld);
    }
    if (++i4 < n4) {
      s += ss4;
      d += ds4;
    } else {
      i4 = 0;
      if (++i3 == n[3]) { i3 = 0; if (++i2 == n[2]) { i2 = 0; if (++i1 == n[1]) { i1 = 0; i0++; } } }
      s = src + i0 * ss[0] + i1 * ss[1] + i2 * ss[2] + i3 * ss[3];
      d = dst + i0 * ds[0] + i1 * ds[1] + i2 * ds[2] + i3 * ds[3];
    }
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

// The source offset of outer indices i0..i3 (axis 4 apart); -1 where the row is all constant.
static inline int pad_base(const struct pad_plan *p, int i0, int i1, int i2, int i3) {
  int j0 = pad_src(i0, p->in[0], p->b[0], p->mode), j1 = pad_src(i1, p->in[1], p->b[1], p->mode);
  int j2 = pad_src(i2, p->in[2], p->b[2], p->mode), j3 = pad_src(i3, p->in[3], p->b[3], p->mode);
  return (j0 | j1 | j2 | j3) < 0 ? -1 : j0 * p->ss[0] + j1 * p->ss[1] + j2 * p->ss[2] + j3 * p->ss[3];
}

EXPORT(tensor_pad)(f32 *dst, const f32 *src, const struct pad_plan *p, f32 value, int t0, int t1) {
  const int *n = p->n;
  // Plan fields in locals: the vector stores may alias the plan, which would reload them at every unit.
  const int n4 = n[4], in4 = p->in[4], b4 = p->b[4], ss4 = p->ss[4], len_in = p->len_in, b_row = p->b_row;
  const int g = p->g, len = p->len, mode = p->mode, row = len * g;
  const int lo = clampi(b_row, 0, len), hi = clampi(b_row + len_in, lo, len);
  ODOMETER_START(n, t0)
  int base = pad_base(p, i0, i1, i2, i3);
  f32 *d = dst + t0 * row;
  for (int u = t0; u < t1; u++, d += row) {
    int j4 = pad_src(i4, in4, b4, mode);
    if ((base | j4) < 0) {
      fill_row(d, value, row);
    } else {
      const f32 *s = src + base + j4 * ss4;
      if (mode == 0) {
        fill_row(d, value, lo * g);
        fill_row(d + hi * g, value, (len - hi) * g);
      } else {
        for (int o = 0; o < lo; o++) copy_row(d + o * g, s + pad_src(o, len_in, b_row, mode) * g, g);
        for (int o = hi; o < len; o++) copy_row(d + o * g, s + pad_src(o, len_in, b_row, mode) * g, g);
      }
      copy_row(d + lo * g, s + (lo - b_row) * g, (hi - lo) * g);
    }
    if (++i4 == n4) {
      i4 = 0;
      if (++i3 == n[3]) { i3 = 0; if (++i2 == n[2]) { i2 = 0; if (++i1 == n[1]) { i1 = 0; i0++; } } }
      base = pad_base(p, i0, i1, i2, i3);
    }
  }
}
