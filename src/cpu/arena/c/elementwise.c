// Elementwise ops on arena tensors: broadcasting binaries, unary maths and activations, softmax.
//
// Every element goes through the same 4-lane arithmetic (a partial last vector is computed whole and stored lane
// by lane), so results do not depend on how a call's tiles are split. Vector loads may read up to 3 floats past a
// row's end (16 readable bytes follow every tensor); stores never write past it.
#include "lanes.h"

#define INLINE static inline __attribute__((always_inline))

// n (≤ 4) floats s apart, the other lanes 0.
INLINE f32x4 gather(const f32 *p, int s, int n) {
  f32x4 v = wasm_f32x4_make(p[0], 0, 0, 0);
  if (n > 1) v = wasm_f32x4_replace_lane(v, 1, p[s]);
  if (n > 2) v = wasm_f32x4_replace_lane(v, 2, p[2 * s]);
  if (n > 3) v = wasm_f32x4_replace_lane(v, 3, p[3 * s]);
  return v;
}

// Lanes [0, n) all ones.
INLINE v128_t lanes_below(int n) { return wasm_i32x4_lt(wasm_i32x4_make(0, 1, 2, 3), wasm_i32x4_splat(n)); }

// e^x over the whole float range. exp4 is exact only on [-87.3, 88.3] (it clamps below, and its 2^n overflows above
// 88.37), so outside that e^x = (e^(x/2))², which overflows to +inf and underflows through the subnormals to 0.
INLINE f32x4 exp_full4(f32x4 x) {
  f32x4 y = exp4(x);
  v128_t out = wasm_v128_or(wasm_f32x4_lt(x, splat(-87.3f)), wasm_f32x4_gt(x, splat(88.3f)));
  if (wasm_v128_any_true(out)) {
    f32x4 h = exp4(wasm_f32x4_mul(x, splat(0.5f)));
    y = wasm_v128_bitselect(wasm_f32x4_mul(h, h), y, out);
  }
  return y;
}

// Softmax's copy, out of line for size.
static __attribute__((noinline)) f32x4 exp_full(f32x4 x) { return exp_full4(x); }

// e^x − 1 for x ≤ 0 without the cancellation of exp4(x) − 1 near 0: x = n·ln2 + t, |t| ≤ ln2/2, and
// e^x − 1 = 2^n·(e^t − 1) + (2^n − 1) with e^t − 1 by its Taylor series to t^7 (error < 2e-8 relative).
INLINE f32x4 expm1_neg4(f32x4 x) {
  x = wasm_f32x4_pmax(x, splat(-17.5f)); // e^-17.5 − 1 rounds to −1
  f32x4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, splat(1.44269504088896341f)));
  f32x4 t = wasm_f32x4_sub(x, wasm_f32x4_mul(n, splat(0.693359375f)));
  t = wasm_f32x4_sub(t, wasm_f32x4_mul(n, splat(-2.12194440e-4f)));
  f32x4 p = splat(1.0f / 5040);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(1.0f / 720));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(1.0f / 120));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(1.0f / 24));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(1.0f / 6));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, t), t), t);
  f32x4 s = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_add(wasm_f32x4_mul(s, p), wasm_f32x4_sub(s, splat(1.0f)));
}

