// Elementwise activation y[i] = f(x[i]) over n elements; layout-agnostic (input and output share one).
// f by OP, with p0/p1 from the params:
//   0 Relu         x < 0 ? 0 : x
//   1 Clip         min(max(x, p0), p1)        (p0 = min, p1 = max; ±inf when absent)
//   2 Sigmoid      1 / (1 + e^-x), through e^-|x| so it never overflows
//   3 HardSigmoid  clamp(p0·x + p1, 0, 1)     (p0 = alpha, p1 = beta)
//   4 HardSwish    x · clamp(x/6 + 1/2, 0, 1)
//   5 Abs |x|   6 Neg −x   7 Sqrt √x (NaN below 0)   8 Reciprocal 1/x   9 Exp e^x   11 Floor ⌊x⌋
//  10 Tanh         sign(x)·(1 − e^-2|x|)/(1 + e^-2|x|), so it never overflows
//  12 Elu          x < 0 ? p0·(e^x − 1) : x      (p0 = alpha)
//  13 LeakyRelu    x < 0 ? p0·x : x              (p0 = alpha)
//  14 Trunc        toward zero (Cast to an integer type; integers are carried as f32)
//  15 NonZero      x != 0 ? 1 : 0               (Cast to BOOL; NaN is non-zero)
//  16 Copy         x                            (Cast to a float type)
//  17 Not          x == 0 ? 1 : 0               18 Sin sin x   19 Cos cos x   (trig.wgsl, ~1e-7)
//  20 Log ln x   21 Ceil ⌈x⌉   23 Round (half to even)   26 Sign (NaN stays NaN)
//  22 Gelu         x·Φ(x): p0 = 1 the tanh approximation, else 0.5·x·(1 + erf(x/√2)) with erf by Abramowitz &
//                  Stegun 7.1.26 (|error| ≤ 1.5e-7; src/ops/gelu.ts uses the same)
// exp() is only called on arguments clamped to [-88, 88] (its result is undefined past f32's range); the
// special values it would give are selected explicitly.
// Comparisons are written with select so NaN falls through to the output as in the CPU reference (Sigmoid
// tests for NaN by bit pattern, since exp(NaN) is not NaN on every implementation).
//   @binding(0) params  uniform Params { n, p0, p1 }
//   @binding(1) x       array<f32>, n elements
//   @binding(2) y       array<f32>, n elements
override WG: u32 = 256u;
override OP: u32 = 0u;

// #include "trig.wgsl"

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn unit_clamp(v: f32) -> f32 {
  return select(select(v, 1.0, v > 1.0), 0.0, v < 0.0);
}

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// Private variables, not constants: constant expressions may not evaluate to NaN or infinity.
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;

fn safe_exp(v: f32) -> f32 {
  return exp(clamp(v, -88.0, 88.0));
}

fn activate(v: f32) -> f32 {
  switch OP {
    case 1u: {
      let lo = select(v, params.p0, v < params.p0);
      return select(lo, params.p1, lo > params.p1);
    }
    case 2u: {
      let e = exp(-abs(v));
      let nan = (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
      return select(select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0), v, nan);
    }
    case 3u: {
      return unit_clamp(params.p0 * v + params.p1);
    }
    case 4u: {
      return v * unit_clamp(v / 6.0 + 0.5);
    }
    case 5u: { return abs(v); }
    case 6u: { return -v; }
    case 7u: { return select(select(sqrt(max(v, 0.0)), bitcast<f32>(NAN_BITS), v < 0.0), v, is_nan(v)); }
    case 8u: { return 1.0 / v; }
    case 9u: {
      return select(select(safe_exp(v), 0.0, v < -88.0), select(bitcast<f32>(INF_BITS), v, is_nan(v)), v > 88.0 || is_nan(v));
    }
    case 10u: {
      let t = exp(-2.0 * min(abs(v), 20.0));
      return select(sign(v) * (1.0 - t) / (1.0 + t), v, is_nan(v));
    }
    case 11u: { return floor(v); }
    case 12u: { return select(v, params.p0 * (safe_exp(v) - 1.0), v < 0.0); }
    case 13u: { return select(v, params.p0 * v, v < 0.0); }
    case 14u: { return trunc(v); }
    case 15u: { return select(0.0, 1.0, v != 0.0 || is_nan(v)); }
    case 16u: { return v; }
    case 17u: { return select(0.0, 1.0, v == 0.0); }
    case 18u: { return sincos_acc(v).x; }
    case 19u: { return sincos_acc(v).y; }
    case 20u: { return log(v); }
    case 23u: { return round(v); }
    case 26u: { return select(sign(v), v, is_nan(v)); }
    case 21u: { return ceil(v); }
    case 22u: {
      if (params.p0 != 0.0) {
        let u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
        let t = exp(-2.0 * min(abs(u), 20.0));
        return select(0.5 * v * (1.0 + sign(u) * (1.0 - t) / (1.0 + t)), v, is_nan(v));
      }
      let a = abs(v) * 0.7071067811865476;
      let k = 1.0 / (1.0 + 0.3275911 * a);
      let p = k * (0.254829592 + k * (-0.284496736 + k * (1.421413741 + k * (-1.453152027 + k * 1.061405429))));
      let e = 1.0 - p * exp(-min(a * a, 88.0));
      return 0.5 * v * (1.0 + select(e, -e, v < 0.0));
    }
    default: {
      return select(v, 0.0, v < 0.0);
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  y[i] = activate(x[i]);
}
