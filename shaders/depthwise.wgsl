// Depthwise 2-D convolution (group = Cin, channel multiplier MULT = Cout / Cin), NHWC:
//   y[n, oy, ox, o] = act( b[o] + Σ_{ky,kx} w[ky, kx, o] · x[n, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, o / MULT] )
// (zero outside the input). Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) x       array<XT>         [N, H, W, C]            activations (NHWC), read through x_at
//   @binding(2) w       array<WV>         [KH·KW, cout4]          weights packed tap-major, Cout zero-padded to 4·cout4
//                                                                WV = vec4<f32>, or vec4<f16> (f16 weights, shader-f16),
//                                                                declared by src/gpu/precision.ts; widened on load
//   @binding(3) b       array<vec4<f32>>  [cout4]                 bias, zero-padded (zeros when the node has none)
//   @binding(4) y       array<YT>         [N, OH, OW, Cout]       output (NHWC), written through y_set
//   XT / x_at and YT / y_set: f32, or f16 storage (src/gpu/act-storage.ts), prepended by src/gpu/kernels/depthwise.ts
// A workgroup owns CV vec4 channel groups × a (SY·RH) × (SX·RW) output tile of one image. It stages its weights
// and bias, and the input patch the tile needs (ph × pw pixels incl. halo, × CV vec4, already expanded to output channels so MULT > 1
// costs nothing in the inner loop) once in workgroup memory, then each invocation computes RH × RW outputs of
// one vec4 channel group. Invocation index = cv + CV·(sx + SX·sy): neighbouring lanes read neighbouring vec4s
// of workgroup memory (no bank conflicts) and write neighbouring channels of a pixel; a thread's outputs are
// interleaved (ox = sx + j·SX) so a warp's lanes also cover neighbouring pixels, keeping global writes dense.
// The linear workgroup index is wid.x + wid.y·nwg.x (grid() splits large dispatches).
override CV: u32 = 8u;
override SY: u32 = 4u;
override SX: u32 = 4u;
override RH: u32 = 1u;
override RW: u32 = 2u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override STAGE: u32 = 512u; // vec4 slots of the staged patch: params.ph · params.pw · CV exactly
override MULT1: bool = true; // multiplier 1: input channel = output channel, no division
const RMAX: u32 = 16u; // RH·RW <= RMAX, checked on the TypeScript side

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<XT>;
@group(0) @binding(2) var<storage, read> w: array<WV>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<YT>;

var<workgroup> stage: array<vec4<f32>, STAGE>;
var<workgroup> ws: array<vec4<f32>, (KH * KW + 1u) * CV>; // the CV groups' taps, then their bias

@compute @workgroup_size(CV * SX * SY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = wid.x + wid.y * nwg.x;
  if (g >= params.groups) {
    return;
  }
  let tc = g % params.tiles_c;
  var r = g / params.tiles_c;
  let tx = r % params.tiles_x;
  r = r / params.tiles_x;
  let ty = r % params.tiles_y;
  let n = r / params.tiles_y;

  let c4_0 = tc * CV;
  let oy0 = ty * SY * RH;
  let ox0 = tx * SX * RW;
  let iy0 = i32(oy0 * params.stride_y) - params.pad_t;
  let ix0 = i32(ox0 * params.stride_x) - params.pad_l;
  let H = i32(params.h);
  let W = i32(params.w);

  for (var i = lid; i < params.ph * params.pw * CV; i += CV * SX * SY) {
    let cv = i % CV;
    let pix = i / CV;
    let iy = iy0 + i32(pix / params.pw);
    let ix = ix0 + i32(pix % params.pw);
    var v = vec4<f32>(0.0);
    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
      let base = ((n * params.h + u32(iy)) * params.w + u32(ix)) * params.c;
      let o = (c4_0 + cv) * 4u;
      for (var k = 0u; k < 4u; k++) {
        if (o + k < params.cout) {
          v[k] = x_at(base + select((o + k) / params.mult, o + k, MULT1));
        }
      }
    }
    stage[i] = v;
  }
  for (var i = lid; i < (KH * KW + 1u) * CV; i += CV * SX * SY) {
    let c4 = c4_0 + i % CV;
    let tap = i / CV;
    var v = vec4<f32>(0.0);
    if (c4 < params.cout4) {
      if (tap == KH * KW) {
        v = b[c4];
      } else {
        v = vec4<f32>(w[tap * params.cout4 + c4]);
      }
    }
    ws[i] = v;
  }
  workgroupBarrier();

  let cv = lid % CV;
  let s = lid / CV;
  let sx = s % SX;
  let sy = s / SX;
  let c4 = c4_0 + cv;
  if (c4 >= params.cout4) {
    return;
  }
  var acc: array<vec4<f32>, RMAX>;
  for (var ky = 0u; ky < KH; ky++) {
    for (var kx = 0u; kx < KW; kx++) {
      let wv = ws[(ky * KW + kx) * CV + cv];
      let py0 = sy * params.stride_y + ky * params.dil_y;
      let px0 = sx * params.stride_x + kx * params.dil_x;
      for (var i = 0u; i < RH; i++) {
        let row = (py0 + i * SY * params.stride_y) * params.pw;
        for (var j = 0u; j < RW; j++) {
          let px = px0 + j * SX * params.stride_x;
          acc[i * RW + j] += wv * stage[(row + px) * CV + cv];
        }
      }
    }
  }

  let bias = ws[KH * KW * CV + cv];
  let o = c4 * 4u;
  for (var i = 0u; i < RH; i++) {
    let oy = oy0 + sy + i * SY;
    if (oy >= params.oh) {
      break;
    }
    for (var j = 0u; j < RW; j++) {
      let ox = ox0 + sx + j * SX;
      if (ox >= params.ow) {
        break;
      }
      let v = act4(acc[i * RW + j] + bias);
      let base = ((n * params.oh + oy) * params.ow + ox) * params.cout + o;
      if (o + 4u <= params.cout) {
        y_set(base, v.x);
        y_set(base + 1u, v.y);
        y_set(base + 2u, v.z);
        y_set(base + 3u, v.w);
      } else {
        for (var k = 0u; k < params.cout - o; k++) {
          y_set(base + k, v[k]);
        }
      }
    }
  }
}