// tanh: Cephes' odd polynomial below |x| = 0.625, else 1 − 2/(e^(2|x|) + 1) with the sign of x.
INLINE f32x4 tanh4(f32x4 x) {
  f32x4 z = wasm_f32x4_mul(x, x);
  f32x4 p = splat(-5.70498872745e-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(2.06390887954e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(-5.37397155531e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(1.33314422036e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(-3.33332819422e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, z), x), x);
  f32x4 ax = wasm_f32x4_abs(x);
  f32x4 e = exp4(wasm_f32x4_add(ax, ax));
  f32x4 l = wasm_f32x4_sub(splat(1.0f), wasm_f32x4_div(splat(2.0f), wasm_f32x4_add(e, splat(1.0f))));
  f32x4 sign = splat(-0.0f);
  l = wasm_v128_or(l, wasm_v128_and(x, sign));
  return wasm_v128_bitselect(p, l, wasm_f32x4_lt(ax, splat(0.625f)));
}

// ln x (Cephes' logf): x = m·2^e with m in [√½, √2), ln m = (m−1) − (m−1)²/2 + (m−1)³·P(m−1). Subnormals are
// scaled by 2^23 first; ln 0 = −inf, ln x<0 = NaN, ln inf = inf, NaN stays NaN.
INLINE f32x4 log4(f32x4 x) {
  v128_t sub = wasm_f32x4_lt(x, splat(1.17549435e-38f));
  f32x4 v = wasm_v128_bitselect(wasm_f32x4_mul(x, splat(8388608.0f)), x, sub);
  v128_t bits = v;
  f32x4 e = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(126)));
  e = wasm_f32x4_sub(e, wasm_v128_and(sub, splat(23.0f)));
  f32x4 m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f000000));
  v128_t lo = wasm_f32x4_lt(m, splat(0.707106781186547524f));
  e = wasm_f32x4_sub(e, wasm_v128_and(lo, splat(1.0f)));
  m = wasm_f32x4_sub(wasm_f32x4_add(m, wasm_v128_and(lo, m)), splat(1.0f));
  f32x4 z = wasm_f32x4_mul(m, m);
  f32x4 y = splat(7.0376836292e-2f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(-1.1514610310e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(1.1676998740e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(-1.2420140846e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(1.4249322787e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(-1.6668057665e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(2.0000714765e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(-2.4999993993e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), splat(3.3333331174e-1f));
  y = wasm_f32x4_mul(wasm_f32x4_mul(y, m), z);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(e, splat(-2.12194440e-4f)));
  y = wasm_f32x4_sub(y, wasm_f32x4_mul(z, splat(0.5f)));
  y = wasm_f32x4_add(wasm_f32x4_add(m, y), wasm_f32x4_mul(e, splat(0.693359375f)));
  y = wasm_v128_bitselect(splat(-__builtin_inff()), y, wasm_f32x4_eq(x, splat(0.0f)));
  y = wasm_v128_bitselect(splat(__builtin_nanf("")), y, wasm_f32x4_lt(x, splat(0.0f)));
  return wasm_v128_bitselect(x, y, wasm_v128_or(wasm_f32x4_ne(x, x), wasm_f32x4_eq(x, splat(__builtin_inff()))));
}

// x·Φ(x). Erf form: erf by Abramowitz & Stegun 7.1.26 as the reference (src/ops/gelu.ts), with 1 + erf(z) =
// p·e^(−z²) for z < 0 written directly (no cancellation). Tanh form: ½(1 + tanh u) = 1/(1 + e^(−2u)).
INLINE f32x4 gelu4(f32x4 x, int tanh_form) {
  if (tanh_form) {
    f32x4 x3 = wasm_f32x4_mul(x, wasm_f32x4_mul(x, x));
    f32x4 u = wasm_f32x4_mul(splat(0.7978845608028654f), wasm_f32x4_add(x, wasm_f32x4_mul(splat(0.044715f), x3)));
    return wasm_f32x4_div(x, wasm_f32x4_add(splat(1.0f), exp4(wasm_f32x4_mul(u, splat(-2.0f)))));
  }
  f32x4 a = wasm_f32x4_abs(wasm_f32x4_mul(x, splat(0.7071067811865476f)));
  f32x4 t = wasm_f32x4_div(splat(1.0f), wasm_f32x4_add(splat(1.0f), wasm_f32x4_mul(splat(0.3275911f), a)));
  f32x4 p = splat(1.061405429f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(-1.453152027f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(1.421413741f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(-0.284496736f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), splat(0.254829592f));
  f32x4 pe = wasm_f32x4_mul(wasm_f32x4_mul(p, t), exp4(wasm_f32x4_neg(wasm_f32x4_mul(a, a))));
  f32x4 one_plus_erf = wasm_v128_bitselect(pe, wasm_f32x4_sub(splat(2.0f), pe), wasm_f32x4_lt(x, splat(0.0f)));
  return wasm_f32x4_mul(wasm_f32x4_mul(splat(0.5f), x), one_plus_erf);
}

// ---- binaries: d = op(a, b), each operand read at its own stride (0: broadcast) ----

// The ops in the order of BINARY_OPS in src/cpu/arena/ops/elementwise.ts, then the non-commutative ones with their
// operands swapped (a broadcast left operand is read as the right one).
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_PRELU, B_RSUB, B_RDIV, B_RPRELU };

INLINE int swapped(int op) { return op == B_SUB ? B_RSUB : op == B_DIV ? B_RDIV : op == B_PRELU ? B_RPRELU : op; }

INLINE f32x4 prelu4(f32x4 x, f32x4 s) { return wasm_v128_bitselect(wasm_f32x4_mul(x, s), x, wasm_f32x4_lt(x, splat(0.0f))); }

INLINE f32x4 rsub4(f32x4 a, f32x4 b) { return wasm_f32x4_sub(b, a); }
INLINE f32x4 rdiv4(f32x4 a, f32x4 b) { return wasm_f32x4_div(b, a); }

// wasm's max/min propagate NaN and order −0 < +0, as Math.max/min.
static f32x4 bin1(int op, f32x4 a, f32x4 b) {
  switch (op) {
    case B_ADD: return wasm_f32x4_add(a, b);
    case B_SUB: return wasm_f32x4_sub(a, b);
    case B_MUL: return wasm_f32x4_mul(a, b);
    case B_DIV: return wasm_f32x4_div(a, b);
    case B_MAX: return wasm_f32x4_max(a, b);
    case B_MIN: return wasm_f32x4_min(a, b);
    case B_PRELU: return prelu4(a, b);
    case B_RSUB: return rsub4(a, b);
    case B_RDIV: return rdiv4(a, b);
    default: return prelu4(b, a);
  }
}

// The vector at element i of n at stride s.
INLINE f32x4 operand(const f32 *p, int s, int i, int n) {
  return s == 1 ? load4(p + i) : s == 0 ? splat(*p) : gather(p + i * s, s, n - i < 4 ? n - i : 4);
}

// d[0, n) = f(A(i), B(i)), the operands' vectors at element i: 16 floats a step where `four`, then single vectors,
// the last partial one stored lane by lane.
#define BIN_LOOP(f, four, A, B)                                                                                        \
  {                                                                                                                  \
    int i = 0;                                                                                                       \
    for (; four && i <= n - 16; i += 16) {                                                                           \
      f32x4 r0 = f(A(i), B(i)), r1 = f(A(i + 4), B(i + 4)), r2 = f(A(i + 8), B(i + 8)), r3 = f(A(i + 12), B(i + 12)); \
      store4(d + i, r0), store4(d + i + 4, r1), store4(d + i + 8, r2), store4(d + i + 12, r3);                       \
    }                                                                                                                \
    if (four) {                                                                                                      \
      for (; i + 4 <= n; i += 4) store4(d + i, f(A(i), B(i)));                                                      \
      if (i < n) store_first(d + i, f(A(i), B(i)), n - i);                                                           \
    } else {                                                                                                         \
      for (; i < n; i += 4) {                                                                                        \
        f32x4 r = f(A(i), B(i));                                                                                     \
        if (n - i >= 4) store4(d + i, r);                                                                            \
        else store_first(d + i, r, n - i);                                                                           \
      }                                                                                                              \
    }                                                                                                                \
  }
#define VEC_A(i) load4(a + (i))
#define VEC_B(i) load4(b + (i))
#define SPLAT_B(i) vb
#define ANY_A(i) operand(a, sa, i, n)
#define ANY_B(i) operand(b, sb, i, n)

// vv_<op>: both operands contiguous; vs_<op>: b one value; rv_<op>: rows [r0, r1) of `inner` outputs, x's rows
// contiguous, v one vector shared by every row, four columns at a time down blocks of 8 rows so that v's lanes stay in
// a register (per-channel scaling of NHWC, where rows are short). Own loops, 16 floats a step, only for the ops the
// models run (MediaPipe's residual Adds and squeeze-excite Muls, TF.js models' normalising Subs and Divs): the rest go
// through loops dispatching on the op per vector (the per-op loops of every op were 35 KB of wasm).
#define ANY(a, b) bin1(op, a, b)
#define ROWVEC(f)                                                                                                      \
  for (int r = r0; r < r1; r += 8) {                                                                                 \
    int re = r + 8 < r1 ? r + 8 : r1;                                                                                \
    for (int c = 0; c < inner; c += 4) {                                                                             \
      f32x4 vv = load4(v + c);                                                                                       \
      int w = inner - c;                                                                                             \
      for (int k = r; k < re; k++) {                                                                                 \
        f32x4 y = f(load4(x + k * inner + c), vv);                                                                   \
        if (w >= 4) store4(d + k * inner + c, y);                                                                    \
        else store_first(d + k * inner + c, y, w);                                                                   \
      }                                                                                                              \
    }                                                                                                                \
  }
#define VV(name, f, four)                                                                                              \
  static __attribute__((noinline)) void vv_##name(f32 *d, const f32 *a, const f32 *b, int n)                        \
    BIN_LOOP(f, four, VEC_A, VEC_B)
#define VS(name, f, four)                                                                                              \
  static __attribute__((noinline)) void vs_##name(f32 *d, const f32 *a, f32x4 vb, int n)                            \
    BIN_LOOP(f, four, VEC_A, SPLAT_B)
#define RV(name, f)                                                                                                    \
  static __attribute__((noinline)) void rv_##name(f32 *d, const f32 *x, const f32 *v, int inner, int r0, int r1) {  \
    ROWVEC(f)                                                                                                        \
  }
#define BINARY(name, f, four) VV(name, f, four) VS(name, f, four) RV(name, f)

BINARY(add, wasm_f32x4_add, 1)
BINARY(sub, wasm_f32x4_sub, 1)
BINARY(mul, wasm_f32x4_mul, 1)
BINARY(div, wasm_f32x4_div, 1)
// a scalar minus or over a tensor
VS(rsub, rsub4, 1)
VS(rdiv, rdiv4, 1)

static __attribute__((noinline)) void any_any(int op, f32 *d, const f32 *a, int sa, const f32 *b, int sb, int n)
  BIN_LOOP(ANY, 0, ANY_A, ANY_B)
static __attribute__((noinline)) void rv_any(int op, f32 *d, const f32 *x, const f32 *v, int inner, int r0, int r1) {
  ROWVEC(ANY)
}

// The switch cases calling kind_<op>(args) for the ops with own loops (the others fall through).
#define OWN_LOOPS(kind, ...)                                                                                           \
  case B_ADD: kind##_add(__VA_ARGS__); return;                                                                       \
  case B_SUB: kind##_sub(__VA_ARGS__); return;                                                                       \
  case B_MUL: kind##_mul(__VA_ARGS__); return;                                                                       \
  case B_DIV: kind##_div(__VA_ARGS__); return;

// n outputs; sa, sb the operands' strides.
static void bin_row(int op, f32 *d, const f32 *a, int sa, const f32 *b, int sb, int n) {
  if (sa == 0 && sb == 1) {
    const f32 *t = a;
    a = b, b = t, sa = 1, sb = 0, op = swapped(op);
  }
  if (sa == 1 && sb == 1)
    switch (op) { OWN_LOOPS(vv, d, a, b, n) }
  if (sa == 1 && sb == 0)
    switch (op) {
      OWN_LOOPS(vs, d, a, splat(*b), n)
      case B_RSUB: vs_rsub(d, a, splat(*b), n); return;
      case B_RDIV: vs_rdiv(d, a, splat(*b), n); return;
    }
  any_any(op, d, a, sa, b, sb, n);
}

static void bin_rowvec(int op, f32 *d, const f32 *x, const f32 *v, int inner, int r0, int r1) {
  switch (op) { OWN_LOOPS(rv, d, x, v, inner, r0, r1) }
  rv_any(op, d, x, v, inner, r0, r1);
}

// Elements [t0, t1)·block of n (tiles ⌈n / block⌉) at strides sa, sb.
EXPORT(elt_binary_flat)(int op, f32 *d, const f32 *a, int sa, const f32 *b, int sb, int n, int block, int t0, int t1) {
  int s = t0 * block, e = t1 * block < n ? t1 * block : n;
  if (s < e) bin_row(op, d + s, a + s * sa, sa, b + s * sb, sb, e - s);
}

// A 6-D broadcast in the output's order: g = dims[6], a's strides[6], b's strides[6] (elements, 0 where
// broadcast). Tiles: output rows, the product of the first 5 dims.
EXPORT(elt_binary_nd)(int op, f32 *d, const f32 *a, const f32 *b, const int32_t *g, int t0, int t1) {
  const int32_t *sa = g + 6, *sb = g + 12;
  int inner = g[5];
  if (sa[5] == 1 && sb[5] == 1 && ((sa[4] == inner && sb[4] == 0) || (sb[4] == inner && sa[4] == 0))) {
    // one vector per outer index (per-channel scaling of NHWC, batch > 1 too)
    int rows = g[4], v_left = sa[4] == 0;
    if (v_left) op = swapped(op);
    for (int r = t0; r < t1;) {
      int o = r / rows, k0 = r - o * rows, k1 = t1 - o * rows < rows ? t1 - o * rows : rows;
      int i3 = o % g[3], q = o / g[3], i2 = q % g[2], i1 = q / g[2] % g[1], i0 = q / g[2] / g[1];
      const f32 *pa = a + i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3];
      const f32 *pb = b + i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3];
      f32 *pd = d + o * rows * inner;
      bin_rowvec(op, pd, v_left ? pb : pa, v_left ? pa : pb, inner, k0, k1);
      r = o * rows + k1;
    }
    return;
  }
  int i4 = t0 % g[4], q = t0 / g[4], i3 = q % g[3], i2 = q / g[3] % g[2], i1 = q / g[3] / g[2] % g[1];
  int i0 = q / g[3] / g[2] / g[1];
  int oa = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3] + i4 * sa[4];
  int ob = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3] + i4 * sb[4];
  for (int r = t0; r < t1; r++) {
    bin_row(op, d + r * inner, a + oa, sa[5], b + ob, sb[5], inner);
    oa += sa[4], ob += sb[4];
    if (++i4 < g[4]) continue;
    oa -= sa[4] * g[4], ob -= sb[4] * g[4], i4 = 0, oa += sa[3], ob += sb[3];
    if (++i3 < g[3]) continue;
    oa -= sa[3] * g[3], ob -= sb[3] * g[3], i3 = 0, oa += sa[2], ob += sb[2];
    if (++i2 < g[2]) continue;
    oa -= sa[2] * g[2], ob -= sb[2] * g[2], i2 = 0, oa += sa[1], ob += sb[1];
    if (++i1 < g[1]) continue;
    oa -= sa[1] * g[1], ob -= sb[1] * g[1], i1 = 0, oa += sa[0], ob += sb[0];
  }
}

