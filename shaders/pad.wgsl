// Pad (constant / reflect / edge, negative pads crop): for each output element at coordinates c_k,
//   j_k = c_k − b_k;  outside [0, i_k): MODE 0 constant → y = value; MODE 1 reflect → −j or 2(i_k−1)−j;
//   MODE 2 edge → clamp(j, 0, i_k−1);   y[out] = x[Σ j_k·s_k]
// The output index runs over the output's physical buffer, decomposed over o0 (innermost) … o5, the output dims
// in physical order; i_k, b_k, s_k are the matching input size, leading pad and input physical stride.
// Dims ≥ NDIM are ignored.
//   @binding(0) params  uniform Params { n, value, o*, i*, b*, s* }
//   @binding(1) x       array<f32>, the input's physical buffer
//   @binding(2) y       array<f32>, the output's physical buffer, n elements
override WG: u32 = 256u;
override MODE: u32 = 0u;
override NDIM: u32 = 6u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// Source coordinate of output coordinate c along one dim, or -1 where the constant goes.
fn source(c: u32, b: i32, d: u32) -> i32 {
  let j = i32(c) - b;
  let n = i32(d);
  if (j >= 0 && j < n) {
    return j;
  }
  if (MODE == 1u) {
    return select(2 * (n - 1) - j, -j, j < 0);
  }
  if (MODE == 2u) {
    return select(n - 1, 0, j < 0);
  }
  return -1;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  var q = i;
  var s = 0i;
  var inside = true;
  if (NDIM > 0u) { let j = source(q % params.o0, params.b0, params.i0); q /= params.o0; inside = inside && j >= 0; s += j * params.s0; }
  if (NDIM > 1u) { let j = source(q % params.o1, params.b1, params.i1); q /= params.o1; inside = inside && j >= 0; s += j * params.s1; }
  if (NDIM > 2u) { let j = source(q % params.o2, params.b2, params.i2); q /= params.o2; inside = inside && j >= 0; s += j * params.s2; }
  if (NDIM > 3u) { let j = source(q % params.o3, params.b3, params.i3); q /= params.o3; inside = inside && j >= 0; s += j * params.s3; }
  if (NDIM > 4u) { let j = source(q % params.o4, params.b4, params.i4); q /= params.o4; inside = inside && j >= 0; s += j * params.s4; }
  if (NDIM > 5u) { let j = source(q, params.b5, params.i5); inside = inside && j >= 0; s += j * params.s5; }
  var v = params.value;
  if (inside) {
    v = x[u32(s)];
  }
  y[i] = v;
}
