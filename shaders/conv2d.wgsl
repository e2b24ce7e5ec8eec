// Regular and grouped 2-D convolution as an implicit GEMM (no im2col buffer), NHWC. Per group g:
//   Y[m, g·coutg + n] = act( b[g·coutg + n] + Σ_kk A_g[m, kk] · W[g, kk, n] )      (+ R[m, ...] in *_res)
//   m  = (img·OH + oy)·OW + ox                       (output pixel)
//   kk = (ky·KW + kx)·cg + ci                        (tap-major, input channel fastest: contiguous in NHWC)
//   A_g[m, kk] = x[img, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, g·cg + ci]   (0 outside the image)
// Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) x       array<XT>   [N, H, W, C]          input (NHWC)
//   @binding(2) wt      array<WT>   [G, KH·KW·cg, coutg]  weights packed in kk order
//   @binding(3) b       array<f32>  [Cout]                bias (zeros when the node has none)
//   @binding(4) y       array<YT>   [N, OH, OW, Cout]     output (NHWC)
//   @binding(5) res     array<REST> [N, OH, OW, Cout]     residual (main_res / reg_res only)
// XT, WT, YT: f32, or vec4<f32> for the tiled entry points (src/gpu/kernels/conv2d.ts): x where cg % 4 = 0 (a
// vec4 of 4 consecutive kk is one tap's 4 consecutive channels, 16-byte aligned), wt and y where coutg % 4 = 0.
// Loaders x_at / x_vec, w_at / w_vec (element i, elements i .. i+3) are prepended with the aliases (gemm.ts
// operandLoaders), y_put / res_get with YT, REST (output.ts). On the tiled entry points x, y and res may be f16
// storage (src/gpu/act-storage.ts), widened on load and narrowed on store by those helpers (kernels/elements.ts).
// Workgroups: n-tile fastest, then m-tile, then group; linear index wid.x + wid.y·nwg.x (grid()).
// main (GPUs): the workgroup tile of gemm_tile.wgsl; its A loader gathers from the image: with X4 a vec4 of 4
// consecutive kk is one vec4 load (its tap decoded once), else each kk is decoded and loaded alone.
// staged_main (GPUs, where the planner's counted traffic prefers it): a 2-D tile of TY × TX output pixels of one
// image; per block of TK input channels the input patch it needs (PH × PW pixels, halo included) is staged in
// workgroup memory once, then every tap reads its A operand from there (conv_tile): the input is loaded about
// PH·PW / (TY·TX·sy·sx) times per N tile instead of once per tap.
// reg_main (software adapters): no workgroup memory or barriers; loops ky, kx (override constants, unrolled),
// computes the 4 pixel addresses and zero-masks once per tap, then runs the channel loop branch-free.
// #include "gemm_tile.wgsl"
// #include "gemm_inner.wgsl"
// #include "gemm_store.wgsl"
// #include "gemm_register.wgsl"

override KH: u32 = 3u;
override KW: u32 = 3u;
override X4: bool = false; // x bound as vec4 (cg % 4 = 0)
override W4: bool = false; // wt bound as vec4 (coutg % 4 = 0)

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<XT>;
@group(0) @binding(2) var<storage, read> wt: array<WT>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<YT>;
@group(0) @binding(5) var<storage, read> res: array<REST>;

struct TileSrc {
  grp: u32,
}

fn tile_a(s: TileSrc, gm: u32, gk: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (gm < params.m) {
    let ox = gm % params.ow;
    let oy = (gm / params.ow) % params.oh;
    let img = gm / (params.ow * params.oh);
    let by = i32(oy * params.stride_y) - params.pad_t;
    let bx = i32(ox * params.stride_x) - params.pad_l;
    let pix = img * params.h;
    if (X4) {
      // K = taps · cg is a multiple of 4, so gk < K means gk .. gk+3 are all in the same tap
      if (gk < params.k) {
        let tap = gk / params.cg;
        let iy = by + i32((tap / KW) * params.dil_y);
        let ix = bx + i32((tap % KW) * params.dil_x);
        if (iy >= 0 && iy < i32(params.h) && ix >= 0 && ix < i32(params.w)) {
          return x_vec(((pix + u32(iy)) * params.w + u32(ix)) * params.c + s.grp * params.cg + gk % params.cg);
        }
      }
      return v;
    }
    for (var q = 0u; q < 4u; q++) {
      let kk = gk + q;
      if (kk < params.k) {
        let ci = kk % params.cg;
        let tap = kk / params.cg;
        let iy = by + i32((tap / KW) * params.dil_y);
        let ix = bx + i32((tap % KW) * params.dil_x);
        if (iy >= 0 && iy < i32(params.h) && ix >= 0 && ix < i32(params.w)) {
          v[q] = x_at(((pix + u32(iy)) * params.w + u32(ix)) * params.c + s.grp * params.cg + ci);
        }
      }
    }
  }
  return v;
}

