// Mean over a set of reduced dims (ReduceMean, GlobalAveragePool): y[o] = (Σ_r x[base(o) + roff(r)]) / n_red.
// o runs over the output's physical buffer; base(o) = Σ c_k·ks_k for o decomposed over the kept dims
// k0 (innermost) … k5, roff(r) = Σ c_j·rs_j for r decomposed over the reduced dims r0 … r5 (strides are the
// input's physical strides). Dims ≥ KDIM / RDIM are ignored.
// A WG_X × WG_Y workgroup handles WG_X outputs, summed with reduce_tree.wgsl's tree.
//   @binding(0) params  uniform Params { n_out, n_red, k*, ks*, r*, rs* }
//   @binding(1) x       array<f32>, the input's physical buffer
//   @binding(2) y       array<f32>, the output's physical buffer, n_out elements
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// #include "reduce_tree.wgsl"

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let o = (wid.x + wid.y * nwg.x) * WG_X + lid.x;
  var acc = 0.0;
  if (o < params.n_out) {
    let base = kept_offset(o);
    for (var r = lid.y; r < params.n_red; r += WG_Y) {
      acc += x[u32(base + red_offset(r))];
    }
  }
  let total = tree_reduce(acc, lid, false);
  if (o < params.n_out && lid.y == 0u) {
    y[o] = total / f32(params.n_red);
  }
}
