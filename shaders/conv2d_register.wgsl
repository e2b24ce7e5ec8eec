// Regular and grouped 2-D convolution as an implicit GEMM (same maths and indexing as conv2d.wgsl), for
// software adapters (SwiftShader, llvmpipe: a CPU running invocations as SIMD lanes), when Cout per group is
// a multiple of 4. There a load costs per float per lane whatever the address, and an FMA a fraction of that,
// so each invocation computes a TM (output pixels) × TN4 (vec4s of output channels) register block: per
// (tap, input channel) it loads TM input floats and TN4 weight vec4s for TM · TN4 vec4 FMAs. Per tap the TM
// pixel addresses and in-image flags are computed once; the channel loop has no index arithmetic beyond +1
// and no branches. The flags are built with `&`, never `&&`: short-circuit operators become branches, and
// SwiftShader's compile time grows exponentially with their number (8 pixels x 4 tests: 30 s per pipeline).
// No workgroup memory and no barriers.
//
// This file is a template: src/gpu/kernels/conv2d.ts (registerConv2dShader) prepends the constants TM, TN4 and
// replaces the ${...} markers with code unrolled over the block (SwiftShader does not unroll loops, and an
// array indexed in a loop lives in memory); the channel loop of a tap is unrolled too when there are at most 4
// input channels per group (a stem conv on RGB), where the loop's own cost rivals its 3 iterations'. Pixels past M and channel groups past coutg/4 are clamped on load
// and stored clamped too: such a lane holds exactly the values of the last pixel / group, so the duplicate
// store is harmless and the epilogue has no branches. Invocation id = tn + tiles_n·(tm + tiles_m·group).
// An invocation's tile is params.sub_n blocks of TN4 channel vec4s: 1 in the unrolled kernels; the first-call kernel
// (LOOP) computes them one after another, so it runs with TN4 of the layer's usual block under the grid of a
// literal-weights kernel (Conv2dRegisterPlan.CW) covering all channels.
// Bindings:
//   @binding(0) params  uniform Params (CONV2D_PARAMS)
//   @binding(1) x       array<f32>        [N, H, W, C]            input (NHWC)
//   @binding(2) wt      array<vec4<f32>>  [G, KH·KW·cg, coutg/4]  weights packed in kk order (packConv2dWeights)
//   @binding(3) b       array<vec4<f32>>  [Cout/4]                bias (zeros when the node has none)
//   @binding(4) y       array<vec4<f32>>  [N, OH, OW, Cout]       output (NHWC)
//   @binding(5) res     array<vec4<f32>>  [N, OH, OW, Cout]       residual (RES only)
// #include "tile_index.wgsl"
override KH: u32 = 3u;
override KW: u32 = 3u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
${WEIGHT_BINDINGS}
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;
${RES_BINDING}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  if (id >= params.groups) {
    return;
  }
  let tile = tile_of(id);
  let grp = tile.z;
  let m0 = tile.y * TM;
  let coutg4 = params.coutg / 4u;
  let ln4 = coutg4 - 1u;
  let lm = params.m - 1u;
  let H = i32(params.h);
  let W = i32(params.w);
  let cbase = grp * params.cg;
  let ybase = grp * coutg4;
  let cout4 = params.cout / 4u;
  ${BLOCKS}
  // Per output pixel of the block: top-left input coordinate and image base (pixel index).
  ${SETUP}
  ${TAPS}
  ${STORE}
  ${BLOCKS_END}
}