fn tile_b(s: TileSrc, gk: u32, gn: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (gk < params.k) {
    let base = (s.grp * params.k + gk) * params.coutg;
    if (W4) {
      // coutg % 4 = 0: gn .. gn+3 are all in range or all past it
      if (gn < params.coutg) {
        return w_vec(base + gn);
      }
      return v;
    }
    for (var q = 0u; q < 4u; q++) {
      if (gn + q < params.coutg) {
        v[q] = w_at(base + gn + q);
      }
    }
  }
  return v;
}

override TY: u32 = 8u; // staged tile: output rows × columns (TY·TX = TM, TX % RM = 0)
override TX: u32 = 8u;
override PH: u32 = 10u; // its input patch: (TY - 1)·sy + (KH - 1)·dy + 1 rows, (TX - 1)·sx + (KW - 1)·dx + 1 columns
override PW: u32 = 10u;

var<workgroup> Ps: array<vec4<f32>, PH * PW * TK / 4u>;

// Patch pixel p (row-major PH × PW from input pixel (y0, x0) of image img), channels c .. c+3 of the group; zero
// outside the image and past cg.
fn patch_at(grp: u32, img: u32, y0: i32, x0: i32, p: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  let iy = y0 + i32(p / PW);
  let ix = x0 + i32(p % PW);
  if (iy < 0 || iy >= i32(params.h) || ix < 0 || ix >= i32(params.w) || c >= params.cg) {
    return v;
  }
  let base = ((img * params.h + u32(iy)) * params.w + u32(ix)) * params.c + grp * params.cg + c;
  if (X4) {
    return x_vec(base); // cg % 4 = 0: c .. c+3 are all in range
  }
  for (var q = 0u; q < 4u && c + q < params.cg; q++) {
    v[q] = x_at(base + q);
  }
  return v;
}

// The TY × TX tile at output pixel (oy0, ox0) of image img, columns n0 .. n0+TN-1 of group grp: per block of TK
// channels, the patch is staged once, then per tap the tap's TK weight rows; the A vec4 of tile pixel p, tap
// (ky, kx) is Ps at patch pixel (ly·sy + ky·dy, lx·sx + kx·dx).
fn conv_tile(grp: u32, img: u32, oy0: u32, ox0: u32, n0: u32, lid: vec3<u32>, lidx: u32) -> array<vec4<f32>, RB> {
  var acc: array<vec4<f32>, RB>;
  let nx = TN / (4u * RN4);
  let nthreads = (TM / RM) * nx;
  let y0 = i32(oy0 * params.stride_y) - params.pad_t;
  let x0 = i32(ox0 * params.stride_x) - params.pad_l;
  let p0 = lid.y * RM; // the invocation's RM pixels are consecutive along x (TX % RM = 0)
  let pix = (p0 / TX) * params.stride_y * PW + (p0 % TX) * params.stride_x;
  let s = TileSrc(grp);
  for (var c0 = 0u; c0 < params.cg; c0 += TK) {
    for (var i = lidx; i < PH * PW * TK / 4u; i += nthreads) {
      Ps[i] = patch_at(grp, img, y0, x0, i / (TK / 4u), c0 + (i % (TK / 4u)) * 4u);
    }
    for (var tap = 0u; tap < KH * KW; tap++) {
      for (var i = lidx; i < TK * TN / 4u; i += nthreads) {
        let ci = c0 + i / (TN / 4u);
        var w = vec4<f32>(0.0);
        if (ci < params.cg) {
          w = tile_b(s, tap * params.cg + ci, n0 + (i % (TN / 4u)) * 4u);
        }
        Bs[i] = w;
      }
      workgroupBarrier();
      let toff = pix + (tap / KW) * params.dil_y * PW + (tap % KW) * params.dil_x;
      for (var k = 0u; k < TK; k += 4u) {
        let bq = tile_bq(k, lid);
        for (var i = 0u; i < RM; i++) {
          let av = Ps[(toff + i * params.stride_x) * (TK / 4u) + k / 4u];
          tile_fma(&acc, i, av, bq);
        }
      }
      workgroupBarrier();
    }
  }
  return acc;
}

