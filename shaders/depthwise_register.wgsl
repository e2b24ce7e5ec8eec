// Depthwise 2-D convolution for software adapters (SwiftShader, llvmpipe: a CPU that runs invocations as SIMD
// lanes), same maths and weight/bias packing as depthwise.wgsl:
//   y[n, oy, ox, o] = act( b[o] + Σ_{ky,kx} w[ky, kx, o] · x[n, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, o / MULT] )
// No workgroup memory and no barriers (a barrier is a coroutine switch there, and a workgroup array costs
// seconds of shader compile when the browser zero-fills it). One invocation computes RW consecutive outputs
// of one output row × one vec4 of output channels, in registers: per kernel row it loads the
// (RW-1)·SX + (KW-1)·DX + 1 input pixels the RW outputs share, once each, and the KW weights of that row.
// Conditions are combined with `&`, never `&&`: short-circuit operators become branches, and SwiftShader's
// compile time grows exponentially with their number.
// Invocation id = c4 + cout4·(tx + tiles_x·(oy + OH·n)), so neighbouring lanes touch neighbouring channels.
//
// This file is a template: src/gpu/kernels/depthwise.ts (registerDepthwiseShader) prepends `alias XT = ...;` and
// the constants RW, KW, SX, replaces the ${...} markers with code unrolled over the row's taps and
// outputs (SwiftShader does not unroll loops, and an array indexed in a loop lives in memory), and picks one
// of two element types:
//   XT = vec4<f32>: C % 4 == 0 and multiplier 1; x and y are bound as vec4 arrays (one load per pixel)
//   XT = f32:       any C / multiplier; output channel o reads input channel min(o / mult, C - 1)
// Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) x       array<XT>         [N, H, W, C]         activations (NHWC)
//   @binding(2) w       array<vec4<f32>>  [KH·KW, cout4]       weights packed tap-major, Cout zero-padded
//   @binding(3) b       array<vec4<f32>>  [cout4]              bias, zero-padded
//   @binding(4) y       array<XT>         [N, OH, OW, Cout]    output (NHWC)
override KH: u32 = 3u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<XT>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<XT>;

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
  if (id >= params.total) {
    return;
  }
  let c4 = id % params.cout4;
  var r = id / params.cout4;
  let tx = r % params.tiles_x;
  r = r / params.tiles_x;
  let oy = r % params.oh;
  let n = r / params.oh;
  let ox0 = tx * RW;
  let ix0 = i32(ox0 * SX) - params.pad_l;
  let H = i32(params.h);
  let W = i32(params.w);
  ${CHANNELS}
  // Input columns of the tile: clamped (so every load is in bounds) and whether each is inside the image.
  ${COLUMNS}
  ${ACC}
  for (var ky = 0u; ky < KH; ky++) {
    let iy = i32(oy * params.stride_y + ky * params.dil_y) - params.pad_t;
    let rok = (iy >= 0) & (iy < H);
    let row = (n * params.h + u32(clamp(iy, 0, H - 1))) * params.w;
    let wb = ky * KW * params.cout4 + c4;
    ${TAPS}
  }
  let bias = b[c4];
  let pix0 = (n * params.oh + oy) * params.ow + ox0;
  ${STORE}
}
