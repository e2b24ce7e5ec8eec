// Per-channel affine (inference BatchNormalization folded at load time): y[i] = m[c]·x[i] + s[c] with
// m = scale/√(var+ε), s = B − m·mean, and c = (i / cstride) % C the channel of physical index i
// (cstride = 1 for NHWC and for [N, C]; the product of the trailing dims for row-major [N, C, D1, ...]).
//   @binding(0) params  uniform Params { n, C, cstride }
//   @binding(1) x       array<f32>, n elements (physical layout of the input)
//   @binding(2) ms      array<f32>, 2·C: m[0..C) then s[0..C)
//   @binding(3) y       array<f32>, n elements, same layout as x
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> ms: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  let c = (i / params.cstride) % params.C;
  y[i] = fma(ms[c], x[i], ms[params.C + c]);
}
