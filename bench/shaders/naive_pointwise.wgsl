// Baseline for bench/kernels.ts: pointwise (1x1) conv as a GEMM, one output element per invocation, no tiling:
//   y[p, o] = act( b[o] + Σ_c x[p, c] · w[c, o] )     p = pixel of the NHWC tensor
//   @binding(0) params  uniform Params
//   @binding(1) x       array<f32>  [P, Cin]   (NHWC input)
//   @binding(2) w       array<f32>  [Cin, Cout]
//   @binding(3) b       array<f32>  [Cout]
//   @binding(4) y       array<f32>  [P, Cout]  (NHWC output)
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.total) {
    return;
  }
  let o = i % params.cout;
  let p = i / params.cout;
  var s = b[o];
  for (var c = 0u; c < params.cin; c++) {
    s += x[p * params.cin + c] * w[c * params.cout + o];
  }
  y[i] = act4(vec4<f32>(s)).x;
}
