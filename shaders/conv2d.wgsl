// Regular and grouped 2-D convolution as an implicit GEMM (no im2col buffer), NHWC. Per group g:
//   Y[m, g·coutg + n] = act( b[g·coutg + n] + Σ_kk A_g[m, kk] · W[g, kk, n] )      (+ R[m, ...] in *_res)
//   m  = (img·OH + oy)·OW + ox                       (output pixel)
//   kk = (ky·KW + kx)·cg + ci                        (tap-major, input channel fastest: contiguous in NHWC)
//   A_g[m, kk] = x[img, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, g·cg + ci]   (0 outside the image)
// Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) x       array<f32>  [N, H, W, C]          input (NHWC)
//   @binding(2) wt      array<f32>  [G, KH·KW·cg, coutg]  weights packed in kk order
//   @binding(3) b       array<f32>  [Cout]                bias (zeros when the node has none)
//   @binding(4) y       array<f32>  [N, OH, OW, Cout]     output (NHWC)
//   @binding(5) res     array<f32>  [N, OH, OW, Cout]     residual (main_res / direct_res only)
// Workgroups: n-tile fastest, then m-tile, then group; linear index wid.x + wid.y·nwg.x (grid()).
// main (GPUs): same tiling as pointwise.wgsl (TM × TN tile, TK = 16, 4 × 4 per invocation); the A tile is
// gathered from the image while staging, each vec4 of 4 consecutive kk decoded once per element, so a
// workgroup reads whole channel runs of a pixel (coalesced when cg >= 4). TN = 32 suits Cout = 32 layers.
// direct (software adapters): no workgroup memory or barriers; loops ky, kx (override constants, unrolled),
// computes the 4 pixel addresses and zero-masks once per tap, then runs the channel loop branch-free.
override TM: u32 = 64u;
override TN: u32 = 64u;
override KH: u32 = 3u;
override KW: u32 = 3u;
override DIRECT_WG: u32 = 64u;
const TK: u32 = 16u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read> res: array<f32>;

var<workgroup> As: array<vec4<f32>, TM * TK / 4u>;
var<workgroup> Bs: array<vec4<f32>, TK * TN / 4u>;

struct Block {
  acc: array<vec4<f32>, 4>,
  m: u32,
  n: u32,
  g: u32,
  valid: bool,
}

fn tiled(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>, lidx: u32) -> Block {
  var blk: Block;
  let gi = wid.x + wid.y * nwg.x;
  if (gi >= params.groups) {
    return blk;
  }
  let tn = gi % params.tiles_n;
  let tm = (gi / params.tiles_n) % params.tiles_m;
  let grp = gi / (params.tiles_n * params.tiles_m);
  let m0 = tm * TM;
  let n0 = tn * TN;
  let nthreads = (TM / 4u) * (TN / 4u);
  let wbase = grp * params.k * params.coutg;
  let cbase = grp * params.cg;
  let H = i32(params.h);
  let W = i32(params.w);
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var i = lidx; i < TM * TK / 4u; i += nthreads) {
      let gm = m0 + i / (TK / 4u);
      let gk = k0 + (i % (TK / 4u)) * 4u;
      var v = vec4<f32>(0.0);
      if (gm < params.m) {
        let ox = gm % params.ow;
        let oy = (gm / params.ow) % params.oh;
        let img = gm / (params.ow * params.oh);
        let by = i32(oy * params.stride_y) - params.pad_t;
        let bx = i32(ox * params.stride_x) - params.pad_l;
        for (var q = 0u; q < 4u; q++) {
          let kk = gk + q;
          if (kk < params.k) {
            let ci = kk % params.cg;
            let tap = kk / params.cg;
            let iy = by + i32((tap / KW) * params.dil_y);
            let ix = bx + i32((tap % KW) * params.dil_x);
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
              v[q] = x[((img * params.h + u32(iy)) * params.w + u32(ix)) * params.c + cbase + ci];
            }
          }
        }
      }
      As[i] = v;
    }
    for (var i = lidx; i < TK * TN / 4u; i += nthreads) {
      let gk = k0 + i / (TN / 4u);
      let gn = n0 + (i % (TN / 4u)) * 4u;
      var v = vec4<f32>(0.0);
      if (gk < params.k) {
        let base = wbase + gk * params.coutg;
        for (var q = 0u; q < 4u; q++) {
          if (gn + q < params.coutg) {
            v[q] = wt[base + gn + q];
          }
        }
      }
      Bs[i] = v;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k += 4u) {
      let b0 = Bs[k * (TN / 4u) + lid.x];
      let b1 = Bs[(k + 1u) * (TN / 4u) + lid.x];
      let b2 = Bs[(k + 2u) * (TN / 4u) + lid.x];
      let b3 = Bs[(k + 3u) * (TN / 4u) + lid.x];
      for (var i = 0u; i < 4u; i++) {
        let av = As[(lid.y * 4u + i) * (TK / 4u) + k / 4u];
        blk.acc[i] += av.x * b0 + av.y * b1 + av.z * b2 + av.w * b3;
      }
    }
    workgroupBarrier();
  }
  blk.m = m0 + lid.y * 4u;
  blk.n = n0 + lid.x * 4u;
  blk.g = grp;
  blk.valid = true;
  return blk;
}

