// Mean over a set of reduced dims (ReduceMean, GlobalAveragePool): y[o] = (Σ_r x[base(o) + roff(r)]) / n_red.
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

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let o = (wid.x + wid.y * nwg.x) * WG_X + lid.x;
  let slot = lid.y * WG_X + lid.x;
  var acc = 0.0;
  if (o < params.n_out) {
    let base = kept_offset(o);
    for (var r = lid.y; r < params.n_red; r += WG_Y) {
      acc += x[u32(base + red_offset(r))];
    }
  }
  part[slot] = acc;
  workgroupBarrier();
  for (var s = WG_Y / 2u; s > 0u; s /= 2u) {
    if (lid.y < s) {
      part[slot] += part[slot + s * WG_X];
    }
    workgroupBarrier();
  }
  if (o < params.n_out && lid.y == 0u) {
    y[o] = part[lid.x] / f32(params.n_red);
  }
}
