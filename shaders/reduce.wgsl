// Reduction over a set of reduced dims: y[o] = ⊕_r x[base(o) + roff(r)], ⊕ by OP: 0 mean (ReduceMean,
// GlobalAveragePool), 1 sum, 2 max, 3 min (NaN wins in both), 4 argmax, 5 argmin (one reduced dim; y is the
// index r as f32; ties go to the lowest r, or the highest when SELECT_LAST = 1; NaN counts as the extreme).
// o runs over the output's physical buffer; base(o) = Σ c_k·ks_k for o decomposed over the kept dims
// k0 (innermost) … k5, roff(r) = Σ c_j·rs_j for r decomposed over the reduced dims r0 … r5 (strides are the
// input's physical strides). Dims ≥ KDIM / RDIM are ignored.
// A WG_X × WG_Y workgroup handles WG_X outputs; the WG_Y threads of one output stride through its reduced
// elements and their partial sums are combined by a tree in workgroup memory (WG_Y a power of two).
//   @binding(0) params  uniform Params { n_out, n_red, k*, ks*, r*, rs* }
//   @binding(1) x       array<f32>, the input's physical buffer
//   @binding(2) y       array<f32>, the output's physical buffer, n_out elements
override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;
override KDIM: u32 = 6u;
override RDIM: u32 = 6u;
override OP: u32 = 0u;
override SELECT_LAST: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> part: array<f32, 256>;
var<workgroup> part_i: array<u32, 256>;

const NONE = 0xffffffffu;
// Private variables, not constants: constant expressions may not evaluate to infinity.
var<private> NEG_INF_BITS: u32 = 0xff800000u;
var<private> INF_BITS: u32 = 0x7f800000u;

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn combine(a: f32, b: f32) -> f32 {
  switch OP {
    case 2u: { return select(select(b, a, a > b), a, is_nan(a)); }
    case 3u: { return select(select(b, a, a < b), a, is_nan(a)); }
    default: { return a + b; }
  }
}

fn identity() -> f32 {
  switch OP {
    case 2u: { return bitcast<f32>(NEG_INF_BITS); }
    case 3u: { return bitcast<f32>(INF_BITS); }
    default: { return 0.0; }
  }
}

// Whether candidate (v, i) beats (b, j) for argmax/argmin; index NONE is an empty slot.
fn beats(v: f32, i: u32, b: f32, j: u32) -> bool {
  if (i == NONE) { return false; }
  if (j == NONE) { return true; }
  let nv = is_nan(v);
  let nb = is_nan(b);
  let later = select((i < j), (i > j), SELECT_LAST == 1u);
  if (nv || nb) { return select(nv, later, nv && nb); }
  if (v == b) { return later; }
  return select((v < b), (v > b), OP == 4u);
}

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

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let o = (wid.x + wid.y * nwg.x) * WG_X + lid.x;
  let slot = lid.y * WG_X + lid.x;
  let arg = OP >= 4u;
  var acc = identity();
  var at = NONE;
  if (o < params.n_out) {
    let base = kept_offset(o);
    for (var r = lid.y; r < params.n_red; r += WG_Y) {
      let v = x[u32(base + red_offset(r))];
      if (arg) {
        if (beats(v, r, acc, at)) {
          acc = v;
          at = r;
        }
      } else {
        acc = combine(acc, v);
      }
    }
  }
  part[slot] = acc;
  part_i[slot] = at;
  workgroupBarrier();
  for (var s = WG_Y / 2u; s > 0u; s /= 2u) {
    if (lid.y < s) {
      let other = slot + s * WG_X;
      if (arg) {
        if (beats(part[other], part_i[other], part[slot], part_i[slot])) {
          part[slot] = part[other];
          part_i[slot] = part_i[other];
        }
      } else {
        part[slot] = combine(part[slot], part[other]);
      }
    }
    workgroupBarrier();
  }
  if (o < params.n_out && lid.y == 0u) {
    switch OP {
      case 0u: { y[o] = part[lid.x] / f32(params.n_red); }
      case 4u, 5u: { y[o] = f32(part_i[lid.x]); }
      default: { y[o] = part[lid.x]; }
    }
  }
}