fn direct(wid: vec3<u32>, nwg: vec3<u32>, lidx: u32) -> Block {
  var blk: Block;
  let id = (wid.x + wid.y * nwg.x) * DIRECT_WG + lidx;
  if (id >= params.groups) {
    return blk;
  }
  let tn = id % params.tiles_n;
  let tm = (id / params.tiles_n) % params.tiles_m;
  let grp = id / (params.tiles_n * params.tiles_m);
  let m = tm * 4u;
  let n = tn * 4u;
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
        let bv = vec4<f32>(wt[wr + cn.x], wt[wr + cn.y], wt[wr + cn.z], wt[wr + cn.w]);
        blk.acc[0] += (x[addr[0] + ci] * mask[0]) * bv;
        blk.acc[1] += (x[addr[1] + ci] * mask[1]) * bv;
        blk.acc[2] += (x[addr[2] + ci] * mask[2]) * bv;
        blk.acc[3] += (x[addr[3] + ci] * mask[3]) * bv;
      }
    }
  }
  blk.m = m;
  blk.n = n;
  blk.g = grp;
  blk.valid = true;
  return blk;
}

fn out_value(blk: Block, i: u32) -> vec4<f32> {
  let ch = blk.g * params.coutg;
  let last = params.coutg - 1u;
  let bias = vec4<f32>(b[ch + min(blk.n, last)], b[ch + min(blk.n + 1u, last)], b[ch + min(blk.n + 2u, last)],
                       b[ch + min(blk.n + 3u, last)]);
  return act4(blk.acc[i] + bias);
}

// Two copies because a resource is part of an entry point's bind group layout whenever any function it calls
// names it: the plain entry points must not touch `res`.
fn store_plain(blk: Block) {
  for (var i = 0u; i < 4u; i++) {
    let row = blk.m + i;
    if (row >= params.m) {
      return;
    }
    let v = out_value(blk, i);
    let base = row * params.cout + blk.g * params.coutg + blk.n;
    for (var q = 0u; q < 4u; q++) {
      if (blk.n + q < params.coutg) {
        y[base + q] = v[q];
      }
    }
  }
}

fn store_res(blk: Block) {
  for (var i = 0u; i < 4u; i++) {
    let row = blk.m + i;
    if (row >= params.m) {
      return;
    }
    let v = out_value(blk, i);
    let base = row * params.cout + blk.g * params.coutg + blk.n;
    for (var q = 0u; q < 4u; q++) {
      if (blk.n + q < params.coutg) {
        y[base + q] = v[q] + res[base + q];
      }
    }
  }
}

@compute @workgroup_size(TN / 4u, TM / 4u)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let blk = tiled(wid, nwg, lid, lidx);
  if (blk.valid) {
    store_plain(blk);
  }
}

@compute @workgroup_size(TN / 4u, TM / 4u)
fn main_res(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let blk = tiled(wid, nwg, lid, lidx);
  if (blk.valid) {
    store_res(blk);
  }
}

@compute @workgroup_size(DIRECT_WG)
fn direct_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lidx: u32) {
  let blk = direct(wid, nwg, lidx);
  if (blk.valid) {
    store_plain(blk);
  }
}

@compute @workgroup_size(DIRECT_WG)
fn direct_res(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lidx: u32) {
  let blk = direct(wid, nwg, lidx);
  if (blk.valid) {
    store_res(blk);
  }
}
