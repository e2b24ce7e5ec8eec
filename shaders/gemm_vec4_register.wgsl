// GEMM with the gemm.wgsl epilogue, for software adapters (SwiftShader, llvmpipe: a CPU running
// invocations as SIMD lanes), when B, C, Y (and R) have a contiguous inner dimension and N is a multiple of 4:
//   Y[t, m, n] = act( alpha · Σ_k A[t, m, k] · B[t, k, n]  +  beta · C[m, n] )  (+ R[t, m, n] with RES)
//   (with RES and RF the residual goes inside: act(alpha · AB + beta · C + R), a post-residual Relu fused)
//   A[t, m, k] = a[off[3t] + m·a_sm + k·a_sk]                (any strides)
//   B[t, k, n] = b4[(off[3t+1] + k·b_sk + n) / 4][n % 4]     (b_sn = 1)
//   Y[t, m, n] = y4[(off[3t+2] + m·y_sm + n) / 4][n % 4]     (y_sn = 1; R likewise)
//   C[m, n]    = c4[(m·c_sm + n) / 4][n % 4]                 (c_sn = 1; c_sm = 0 broadcasts a bias row)
// (src/gpu/kernels/gemm.ts, gemm4Eligible, checks that every stride and offset in vec4 units is whole; else
// the scalar register kernel in gemm.wgsl runs.) There a load costs about the same per float per lane
// whatever the address pattern, and a vec4 FMA a fraction of one float load, so each invocation computes a
// TM × TN register block (TN = 4·TN4): per k it loads TM floats of A and TN4 vec4s of B for TM · TN4 vec4
// FMAs. No workgroup memory, no barriers.
//
// This file is a template: src/gpu/kernels/gemm.ts (registerGemmShader) prepends the constants TM and TN4 and
// replaces the ${...} markers with code unrolled over the block (SwiftShader does not unroll loops, and an
// array indexed in a loop lives in memory). Rows past M and column groups past N/4 are clamped on load and
// stored clamped too: such a lane holds exactly the values of the last row / group, so the duplicate store is
// harmless and the epilogue has no branches. Invocation id = tn + tiles_n·(tm + tiles_m·t).
// Bindings:
//   @binding(0) params  uniform Params (GEMM_PARAMS; strides and offsets in floats)
//   @binding(1) a       array<f32>
//   @binding(2) b4      array<vec4<f32>>
//   @binding(3) c4      array<vec4<f32>>   (a dummy when HAS_C is false)
//   @binding(4) off     array<u32>         [batches, 3]
//   @binding(5) y4      array<vec4<f32>>
//   @binding(6) r4      array<vec4<f32>>   (RES only)
// #include "tile_index.wgsl"
override HAS_C: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> c4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> off: array<u32>;
@group(0) @binding(5) var<storage, read_write> y4: array<vec4<f32>>;
${RES_BINDING}

// alpha · acc + beta · C, before the activation (and, with RF, the residual ahead of it)
fn lin4(row: u32, n4: u32, acc: vec4<f32>) -> vec4<f32> {
  var v = params.alpha * acc;
  if (HAS_C) {
    v += params.beta * c4[row * (params.c_sm / 4u) + n4];
  }
  return v;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  if (id >= params.groups) {
    return;
  }
  let tile = tile_of(id);
  let t = tile.z;
  let m0 = tile.y * TM;
  let n40 = tile.x * TN4;
  let lm = params.m - 1u;
  let ln4 = params.n / 4u - 1u;
  let b_sk4 = params.b_sk / 4u;
  let aoff = off[3u * t];
  let boff = off[3u * t + 1u] / 4u;
  // Clamped row starts of A and column groups of B: the k loop needs no bounds checks.
  ${SETUP}
  for (var k = 0u; k < params.k; k++) {
    let bk = boff + k * b_sk4;
    ${BODY}
  }
  let yoff = off[3u * t + 2u] / 4u;
  let y_sm4 = params.y_sm / 4u;
  ${STORE}
}
