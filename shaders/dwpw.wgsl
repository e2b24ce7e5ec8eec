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
//   @binding(7) res     array<f32>        [N, OH, OW, n]      residual (main_res; direct_main always binds one)
// main / main_res (GPUs): the workgroup tile of gemm_tile.wgsl with A = d: while the workgroup stages its A
// tile, tile_a computes the depthwise result of one pixel × 4 channels straight into workgroup memory. d is
// computed once per TN-wide tile of output channels, so src/gpu/kernels/dwpw.ts only fuses where n needs few.
// direct_main (software adapters): no workgroup memory and no barriers; an invocation holds 4 output pixels ×
// 8 output channels (2 vec4) in registers and, per group of 4 depthwise channels, computes the 4 pixels' d
// (taps clamped and masked, branch-free) and accumulates them into its 32 outputs. Pixels past M and column
// groups past n4 are clamped: they duplicate the last one's values, so storing them again needs no branch.
// #include "gemm_tile.wgsl"
// #include "gemm_store.wgsl"
override KH: u32 = 3u;
override KW: u32 = 3u;
override ACT_DW: u32 = 0u; // the depthwise activation, act_of() kinds (activation.wgsl)
override HAS_RES: bool = false;
override SW_WG: u32 = 64u;

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

// Output pixel p, channels 4·c4 .. (those < n): act(acc + bias) (+ res).
fn store4(p: u32, c4: u32, acc: vec4<f32>) {
  let v = act4(acc + bp[c4]);
  let base = p * params.n + c4 * 4u;
  for (var q = 0u; q < 4u; q++) {
    if (c4 * 4u + q < params.n) {
      var e = v[q];
      if (HAS_RES) {
        e += res[base + q];
      }
      y[base + q] = e;
    }
  }
}

@compute @workgroup_size(SW_WG)
fn direct_main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * SW_WG;
  if (id >= params.groups) {
    return;
  }
  let tn = id % params.tiles_n;
  let m0 = (id / params.tiles_n) * 4u;
  let lm = params.m - 1u;
  let p0 = min(m0, lm);
  let p1 = min(m0 + 1u, lm);
  let p2 = min(m0 + 2u, lm);
  let p3 = min(m0 + 3u, lm);
  let c0 = min(tn * 2u, params.n4 - 1u);
  let c1 = min(tn * 2u + 1u, params.n4 - 1u);
  var s00 = vec4<f32>(0.0);
  var s01 = vec4<f32>(0.0);
  var s10 = vec4<f32>(0.0);
  var s11 = vec4<f32>(0.0);
  var s20 = vec4<f32>(0.0);
  var s21 = vec4<f32>(0.0);
  var s30 = vec4<f32>(0.0);
  var s31 = vec4<f32>(0.0);
  for (var k4i = 0u; k4i < params.k4; k4i++) {
    let d0 = dw4(p0, k4i);
    let d1 = dw4(p1, k4i);
    let d2 = dw4(p2, k4i);
    let d3 = dw4(p3, k4i);
    for (var q = 0u; q < 4u; q++) {
      let wr = (k4i * 4u + q) * params.n4;
      let w0 = wp[wr + c0];
      let w1 = wp[wr + c1];
      s00 += d0[q] * w0;
      s01 += d0[q] * w1;
      s10 += d1[q] * w0;
      s11 += d1[q] * w1;
      s20 += d2[q] * w0;
      s21 += d2[q] * w1;
      s30 += d3[q] * w0;
      s31 += d3[q] * w1;
    }
  }
  store4(p0, c0, s00);
  store4(p0, c1, s01);
  store4(p1, c0, s10);
  store4(p1, c1, s11);
  store4(p2, c0, s20);
  store4(p2, c1, s21);
  store4(p3, c0, s30);
  store4(p3, c1, s31);
}
