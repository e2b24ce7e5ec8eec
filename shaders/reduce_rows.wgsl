// Row addressing shared by the row-reduction kernels (reduce.wgsl, softmax.wgsl), included by reduce_tree.wgsl and
// reduce_tree_subgroups.wgsl: a WG_X × WG_Y workgroup handles WG_X rows; the WG_Y threads (lanes) of a row stride
// through it (WG_Y a power of two, WG_X · WG_Y <= 256).
//   kept_offset(o): Σ c_k·ks_k for row o decomposed over the kept dims k0 (innermost) … k5
//   red_offset(r):  Σ c_j·rs_j for element r decomposed over the reduced dims r0 … r5
// Dims >= KDIM / RDIM are ignored. The including kernel declares a params uniform with k0..k5, ks0..ks5,
// r0..r5, rs0..rs5.
override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;
override KDIM: u32 = 6u;
override RDIM: u32 = 6u;
var<workgroup> part: array<f32, 256>;

fn kept_offset(o: u32) -> i32 {
  var q = o;
  var s = 0i;
  if (KDIM > 0u) { s += i32(q % params.k0) * params.ks0; q /= params.k0; }
  if (KDIM > 1u) { s += i32(q % params.k1) * params.ks1; q /= params.k1; }
  if (KDIM > 2u) { s += i32(q % params.k2) * params.ks2; q /= params.k2; }
  if (KDIM > 3u) { s += i32(q % params.k3) * params.ks3; q /= params.k3; }
  if (KDIM > 4u) { s += i32(q % params.k4) * params.ks4; q /= params.k4; }
  if (KDIM > 5u) { s += i32(q) * params.ks5; }
  return s;
}

fn red_offset(r: u32) -> i32 {
  var q = r;
  var s = 0i;
  if (RDIM > 0u) { s += i32(q % params.r0) * params.rs0; q /= params.r0; }
  if (RDIM > 1u) { s += i32(q % params.r1) * params.rs1; q /= params.r1; }
  if (RDIM > 2u) { s += i32(q % params.r2) * params.rs2; q /= params.r2; }
  if (RDIM > 3u) { s += i32(q % params.r3) * params.rs3; q /= params.r3; }
  if (RDIM > 4u) { s += i32(q % params.r4) * params.rs4; q /= params.r4; }
  if (RDIM > 5u) { s += i32(q) * params.rs5; }
  return s;
}

// by bit pattern: `v != v` may be folded away by compilers that assume no NaNs
fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// max that returns NaN when either side is NaN (the max builtin may drop it)
fn nan_max(p: f32, q: f32) -> f32 {
  return select(select(q, p, p > q), p + q, is_nan(p) || is_nan(q));
}

// a ⊕ b for tree_reduce's kinds: 0 sum, 1 max, 2 min (max and min return NaN when either side is NaN), 3 product
fn combine_kind(a: f32, b: f32, kind: u32) -> f32 {
  switch kind {
    case 1u: { return nan_max(a, b); }
    case 2u: { return select(select(b, a, a < b), a + b, is_nan(a) || is_nan(b)); }
    case 3u: { return a * b; }
    default: { return a + b; }
  }
}
