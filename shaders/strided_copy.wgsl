// Generic strided copy (Identity, Flatten, Reshape, Transpose, Concat, Split, Slice):
//   y[y_off + Σ_k c_k·t_k] = x[x_off + Σ_k c_k·s_k]   for every multi-index c of the index space d5 × … × d0.
// d0 is the innermost dim; dims ≥ NDIM are ignored. Strides are element strides into each side's physical
// buffer (NHWC for 4-D, row-major otherwise) and may be negative (Slice with a negative step) or zero.
// One invocation per element of the index space; the workgroup grid is 2-D (see grid() in program.ts).
//   @binding(0) params   uniform Params (n = Π d_k, dims, strides, offsets)
//   @binding(1) x        array<f32>, the source tensor's physical buffer
//   @binding(2) y        array<f32>, the destination tensor's physical buffer
override WG: u32 = 256u;
override NDIM: u32 = 6u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  var r = i;
  var s = params.x_off;
  var t = params.y_off;
  if (NDIM > 0u) { let c = i32(r % params.d0); r /= params.d0; s += c * params.s0; t += c * params.t0; }
  if (NDIM > 1u) { let c = i32(r % params.d1); r /= params.d1; s += c * params.s1; t += c * params.t1; }
  if (NDIM > 2u) { let c = i32(r % params.d2); r /= params.d2; s += c * params.s2; t += c * params.t2; }
  if (NDIM > 3u) { let c = i32(r % params.d3); r /= params.d3; s += c * params.s3; t += c * params.t3; }
  if (NDIM > 4u) { let c = i32(r % params.d4); r /= params.d4; s += c * params.s4; t += c * params.t4; }
  if (NDIM > 5u) { let c = i32(r); s += c * params.s5; t += c * params.t5; }
  y[u32(t)] = x[u32(s)];
}
