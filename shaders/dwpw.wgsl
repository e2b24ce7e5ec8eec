// Fused depthwise -> pointwise convolution (a depthwise-separable block), NHWC, in one dispatch:
//   d[p, k] = act_dw( bd[k] + Σ_{ky,kx} wd[ky, kx, k] · x[img, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, k / mult] )
//   y[p, n] = act( bp[n] + Σ_k d[p, k] · wp[k, n] )                     (+ res[p, n] in main_res)
//   p = (img·OH + oy)·OW + ox, k < K = C·mult (depthwise output channels), n < params.n (pointwise outputs)
// (zero outside the input). d, the depthwise output, is never written to memory.
// Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) x       array<XT>         [N, H, W, C]        input (NHWC)
//   @binding(2) wd      array<WV>         [KH·KW, k4]         depthwise weights, tap-major, K zero-padded to 4·k4
//   @binding(3) bd      array<vec4<f32>>  [k4]                depthwise bias, zero-padded
//   @binding(4) wp      array<WV>         [4·k4, n4]          pointwise weights [k][n], zero-padded
//   WV: vec4<f32>, or vec4<f16> (f16 weights, shader-f16), declared by src/gpu/precision.ts; widened on load
//   @binding(5) bp      array<vec4<f32>>  [n4]                pointwise bias, zero-padded
//   @binding(6) y       array<YT>         [N, OH, OW, n]      output (NHWC)
//   @binding(7) res     array<REST>       [N, OH, OW, n]      residual (main_res only)
//   XT: vec4<f32> where C % 4 = 0 (X4: a pixel's 4 channels one load), else f32, with x_at / x_vec (gemm.ts
//   operandLoaders); YT: vec4<f32> where n % 4 = 0 (one store per pixel and 4 channels), with y_put / res_get
//   (output.ts); both prepended by src/gpu/kernels/dwpw.ts. x, y and res may be f16 storage (act-storage.ts),
//   widened on load and narrowed on store by those helpers (kernels/elements.ts).
// A workgroup computes a TY × TX block of output pixels (one image) × TN output channels; invocation (lid.x,
// lid.y) holds RP pixels (tile rows lid.y·RP ..) × 4 channels in registers. Per chunk of DK depthwise channels it
// stages, in workgroup memory, the input patch the block reads (PH × PW pixels × DK channels, each loaded once),
// the chunk's depthwise weights and bias, and the chunk's DK × TN pointwise weights; then computes the block's
// d chunk once into workgroup memory (from the staged patch) and accumulates it into the TM × TN outputs.
// PH = (TY-1)·sy + (KH-1)·dy + 1 and PW likewise are override constants: they size the patch exactly.
override KH: u32 = 3u;
override KW: u32 = 3u;
override ACT_DW: u32 = 0u; // the depthwise activation, act_of() kinds (activation.wgsl)
override TY: u32 = 8u;
override TX: u32 = 8u;
override TN: u32 = 64u;
override DK: u32 = 16u; // depthwise channels per chunk (a multiple of 4)
override PH: u32 = 10u;
override PW: u32 = 10u;
override MULT1: bool = true; // depthwise multiplier 1: x channel = d channel, no division
override RP: u32 = 4u; // output pixels per invocation (4 or 8)
override X4: bool = false; // x bound as vec4 (C % 4 = 0)
const RPMAX: u32 = 8u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<XT>;
@group(0) @binding(2) var<storage, read> wd: array<WV>;
@group(0) @binding(3) var<storage, read> bd: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> wp: array<WV>;
@group(0) @binding(5) var<storage, read> bp: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> y: array<YT>;
@group(0) @binding(7) var<storage, read> res: array<REST>;

override TM: u32 = TY * TX;
var<workgroup> Ps: array<vec4<f32>, PH * PW * DK / 4u>;
var<workgroup> Ws: array<vec4<f32>, (KH * KW + 1u) * DK / 4u>; // taps, then the bias
var<workgroup> Ds: array<vec4<f32>, TM * DK / 4u>;
var<workgroup> Bs: array<vec4<f32>, DK * TN / 4u>;
var<workgroup> Cb: array<vec4<f32>, TN / 4u>; // the tile's pointwise bias (visible after the first chunk's barrier)

struct Tile {
  img: u32,
  oy0: u32,
  ox0: u32,
  n0: u32,
  valid: bool,
}

fn tile_of(wid: vec3<u32>, nwg: vec3<u32>) -> Tile {
  var t: Tile;
  let g = wid.x + wid.y * nwg.x;
  if (g >= params.groups) {
    return t;
  }
  t.n0 = (g % params.tiles_n) * TN;
  let r = g / params.tiles_n;
  t.ox0 = (r % params.tiles_x) * TX;
  t.oy0 = ((r / params.tiles_x) % params.tiles_y) * TY;
  t.img = r / (params.tiles_x * params.tiles_y);
  t.valid = true;
  return t;
}

// x at input pixel (iy, ix) of the tile's image, depthwise channels k .. k+3 (zero outside the image or past K).
fn load_x(t: Tile, iy: i32, ix: i32, k: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (iy < 0 || iy >= i32(params.h) || ix < 0 || ix >= i32(params.w)) {
    return v;
  }
  let base = ((t.img * params.h + u32(iy)) * params.w + u32(ix)) * params.c;
  if (MULT1 && k + 3u < params.k) {
    if (X4) {
      return x_vec(base + k);
    }
    return vec4<f32>(x_at(base + k), x_at(base + k + 1u), x_at(base + k + 2u), x_at(base + k + 3u));
  }
  for (var q = 0u; q < 4u; q++) {
    if (k + q < params.k) {
      v[q] = x_at(base + select((k + q) / params.mult, k + q, MULT1));
    }
  }
  return v;
}

