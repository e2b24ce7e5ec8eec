// Depthwise 2-D convolution for software adapters (SwiftShader, llvmpipe: a CPU that runs invocations as SIMD
// lanes), same maths and weight/bias packing as depthwise.wgsl:
//   y[n, oy, ox, o] = act( b[o] + Σ_{ky,kx} w[ky, kx, o] · x[n, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, o / MULT] )
// No workgroup memory and no barriers (a barrier is a coroutine switch there, and a workgroup array costs
// seconds of shader compile when the browser zero-fills it). One invocation computes RH rows of RW
// consecutive outputs × one vec4 of output channels, in registers. There every storage load is a per-lane
// gather (a vec4 load is four) costing ~6 vec4 FMAs, a store about as much, so loads per output are the cost:
// per input row the block reads it loads the (RW-1)·SX + (KW-1)·DX + 1 pixels its outputs share, once each.
// Two forms of the walk over input rows:
//   rows unrolled (3×3 and smaller, stride and dilation 1 along H, RH = 2): the KH·KW weights loaded once and
//     each of the KH + 1 input rows once: 36 + 9 vec4 loads for 14 outputs, 3.2 per output (5.1 with one row);
//   a loop over input rows (any other filter, and the unrolled form's first run): per step one kernel row of
//     weights and one input row. With RH > 1 rows (stride along H = dilation along H, so output row j at kernel
//     row ky reads the input row of output row 0 at ky + j) it walks KH + RH - 1 rows: row t feeds output row j
//     with kernel row t - j while 0 <= t - j < KH, that weight row carried from j steps before (a shift register);
//     the guards, uniform over the lanes, keep an Inf or NaN read only by one output row out of the others (zero
//     weights would not).
// Unrolling the rows of a 5×5 or a stride-2 filter cost 2-9× the compile time of the loop for ~10% more speed.
// Conditions are combined with `&`, never `&&`: short-circuit operators become branches, and SwiftShader's
// compile time grows exponentially with their number.
// Invocation id = c4 + cout4·(tx + tiles_x·(ty + tiles_y·n)), so neighbouring lanes touch neighbouring channels
// (the tile counts follow from RW and RH).
//
// This file is a template: src/gpu/kernels/depthwise.ts (registerDepthwiseShader) prepends `alias XT = ...;` and
// the constants RW, RH, KW, SX, replaces the ${...} markers with code unrolled over the taps and outputs
// (SwiftShader does not unroll loops, and an array indexed in a loop lives in memory), and picks one of two
// element types:
//   XT = vec4<f32>: C % 4 == 0 and multiplier 1; x and y are bound as vec4 arrays (one load per pixel)
//   XT = f32:       any C / multiplier; output channel o reads input channel min(o / mult, C - 1)
// Rows past OH and columns past OW are computed from clamped loads and not stored.
// Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) x       array<XT>         [N, H, W, C]         activations (NHWC)
//   @binding(2) w       array<vec4<f32>>  [KH·KW, cout4]       weights packed tap-major, Cout zero-padded
//   @binding(3) b       array<vec4<f32>>  [cout4]              bias, zero-padded
//   @binding(4) y       array<XT>         [N, OH, OW, Cout]    output (NHWC)
//   @binding(5) r       array<XT>         [N, OH, OW, Cout]    residual, with RES only: y = act(conv + bias) + r
override KH: u32 = 3u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<XT>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<XT>;
${RESIDUAL}

// pix = (n·H + iy)·W + ix; ch = the channel map (vec4 path: ch.x = c4).
fn load_x(pix: u32, ch: vec4<u32>) -> vec4<f32> {
  ${LOAD_X}
}

// Writes output pixel pix, channels 4·c4 .. 4·c4 + 3 (those < Cout).
fn store_y(pix: u32, c4: u32, v: vec4<f32>) {
  ${STORE_Y}
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  let tiles_x = (params.ow + RW - 1u) / RW;
  let tiles_y = (params.oh + RH - 1u) / RH;
  if (id >= params.cout4 * tiles_x * tiles_y * params.n) {
    return;
  }
  let c4 = id % params.cout4;
  var r = id / params.cout4;
  let tx = r % tiles_x;
  r = r / tiles_x;
  let ty = r % tiles_y;
  let n = r / tiles_y;
  let ox0 = tx * RW;
  let oy0 = ty * RH;
  let ix0 = i32(ox0 * SX) - params.pad_l;
  let iy0 = i32(oy0 * params.stride_y) - params.pad_t;
  let H = i32(params.h);
  let W = i32(params.w);
  ${CHANNELS}
  // Input columns of the block: clamped (so every load is in bounds) and whether each is inside the image.
  ${COLUMNS}
  ${ACC}
  ${ROWS}
  let bias = b[c4];
  ${STORE}
}
