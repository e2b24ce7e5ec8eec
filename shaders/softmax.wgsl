// Softmax over a set of reduced dims, numerically stable: for every row o and element r of it,
//   y[p] = e^(x[p] − m) / Σ_r' e^(x[p'] − m),  m = max_r x[p],  p = base(o) + roff(r)
// base(o) = Σ c_k·ks_k over the kept dims k0 (innermost) … k5, roff(r) = Σ c_j·rs_j over the reduced dims
// r0 … r5; x and y share one physical layout, so p addresses both. Dims ≥ KDIM / RDIM are ignored.
// A WG_X × WG_Y workgroup handles WG_X rows; the WG_Y threads of a row stride through it, combining the max
// and then the sum with a tree in workgroup memory (WG_Y a power of two). A NaN anywhere in a row makes the
// whole row NaN, as in the CPU reference.
//   @binding(0) params  uniform Params { n_out = rows, n_red = row length, k*, ks*, r*, rs* }
//   @binding(1) x       array<f32>, the input's physical buffer
//   @binding(2) y       array<f32>, the output's physical buffer (same shape and layout)
override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;
override KDIM: u32 = 6u;
override RDIM: u32 = 6u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

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

// e^d, NaN for NaN d (inf − inf included): exp(NaN) is not NaN on every implementation
fn nan_exp(d: f32) -> f32 {
  return select(exp(d), d, is_nan(d));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let o = (wid.x + wid.y * nwg.x) * WG_X + lid.x;
  let live = o < params.n_out;
  let slot = lid.y * WG_X + lid.x;
  let base = select(0i, kept_offset(o), live);
  let n = select(0u, params.n_red, live);

  var m = x[u32(base)]; // element 0 of the row (roff(0) = 0)
  for (var r = lid.y; r < n; r += WG_Y) {
    m = nan_max(m, x[u32(base + red_offset(r))]);
  }
  part[slot] = m;
  workgroupBarrier();
  for (var s = WG_Y / 2u; s > 0u; s /= 2u) {
    if (lid.y < s) {
      part[slot] = nan_max(part[slot], part[slot + s * WG_X]);
    }
    workgroupBarrier();
  }
  m = part[lid.x];
  workgroupBarrier();

  var sum = 0.0;
  for (var r = lid.y; r < n; r += WG_Y) {
    sum += nan_exp(x[u32(base + red_offset(r))] - m);
  }
  part[slot] = sum;
  workgroupBarrier();
  for (var s = WG_Y / 2u; s > 0u; s /= 2u) {
    if (lid.y < s) {
      part[slot] += part[slot + s * WG_X];
    }
    workgroupBarrier();
  }
  sum = part[lid.x];

  for (var r = lid.y; r < n; r += WG_Y) {
    let p = u32(base + red_offset(r));
    y[p] = nan_exp(x[p] - m) / sum;
  }
}
