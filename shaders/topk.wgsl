// TopK along one axis of a row-major [outer, n, inner] input: for each of the outer·inner lines, the k largest
// (LARGEST = 1) or smallest values in order, ties to the lower index, and their indices (as f32).
// One invocation per line keeps its running top k sorted in the output itself: an element that beats the
// current k-th shifts the worse ones down (insertion), so a line costs n comparisons plus the insertions.
//   @binding(0) params  uniform Params { lines, n, inner, k }
//   @binding(1) x       array<f32>, the input, row-major
//   @binding(2) v       array<f32>, the values, row-major [outer, k, inner]
//   @binding(3) ix      array<f32>, the indices, same shape
override WG: u32 = 64u;
override LARGEST: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> ix: array<f32>;

fn beats(p: f32, q: f32) -> bool {
  return select((p < q), (p > q), LARGEST == 1u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.lines || params.k == 0u) {
    return;
  }
  let inner = params.inner;
  let xb = (t / inner) * params.n * inner + t % inner;
  let yb = (t / inner) * params.k * inner + t % inner;
  var count = 0u;
  for (var j = 0u; j < params.n; j++) {
    let e = x[xb + j * inner];
    if (count == params.k && !beats(e, v[yb + (params.k - 1u) * inner])) {
      continue;
    }
    var p = min(count, params.k - 1u);
    while (p > 0u && beats(e, v[yb + (p - 1u) * inner])) {
      v[yb + p * inner] = v[yb + (p - 1u) * inner];
      ix[yb + p * inner] = ix[yb + (p - 1u) * inner];
      p--;
    }
    v[yb + p * inner] = e;
    ix[yb + p * inner] = f32(j);
    count = min(count + 1u, params.k);
  }
}
