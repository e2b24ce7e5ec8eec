// Winograd F(2×2, 3×3) input transform, for software adapters (src/gpu/kernels/winograd.ts): a 3×3 stride-1
// convolution as 16 GEMMs over 4×4 input tiles (2×2 outputs each), 2.25× fewer multiply-adds than the direct
// implicit GEMM. One invocation per (tile, vec4 of input channels):
//   V[ξ, t, c] = (Bᵀ d B)[ξ]   d = the 4×4 input patch at (2·ty - pad_t, 2·tx - pad_l), zero outside the image
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
// Invocation id = c4 + c4s·(tx + tw·(ty + th·n)); tile t = tx + tw·(ty + th·n).
// Bindings:
//   @binding(0) params  uniform Params (WINOGRAD_PARAMS)
//   @binding(1) x       array<vec4<f32>>  [N, H, W, C]     input (NHWC, C % 4 == 0)
//   @binding(2) v       array<vec4<f32>>  [16, T, C]       transformed tiles
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> v: array<vec4<f32>>;


@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  if (id >= params.total) {
    return;
  }
  let c4 = id % params.c4s;
  let t = id / params.c4s;
  let tx = t % params.tw;
  let r = t / params.tw;
  let ty = r % params.th;
  let n = r / params.th;
  let iyt = i32(ty * 2u) - params.pad_t;
  let ixt = i32(tx * 2u) - params.pad_l;
  let H = i32(params.h);
  let W = i32(params.w);
  ${LOAD}
  ${TRANSFORM}
  let plane = params.tiles * params.c4s;
  let o = t * params.c4s + c4;
  ${STORE}
}
