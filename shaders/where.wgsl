// Select with numpy broadcasting: y[i] = c[ic] != 0 ? a[ia] : b[ib] (ONNX Where, TF Select/SelectV2).
// y is contiguous in its physical layout; i is decomposed over d5 × … × d0 (d0 innermost, dims ≥ NDIM ignored)
// and each operand's offset is Σ coord_k·s_k with its physical strides (0 along broadcast dims).
//   @binding(0) params  uniform Params { n, d*, sc*, sa*, sb* }
//   @binding(1) c       array<f32>, the condition (non-zero is true)
//   @binding(2) a       array<f32>, taken where c is true
//   @binding(3) b       array<f32>, taken where c is false
//   @binding(4) y       array<f32>, the output, n elements
override WG: u32 = 256u;
override NDIM: u32 = 6u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  var r = i;
  var oc = 0i;
  var oa = 0i;
  var ob = 0i;
  if (NDIM > 0u) { let k = i32(r % params.d0); r /= params.d0; oc += k * params.sc0; oa += k * params.sa0; ob += k * params.sb0; }
  if (NDIM > 1u) { let k = i32(r % params.d1); r /= params.d1; oc += k * params.sc1; oa += k * params.sa1; ob += k * params.sb1; }
  if (NDIM > 2u) { let k = i32(r % params.d2); r /= params.d2; oc += k * params.sc2; oa += k * params.sa2; ob += k * params.sb2; }
  if (NDIM > 3u) { let k = i32(r % params.d3); r /= params.d3; oc += k * params.sc3; oa += k * params.sa3; ob += k * params.sb3; }
  if (NDIM > 4u) { let k = i32(r % params.d4); r /= params.d4; oc += k * params.sc4; oa += k * params.sa4; ob += k * params.sb4; }
  if (NDIM > 5u) { let k = i32(r); oc += k * params.sc5; oa += k * params.sa5; ob += k * params.sb5; }
  y[i] = select(b[u32(ob)], a[u32(oa)], c[u32(oc)] != 0.0);
}