// ---- unaries: d = op(x; p, q) over elements [t0, t1)·block of n ----

// The ops in the order of UNARY_PARAMS in src/cpu/arena/ops/elementwise.ts.
enum { U_RELU, U_CLIP, U_LEAKYRELU, U_ELU, U_SIGMOID, U_HARDSIGMOID, U_HARDSWISH, U_TANH, U_EXP, U_LOG, U_GELU, U_NEG,
       U_ABS, U_SQRT, U_RECIPROCAL, U_FLOOR, U_CEIL, U_ROUND, U_SIGN };

#define ZERO splat(0.0f)
#define NEG(x) wasm_f32x4_lt(x, ZERO)

// The short bodies, for the ops that share one loop.
static f32x4 unary1(int op, f32x4 x, f32x4 p, f32x4 q) {
  switch (op) {
    case U_HARDSIGMOID: return clamp4(wasm_f32x4_add(wasm_f32x4_mul(x, p), q), ZERO, splat(1.0f));
    case U_NEG: return wasm_f32x4_neg(x);
    case U_ABS: return wasm_f32x4_abs(x);
    case U_SQRT: return wasm_f32x4_sqrt(x);
    case U_RECIPROCAL: return wasm_f32x4_div(splat(1.0f), x);
    case U_FLOOR: return wasm_f32x4_floor(x);
    case U_CEIL: return wasm_f32x4_ceil(x);
    case U_ROUND: return wasm_f32x4_nearest(x);
    // ±0 → +0 (x + 0), NaN stays NaN
    default: return wasm_v128_bitselect(splat(1.0f), wasm_v128_bitselect(splat(-1.0f), wasm_f32x4_add(x, ZERO), NEG(x)), wasm_f32x4_gt(x, ZERO));
  }
}