fn fused(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>, lidx: u32) -> array<vec4<f32>, RPMAX> {
  var acc: array<vec4<f32>, RPMAX>;
  let t = tile_of(wid, nwg);
  if (!t.valid) {
    return acc;
  }
  let nthreads = (TM / RP) * (TN / 4u);
  let dk4 = DK / 4u;
  let iy0 = i32(t.oy0 * params.stride_y) - params.pad_t;
  let ix0 = i32(t.ox0 * params.stride_x) - params.pad_l;
  if (lidx < TN / 4u && t.n0 / 4u + lidx < params.n4) {
    Cb[lidx] = bp[t.n0 / 4u + lidx];
  }
  for (var k0 = 0u; k0 < params.k; k0 += DK) {
    for (var i = lidx; i < PH * PW * dk4; i += nthreads) {
      let pos = i / dk4;
      Ps[i] = load_x(t, iy0 + i32(pos / PW), ix0 + i32(pos % PW), k0 + (i % dk4) * 4u);
    }
    for (var i = lidx; i < (KH * KW + 1u) * dk4; i += nthreads) {
      let tap = i / dk4;
      let k4i = k0 / 4u + i % dk4;
      var w = vec4<f32>(0.0);
      if (k4i < params.k4) {
        if (tap == KH * KW) {
          w = bd[k4i];
        } else {
          w = vec4<f32>(wd[tap * params.k4 + k4i]);
        }
      }
      Ws[i] = w;
    }
    for (var i = lidx; i < DK * TN / 4u; i += nthreads) {
      let kr = k0 + i / (TN / 4u);
      let c4 = t.n0 / 4u + i % (TN / 4u);
      var w = vec4<f32>(0.0);
      if (kr < params.k4 * 4u && c4 < params.n4) {
        w = vec4<f32>(wp[kr * params.n4 + c4]);
      }
      Bs[i] = w;
    }
    workgroupBarrier();
    for (var i = lidx; i < TM * dk4; i += nthreads) {
      let j = i / dk4;
      let c4 = i % dk4;
      let py = (j / TX) * params.stride_y;
      let px = (j % TX) * params.stride_x;
      var a = Ws[KH * KW * dk4 + c4];
      for (var ky = 0u; ky < KH; ky++) {
        let row = (py + ky * params.dil_y) * PW + px;
        for (var kx = 0u; kx < KW; kx++) {
          a += Ws[(ky * KW + kx) * dk4 + c4] * Ps[(row + kx * params.dil_x) * dk4 + c4];
        }
      }
      // channels past K give act_dw(0), which may not be 0; their pointwise weights (Bs) are zero
      Ds[i] = act_of(a, ACT_DW, params.dw_act_a, params.dw_act_b);
    }
    workgroupBarrier();
    for (var k = 0u; k < DK; k += 4u) {
      let b0 = Bs[k * (TN / 4u) + lid.x];
      let b1 = Bs[(k + 1u) * (TN / 4u) + lid.x];
      let b2 = Bs[(k + 2u) * (TN / 4u) + lid.x];
      let b3 = Bs[(k + 3u) * (TN / 4u) + lid.x];
      for (var i = 0u; i < RP; i++) {
        let av = Ds[(lid.y * RP + i) * dk4 + k / 4u];
        acc[i] += av.x * b0 + av.y * b1 + av.z * b2 + av.w * b3;
      }
    }
    workgroupBarrier();
  }
  return acc;
}

// Output index of tile row j, or none (past the image) as params.m.
fn pixel_of(t: Tile, j: u32) -> u32 {
  let oy = t.oy0 + j / TX;
  let ox = t.ox0 + j % TX;
  if (oy >= params.oh || ox >= params.ow) {
    return params.m;
  }
  return (t.img * params.oh + oy) * params.ow + ox;
}

@compute @workgroup_size(TN / 4u, TM / RP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let acc = fused(wid, nwg, lid, lidx);
  let t = tile_of(wid, nwg);
  let n = t.n0 + lid.x * 4u;
  if (!t.valid || n >= params.n) {
    return;
  }
  let bias = Cb[lid.x];
  let cols = min(params.n - n, 4u);
  for (var i = 0u; i < RP; i++) {
    let p = pixel_of(t, lid.y * RP + i);
    if (p < params.m) {
      y_put(p * params.n + n, 1u, act4(acc[i] + bias), cols);
    }
  }
}

@compute @workgroup_size(TN / 4u, TM / RP)
fn main_res(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let acc = fused(wid, nwg, lid, lidx);
  let t = tile_of(wid, nwg);
  let n = t.n0 + lid.x * 4u;
  if (!t.valid || n >= params.n) {
    return;
  }
  let bias = Cb[lid.x];
  let cols = min(params.n - n, 4u);
  for (var i = 0u; i < RP; i++) {
    let p = pixel_of(t, lid.y * RP + i);
    if (p < params.m) {
      let idx = p * params.n + n;
      y_put(idx, 1u, act4(acc[i] + bias) + res_get(idx, 1u, cols), cols);
    }
  }
}