// Workgroup g: n-tile fastest, then tile column, tile row, image, group (params.tiles_x, tiles_y; tiles_m =
// tiles_x · tiles_y · images).
fn staged(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>, lidx: u32) -> Block {
  var blk: Block;
  let g = wid.x + wid.y * nwg.x;
  if (g >= params.groups) {
    return blk;
  }
  let tile = tile_of(g);
  let tn = tile.x;
  let tm = tile.y;
  let grp = tile.z;
  let oy0 = ((tm / params.tiles_x) % params.tiles_y) * TY;
  let ox0 = (tm % params.tiles_x) * TX;
  let img = tm / (params.tiles_x * params.tiles_y);
  blk.acc = conv_tile(grp, img, oy0, ox0, tn * TN, lid, lidx);
  let oy = oy0 + (lid.y * RM) / TX;
  let ox = ox0 + (lid.y * RM) % TX;
  blk.m = (img * params.oh + oy) * params.ow + ox;
  blk.cut = select(RM - min(RM, params.ow - ox), RM, oy >= params.oh || ox >= params.ow);
  blk.n = tn * TN + lid.x * 4u;
  blk.t = grp;
  blk.valid = true;
  return stage_bias(blk, lid);
}

@compute @workgroup_size(TN / (4u * RN4), TM / RM)
fn staged_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let blk = staged(wid, nwg, lid, lidx);
  if (blk.valid) {
    store_plain(blk);
  }
}

@compute @workgroup_size(TN / (4u * RN4), TM / RM)
fn staged_res(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let blk = staged(wid, nwg, lid, lidx);
  if (blk.valid) {
    store_res(blk);
  }
}

fn tile_src(t: u32) -> TileSrc {
  return TileSrc(t);
}

fn reg_tile(wid: vec3<u32>, nwg: vec3<u32>, lidx: u32) -> Block {
  var blk = reg_block(wid, nwg, lidx);
  if (!blk.valid) {
    return blk;
  }
  let m = blk.m;
  let n = blk.n;
  let grp = blk.t;
  let last = params.coutg - 1u;
  let cn = vec4<u32>(min(n, last), min(n + 1u, last), min(n + 2u, last), min(n + 3u, last));
  var by: array<i32, 4>;
  var bx: array<i32, 4>;
  var pb: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    let gm = min(m + i, params.m - 1u);
    let ox = gm % params.ow;
    let oy = (gm / params.ow) % params.oh;
    let img = gm / (params.ow * params.oh);
    by[i] = i32(oy * params.stride_y) - params.pad_t;
    bx[i] = i32(ox * params.stride_x) - params.pad_l;
    pb[i] = img * params.h * params.w * params.c + grp * params.cg;
  }
  let H = i32(params.h);
  let W = i32(params.w);
  var addr: array<u32, 4>;
  var mask: vec4<f32>;
  for (var ky = 0u; ky < KH; ky++) {
    for (var kx = 0u; kx < KW; kx++) {
      for (var i = 0u; i < 4u; i++) {
        let iy = by[i] + i32(ky * params.dil_y);
        let ix = bx[i] + i32(kx * params.dil_x);
        let ok = iy >= 0 && iy < H && ix >= 0 && ix < W;
        addr[i] = select(0u, pb[i] + (u32(iy) * params.w + u32(ix)) * params.c, ok);
        mask[i] = select(0.0, 1.0, ok);
      }
      let wb = grp * params.k * params.coutg + (ky * KW + kx) * params.cg * params.coutg;
      for (var ci = 0u; ci < params.cg; ci++) {
        let wr = wb + ci * params.coutg;
        let bv = vec4<f32>(w_at(wr + cn.x), w_at(wr + cn.y), w_at(wr + cn.z), w_at(wr + cn.w));
        blk.acc[0] += (x_at(addr[0] + ci) * mask[0]) * bv;
        blk.acc[1] += (x_at(addr[1] + ci) * mask[1]) * bv;
        blk.acc[2] += (x_at(addr[2] + ci) * mask[2]) * bv;
        blk.acc[3] += (x_at(addr[3] + ci) * mask[3]) * bv;
      }
    }
  }
  return blk;
}

fn block_bias(blk: Block) -> vec4<f32> {
  let ch = blk.t * params.coutg;
  let last = params.coutg - 1u;
  return vec4<f32>(b[ch + min(blk.n, last)], b[ch + min(blk.n + 1u, last)], b[ch + min(blk.n + 2u, last)],
                   b[ch + min(blk.n + 3u, last)]);
}

fn out_value(blk: Block, row: u32, i: u32, bias: vec4<f32>) -> vec4<f32> {
  return act4(blk.acc[i] + bias);
}

fn y_base(blk: Block) -> u32 {
  return blk.t * params.coutg;
}

fn y_index(blk: Block, base: u32, row: u32, col: u32) -> u32 {
  return base + row * params.cout + col;
}

fn block_cols(blk: Block) -> u32 {
  return params.coutg;
}