// d[i, e) = f(x) for x the vectors of s: 16 floats a step (four independent chains hide the latency of a long body:
// sigmoid 1.4x), then single vectors, the last partial one stored lane by lane. ONE: single vectors only, for size
// (the ops no model we measure runs standalone; Tanh 1.6x and Exp 1.07x slower than by FOUR in Node 20).
#define FOUR(f)                                                                                                        \
  for (; i + 16 <= e; i += 16) {                                                                                     \
    f32x4 r0 = f(load4(s + i)), r1 = f(load4(s + i + 4)), r2 = f(load4(s + i + 8)), r3 = f(load4(s + i + 12));       \
    store4(d + i, r0), store4(d + i + 4, r1), store4(d + i + 8, r2), store4(d + i + 12, r3);                         \
  }                                                                                                                  \
  ONE(f)
#define ONE(f)                                                                                                         \
  for (; i < e; i += 4) {                                                                                            \
    f32x4 r = f(load4(s + i));                                                                                       \
    if (e - i >= 4) store4(d + i, r);                                                                                \
    else store_first(d + i, r, e - i);                                                                               \
  }                                                                                                                  \
  break;

#define RELU(x) wasm_f32x4_pmax(x, ZERO)
#define CLIP(x) clamp4(x, p, q)
#define LEAKY(x) wasm_v128_bitselect(wasm_f32x4_mul(x, p), x, NEG(x))
#define HSWISH(x) act4(x, ACT_HARDSWISH, 1.0f, 0.0f)
#define ELU(x) wasm_v128_bitselect(wasm_f32x4_mul(p, expm1_neg4(x)), x, NEG(x))
#define GELU(x) gelu4(x, p0 != 0)
#define SHORT(x) unary1(op, x, p, q)

