// Shared by every kernel file: the SIMD intrinsics, the export macro and the multiply-add.
// Kernels take byte offsets into the one arena memory (pointers), never allocate, and keep no state between calls:
// helper threads call the same exports on the same memory. No arrays on the stack (each thread's stack is small).
#pragma once
#include <wasm_simd128.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name))) void name

typedef float f32;
typedef v128_t f32x4;

// a·b + c. Each call is rewritten by the loader (src/cpu/arena/module.ts) into f32x4.relaxed_madd where relaxed SIMD
// validates, else into f32x4.mul then f32x4.add: clang 14 knows only the pre-standard opcode, whose operand order differs.
__attribute__((import_module("env"), import_name("madd"))) f32x4 madd(f32x4 a, f32x4 b, f32x4 c);

static inline f32x4 splat(f32 x) { return wasm_f32x4_splat(x); }
static inline f32x4 load4(const f32 *p) { return wasm_v128_load(p); }
static inline void store4(f32 *p, f32x4 v) { wasm_v128_store(p, v); }
static inline f32x4 clamp4(f32x4 v, f32x4 lo, f32x4 hi) { return wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi); }
static inline f32 clamp1(f32 v, f32 lo, f32 hi) { v = v < lo ? lo : v; return v > hi ? hi : v; }

// e^x to about 2 ulp (Cephes' expf: range reduction by ln 2, degree-6 polynomial) on [-87.3, 88.38]; ~1e-38 below,
// +Inf above (early: the 2^n step overflows from 88.38, where e^x is finite up to 88.72; gelu4 and tanh4 rely on it).
static inline f32x4 exp4(f32x4 x) {
  x = clamp4(x, splat(-87.3f), splat(88.7f));
  f32x4 fx = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, splat(1.44269504088896341f)), splat(0.5f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, splat(-2.12194440e-4f)));
  f32x4 y = splat(1.9875691500e-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), splat(1.3981999507e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), splat(8.3334519073e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), splat(4.1665795894e-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), splat(1.6666665459e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), splat(5.0000001201e-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, wasm_f32x4_mul(x, x)), x), splat(1.0f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(fx), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(y, e);
}

static inline f32x4 sigmoid4(f32x4 x) {
  return wasm_f32x4_div(splat(1.0f), wasm_f32x4_add(splat(1.0f), exp4(wasm_f32x4_neg(x))));
}

// The fused activations (src/ops/activation.ts), as the (kind, a, b) triple actArgs() in src/cpu/arena/types.ts
// passes: 0 clamp to [a, b] (none, relu, clip), 1 sigmoid, 2 hard sigmoid (alpha a, beta b), 3 hard swish
// (gain a). NaN passes through a clamp, as in the reference.
enum { ACT_CLAMP = 0, ACT_SIGMOID = 1, ACT_HARDSIGMOID = 2, ACT_HARDSWISH = 3 };

static inline f32x4 act4(f32x4 v, int kind, f32 a, f32 b) {
  switch (kind) {
    case ACT_CLAMP: return clamp4(v, splat(a), splat(b));
    case ACT_SIGMOID: return sigmoid4(v);
    case ACT_HARDSIGMOID: return clamp4(wasm_f32x4_add(wasm_f32x4_mul(v, splat(a)), splat(b)), splat(0.0f), splat(1.0f));
    default: {
      f32x4 h = clamp4(wasm_f32x4_add(wasm_f32x4_mul(v, splat(1.0f / 6.0f)), splat(0.5f)), splat(0.0f), splat(1.0f));
      return wasm_f32x4_mul(wasm_f32x4_mul(v, h), splat(a));
    }
  }
}

static inline f32 act1(f32 v, int kind, f32 a, f32 b) {
  return wasm_f32x4_extract_lane(act4(splat(v), kind, a, b), 0);
}
