// GEMM with the gemm.wgsl epilogue, for software adapters (SwiftShader, llvmpipe: a CPU running
// invocations as SIMD lanes), when B, C, Y (and R) have a contiguous inner dimension:
//   Y[t, m, n] = act( alpha · Σ_k A[t, m, k] · B[t, k, n]  +  beta · C[m, n] )  (+ R[t, m, n] with RES)
//   (with RES and RF the residual goes inside: act(alpha · AB + beta · C + R), a post-residual Relu fused)
//   A[t, m, k] = a[off[3t] + m·a_sm + k·a_sk]      (any strides)
//   B[t, k, n] = b[off[3t+1] + k·b_sk + n]          (b_sn = 1; likewise Y and R with y_sm, C with c_sm:
//   C[m, n]    = c[m·c_sm + n]                      c_sm = 0 broadcasts a bias row)
// There a load costs about the same per float per lane whatever the address pattern, and a vec4 FMA a
// fraction of one float load, so each invocation computes a TM × TN register block (TN = 4·TN4): per k it
// loads TM floats of A and TN4 groups of 4 columns of B for TM · TN4 vec4 FMAs. No workgroup memory, no barriers.
// CT, the element type of b, c, y and r, is vec4<f32> (a group of 4 columns is one element: N, the strides and
// offsets in whole vec4s, gemm4Vec in src/gpu/kernels/gemm.ts) or f32 (any N: each column its own load and
// store, costing what a vec4 component does there).
//
// This file is a template: src/gpu/kernels/gemm.ts (registerGemmShader) prepends the constants TM and TN4 and
// the alias CT, and replaces the ${...} markers with code unrolled over the block (SwiftShader does not unroll
// loops, and an array indexed in a loop lives in memory). Rows past M and columns (groups) past N are clamped
// on load and stored clamped too: such a lane holds exactly the values of the last row / column, so the
// duplicate store is harmless and the epilogue has no branches. Invocation id = tn + tiles_n·(tm + tiles_m·t).
// An invocation's tile is params.sub_m × params.sub_n blocks of TM × TN4: the unrolled kernel's block is the whole
// tile (both 1); the first-call kernel (LOOP) computes the blocks one after another, so one compiled
// first-call kernel serves the 8 × 8 and the 16 × 16 tiles (planGemm4).
// Bindings:
//   @binding(0) params  uniform Params (GEMM_PARAMS; strides and offsets in floats)
//   @binding(1) a       array<f32>
//   @binding(2) b       array<CT>
//   @binding(3) c       array<CT>   (a dummy when HAS_C is false)
//   @binding(4) off     array<u32>  [batches, 3]
//   @binding(5) y       array<CT>
//   @binding(6) r       array<CT>   (RES only)
// #include "tile_index.wgsl"
override HAS_C: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
${B_BINDING}
@group(0) @binding(3) var<storage, read> c: array<CT>;
@group(0) @binding(4) var<storage, read> off: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<CT>;
${RES_BINDING}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  if (id >= params.groups) {
    return;
  }
  let tile = tile_of(id);
  let t = tile.z;
  let lm = params.m - 1u;
  let aoff = off[3u * t];
  ${BLOCKS}
  // Clamped row starts of A and columns (groups) of B: the k loop needs no bounds checks.
  ${SETUP}
  ${BODY}
  ${STORE}
  ${BLOCKS_END}
}
