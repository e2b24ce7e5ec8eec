// Elementwise binary op with numpy broadcasting: y[i] = a[ia] ∘ b[ib], ∘ by OP (0 add, 1 sub, 2 mul, 3 div,
// 4 PRelu: a < 0 ? a·b : a, 5 max, 6 min; max/min return NaN when either operand is NaN, like Math.max;
// predicates giving 1 or 0: 7 ==, 8 !=, 9 <, 10 <=, 11 >, 12 >=, 13 and, 14 or (operands non-zero);
// 15 floor mod (TF FloorMod: the sign of b), 16 atan2(a, b) (trig.wgsl),
// 17 pow as C's: |a|^b, negated for a < 0 and an odd integer b, NaN for a < 0 and a non-integer b, 1 for b = 0).
// y is contiguous in its physical layout; i runs over it. How ia, ib follow from i is the KIND:
//   0  same shape and layout:   ia = ib = i
//   1  b broadcast per row:     ib = (i / (mid·inner))·inner + i % inner, ia = i   (b is [outer, 1, inner] of
//                               y's [outer, mid, inner]: per-channel (N,C,1,1) on NHWC, bias rows, scalars)
//   2  as 1 with a and b swapped
//   3  general: i decomposed over d5 × … × d0 (d0 innermost, dims ≥ NDIM ignored), ia = Σ c_k·sa_k,
//      ib = Σ c_k·sb_k, where sa/sb are each operand's physical strides (0 along broadcast dims)
//   @binding(0) params  uniform Params
// XT is f32, or vec4<f32> for KIND 0 with n % 4 == 0 and KIND 1 / 2 with inner % 4 == 0 (src/gpu/programs/
// binary.gpu.ts prepends XT and apply_xt, which applies OP per component; n and inner then count vec4s).
//   @binding(1) a       array<f32>, physical buffer of operand A
//   @binding(2) b       array<f32>, physical buffer of operand B
//   @binding(3) y       array<f32>, physical buffer of the output, n elements
override WG: u32 = 256u;
override OP: u32 = 0u;
override KIND: u32 = 0u;
override NDIM: u32 = 6u;

// #include "trig.wgsl"

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<XT>;
@group(0) @binding(2) var<storage, read> b: array<XT>;
@group(0) @binding(3) var<storage, read_write> y: array<XT>;

fn row_index(i: u32) -> u32 {
  return (i / (params.mid * params.inner)) * params.inner + i % params.inner;
}

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// A private variable, not a constant: constant expressions may not evaluate to NaN.
var<private> NAN_BITS: u32 = 0x7fc00000u;

fn apply(p: f32, q: f32) -> f32 {
  switch OP {
    case 4u: { return select(p, p * q, p < 0.0); }
    case 5u: { return select(select(q, p, p > q), select(q, p, is_nan(p)), is_nan(p) || is_nan(q)); }
    case 6u: { return select(select(q, p, p < q), select(q, p, is_nan(p)), is_nan(p) || is_nan(q)); }
    case 7u: { return select(0.0, 1.0, p == q); }
    case 8u: { return select(0.0, 1.0, p != q); }
    case 9u: { return select(0.0, 1.0, p < q); }
    case 10u: { return select(0.0, 1.0, p <= q); }
    case 11u: { return select(0.0, 1.0, p > q); }
    case 12u: { return select(0.0, 1.0, p >= q); }
    case 13u: { return select(0.0, 1.0, p != 0.0 && q != 0.0); }
    case 14u: { return select(0.0, 1.0, p != 0.0 || q != 0.0); }
    case 15u: {
      let r = p - q * trunc(p / q);
      return select(r + q, r, r == 0.0 || (r < 0.0) == (q < 0.0));
    }
    case 16u: { return atan2_acc(p, q); }
    case 1u: { return p - q; }
    case 2u: { return p * q; }
    case 3u: { return p / q; }
    case 17u: {
      let r = pow(abs(p), q);
      let whole = q == round(q);
      let odd = whole && abs(q - 2.0 * floor(q * 0.5)) == 1.0;
      let signed = select(select(r, -r, odd), bitcast<f32>(NAN_BITS), !whole);
      return select(select(r, signed, p < 0.0), 1.0, q == 0.0);
    }
    default: { return p + q; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  var ia = i;
  var ib = i;
  if (KIND == 1u) {
    ib = row_index(i);
  } else if (KIND == 2u) {
    ia = row_index(i);
  } else if (KIND == 3u) {
    var r = i;
    var sa = 0i;
    var sb = 0i;
    if (NDIM > 0u) { let c = i32(r % params.d0); r /= params.d0; sa += c * params.sa0; sb += c * params.sb0; }
    if (NDIM > 1u) { let c = i32(r % params.d1); r /= params.d1; sa += c * params.sa1; sb += c * params.sb1; }
    if (NDIM > 2u) { let c = i32(r % params.d2); r /= params.d2; sa += c * params.sa2; sb += c * params.sb2; }
    if (NDIM > 3u) { let c = i32(r % params.d3); r /= params.d3; sa += c * params.sa3; sb += c * params.sb3; }
    if (NDIM > 4u) { let c = i32(r % params.d4); r /= params.d4; sa += c * params.sa4; sb += c * params.sb4; }
    if (NDIM > 5u) { let c = i32(r); sa += c * params.sa5; sb += c * params.sb5; }
    ia = u32(sa);
    ib = u32(sb);
  }
  y[i] = apply_xt(a[ia], b[ib]);
}
