// Softmax over a set of reduced dims, numerically stable: for every row o and element r of it,
//   y[p] = e^(x[p] − m) / Σ_r' e^(x[p'] − m),  m = max_r x[p],  p = base(o) + roff(r)
// base(o) = Σ c_k·ks_k over the kept dims k0 (innermost) … k5, roff(r) = Σ c_j·rs_j over the reduced dims
// r0 … r5; x and y share one physical layout, so p addresses both. Dims ≥ KDIM / RDIM are ignored.
// A WG_X × WG_Y workgroup handles WG_X rows, combining the max and then the sum with reduce_tree.wgsl's tree
// (or reduce_tree_subgroups.wgsl's, which the program substitutes where the device has subgroups).
// A NaN anywhere in a row makes the whole row NaN, as in the CPU reference.
//   @binding(0) params  uniform Params { n_out = rows, n_red = row length, k*, ks*, r*, rs* }
//   @binding(1) x       array<f32>, the input's physical buffer
//   @binding(2) y       array<f32>, the output's physical buffer (same shape and layout)
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// #include "reduce_tree.wgsl"

// e^d, NaN for NaN d (inf − inf included): exp(NaN) is not NaN on every implementation
fn nan_exp(d: f32) -> f32 {
  return select(exp(d), d, is_nan(d));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(t: Threads) {
  let lid = row_lane(t);
  let o = (t.wid.x + t.wid.y * t.nwg.x) * WG_X + lid.x;
  let live = o < params.n_out;
  let base = select(0i, kept_offset(o), live);
  let n = select(0u, params.n_red, live);

  var m = x[u32(base)]; // element 0 of the row (roff(0) = 0)
  for (var r = lid.y; r < n; r += WG_Y) {
    m = nan_max(m, x[u32(base + red_offset(r))]);
  }
  m = tree_reduce(m, lid, 1u);

  var sum = 0.0;
  for (var r = lid.y; r < n; r += WG_Y) {
    sum += nan_exp(x[u32(base + red_offset(r))] - m);
  }
  sum = tree_reduce(sum, lid, 0u);

  for (var r = lid.y; r < n; r += WG_Y) {
    let p = u32(base + red_offset(r));
    y[p] = nan_exp(x[p] - m) / sum;
  }
}
