// Fused depthwise -> pointwise convolution (a depthwise-separable block), NHWC, in one dispatch:
//   d[p, k] = act_dw( bd[k] + Σ_{ky,kx} wd[ky, kx, k] · x[img, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, k / MULT] )
//   y[p, n] = act( bp[n] + Σ_k d[p, k] · wp[k, n] )                     (+ res[p, n] in main_res / HAS_RES)
//   p = (img·OH + oy)·OW + ox, k < K = C·MULT (depthwise output channels), n < params.n (pointwise outputs)
// (zero outside the input). d, the depthwise output, is never written to memory.
// Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) x       array<f32>        [N, H, W, C]        input (NHWC)
//   @binding(2) wd      array<vec4<f32>>  [KH·KW, k4]         depthwise weights, tap-major, K zero-padded to 4·k4
//   @binding(3) bd      array<vec4<f32>>  [k4]                depthwise bias, zero-padded
//   @binding(4) wp      array<vec4<f32>>  [K, n4]             pointwise weights [k][n], n zero-padded to 4·n4
//   @binding(5) bp      array<vec4<f32>>  [n4]                pointwise bias, zero-padded
//   @binding(6) y       array<f32>        [N, OH, OW, n]      output (NHWC)
//   @binding(7) res     array<f32>        [N, OH, OW, n]      residual (main_res only)
// main / main_res: the workgroup tile of gemm_tile.wgsl with A = d: while the workgroup stages its A
// tile, tile_a computes the depthwise result of one pixel × 4 channels straight into workgroup memory. d is
// computed once per TN-wide tile of output channels, so src/gpu/kernels/dwpw.ts only fuses where n needs few.
// #include "gemm_tile.wgsl"
// #include "gemm_store.wgsl"
override KH: u32 = 3u;
override KW: u32 = 3u;
override ACT_DW: u32 = 0u; // the depthwise activation, act_of() kinds (activation.wgsl)

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wd: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bd: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> wp: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> bp: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read> res: array<f32>;

// d[p, 4·k4i .. +3]; channels >= K are zero.
fn dw4(p: u32, k4i: u32) -> vec4<f32> {
  let ox = p % params.ow;
  let r = p / params.ow;
  let by = i32((r % params.oh) * params.stride_y) - params.pad_t;
  let bx = i32(ox * params.stride_x) - params.pad_l;
  let img = r / params.oh;
  let H = i32(params.h);
  let W = i32(params.w);
  let o = vec4<u32>(k4i * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  let ch = min(o / params.mult, vec4<u32>(params.c - 1u));
  var acc = vec4<f32>(0.0);
  for (var ky = 0u; ky < KH; ky++) {
    let iy = by + i32(ky * params.dil_y);
    let rok = (iy >= 0) & (iy < H);
    let row = (img * params.h + u32(clamp(iy, 0, H - 1))) * params.w;
    for (var kx = 0u; kx < KW; kx++) {
      let ix = bx + i32(kx * params.dil_x);
      let base = (row + u32(clamp(ix, 0, W - 1))) * params.c;
      let xv = vec4<f32>(x[base + ch.x], x[base + ch.y], x[base + ch.z], x[base + ch.w]);
      let ok = rok & (ix >= 0) & (ix < W);
      acc += wd[(ky * KW + kx) * params.k4 + k4i] * select(vec4<f32>(0.0), xv, ok);
    }
  }
  let d = act_of(acc + bd[k4i], ACT_DW, params.dw_act_a, params.dw_act_b);
  return select(vec4<f32>(0.0), d, o < vec4<u32>(params.k));
}

struct TileSrc {
  t: u32,
}

fn tile_src(t: u32) -> TileSrc {
  return TileSrc(t);
}

fn tile_a(s: TileSrc, gm: u32, gk: u32) -> vec4<f32> {
  if (gm >= params.m || gk >= params.k) {
    return vec4<f32>(0.0);
  }
  return dw4(gm, gk / 4u);
}

fn tile_b(s: TileSrc, gk: u32, gn: u32) -> vec4<f32> {
  if (gk >= params.k || gn >= params.n) {
    return vec4<f32>(0.0);
  }
  return wp[gk * params.n4 + gn / 4u];
}

fn out_value(blk: Block, row: u32, i: u32) -> vec4<f32> {
  return act4(blk.acc[i] + bp[blk.n / 4u]);
}

fn y_index(blk: Block, row: u32, col: u32) -> u32 {
  return row * params.n + col;
}

fn block_cols(blk: Block) -> u32 {
  return params.n;
}