EXPORT(elt_unary)(int op, f32 *d, const f32 *s, int n, int block, f32 p0, f32 q0, int t0, int t1) {
  f32x4 p = splat(p0), q = splat(q0);
  int i = t0 * block, e = t1 * block < n ? t1 * block : n;
  switch (op) {
    case U_RELU: FOUR(RELU)
    case U_CLIP: FOUR(CLIP)
    case U_LEAKYRELU: ONE(LEAKY)
    case U_SIGMOID: FOUR(sigmoid4)
    case U_HARDSWISH: FOUR(HSWISH)
    case U_ELU: ONE(ELU)
    case U_TANH: ONE(tanh4)
    case U_EXP: ONE(exp_full4)
    case U_LOG: ONE(log4)
    case U_GELU: ONE(GELU)
    default: ONE(SHORT)
  }
}

// ---- softmax over an axis of n elements `inner` apart (outer × n × inner), the maximum subtracted first ----

// Contiguous rows (inner 1); tiles: rows.
INLINE void softmax_row(f32 *d, const f32 *s, int n) {
  f32x4 m = splat(-__builtin_inff());
  int i = 0;
  for (; i + 4 <= n; i += 4) m = wasm_f32x4_max(m, load4(s + i));
  v128_t tail = lanes_below(n - i);
  if (i < n) m = wasm_f32x4_max(m, wasm_v128_bitselect(load4(s + i), splat(-__builtin_inff()), tail));
  m = wasm_f32x4_max(m, wasm_i32x4_shuffle(m, m, 2, 3, 0, 1));
  m = wasm_f32x4_max(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
  f32x4 sum = ZERO;
  for (i = 0; i + 4 <= n; i += 4) {
    f32x4 e = exp_full(wasm_f32x4_sub(load4(s + i), m));
    store4(d + i, e);
    sum = wasm_f32x4_add(sum, e);
  }
  if (i < n) {
    f32x4 e = exp_full(wasm_f32x4_sub(load4(s + i), m));
    store_first(d + i, e, n - i);
    sum = wasm_f32x4_add(sum, wasm_v128_and(e, tail));
  }
  sum = wasm_f32x4_add(sum, wasm_i32x4_shuffle(sum, sum, 2, 3, 0, 1));
  sum = wasm_f32x4_add(sum, wasm_i32x4_shuffle(sum, sum, 1, 0, 3, 2));
  for (i = 0; i + 4 <= n; i += 4) store4(d + i, wasm_f32x4_div(load4(d + i), sum));
  if (i < n) store_first(d + i, wasm_f32x4_div(load4(d + i), sum), n - i);
}

EXPORT(elt_softmax_rows)(f32 *d, const f32 *s, int n, int t0, int t1) {
  for (int r = t0; r < t1; r++) softmax_row(d + r * n, s + r * n, n);
}

// Strided axis (inner > 1): 4 columns a step, one per lane; tiles: outer × ⌈inner / 4⌉ column blocks.
EXPORT(elt_softmax_cols)(f32 *d, const f32 *s, int n, int inner, int t0, int t1) {
  int blocks = (inner + 3) / 4;
  for (int t = t0; t < t1; t++) {
    int o = t / blocks, c = (t % blocks) * 4, w = inner - c < 4 ? inner - c : 4;
    const f32 *src = s + o * n * inner + c;
    f32 *dst = d + o * n * inner + c;
    f32x4 m = splat(-__builtin_inff());
    for (int k = 0; k < n; k++) m = wasm_f32x4_max(m, load4(src + k * inner));
    f32x4 sum = ZERO;
    for (int k = 0; k < n; k++) {
      f32x4 e = exp_full(wasm_f32x4_sub(load4(src + k * inner), m));
      sum = wasm_f32x4_add(sum, e);
      if (w == 4) store4(dst + k * inner, e);
      else store_first(dst + k * inner, e, w);
    }
    for (int k = 0; k < n; k++) {
      f32x4 y = wasm_f32x4_div(load4(dst + k * inner), sum);
      if (w == 4) store4(dst + k * inner, y);
      else store_first(dst + k * inner, y, w);
    }
  }
}
