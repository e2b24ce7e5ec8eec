// Tiled GEMM with a fused epilogue; pointwise (1x1) Conv, Gemm and MatMul all run on it:
//   Y[t, m, n] = act( alpha · Σ_k A[t, m, k] · B[t, k, n]  +  beta · C[m, n] )  (+ R[t, m, n] in the *_res entry points)
// Every operand is addressed through element strides, so transposes, NHWC tensors and broadcast C need no copy:
//   A[t, m, k] = a[off[3t]     + m·a_sm + k·a_sk]
//   B[t, k, n] = bm[off[3t + 1] + k·b_sk + n·b_sn]
//   Y[t, m, n] = y[off[3t + 2] + m·y_sm + n·y_sn]      R[t, m, n] = res[same index as Y]
//   C[m, n]    = c[m·c_sm + n·c_sn]                   (zero strides broadcast; HAS_C = false skips it)
// Bindings:
//   @binding(0) params  uniform Params
//   @binding(1) a       array<f32>   left operand  (pointwise conv: NHWC input = [N·H·W, Cin])
//   @binding(2) bm      array<f32>   right operand (pointwise conv: weights packed [Cin, Cout])
//   @binding(3) c       array<f32>   bias / Gemm C (a dummy when HAS_C is false)
//   @binding(4) off     array<u32>   [batches, 3] element offsets of A, B and Y per batch
//   @binding(5) y       array<f32>   output        (pointwise conv: NHWC output = [N·H·W, Cout])
//   @binding(6) res     array<REST>  residual, laid out like Y (main_res / reg_res only)
// Workgroups are numbered n-tile fastest, then m-tile, then batch; linear index wid.x + wid.y·nwg.x (grid()).
//
// main / main_res (GPUs): the workgroup tile of gemm_tile.wgsl, A and B read through their strides.
// reg_main / reg_res (software adapters, e.g. SwiftShader): no workgroup memory and no barriers (a barrier
// is a thread switch on a CPU); each invocation reads its 4 rows of A and 4 columns of B straight from the
// buffers with clamped indices (no branches in the k loop) and masks the out-of-range results on store.
// AT / BT, the element types of a and bm, and their loaders a_at / a_vec / b_at / b_vec are prepended by
// src/gpu/kernels/gemm.ts: f32, or vec4<f32> for the tiled entry points where the operand is contiguous along k
// (A) / n (B) with K (N), every row stride and every offset a multiple of 4, so a staged vec4 is one load; on
// the tiled entry points A, Y and R may be f16 storage (src/gpu/act-storage.ts), widened on load, narrowed on store
// (src/gpu/kernels/elements.ts).
//   fn a_at(i: u32) -> f32          A element at index i        fn a_vec(i: u32) -> vec4<f32>  elements i .. i+3
//   fn b_at(i: u32) -> f32          (the same for B)            fn b_vec(i: u32) -> vec4<f32>
// #include "gemm_tile.wgsl"
// #include "gemm_inner.wgsl"
// #include "gemm_store.wgsl"
// #include "gemm_register.wgsl"

override HAS_C: bool = false;
override C_BCAST: bool = false; // C is one row broadcast over M (c_sm = 0)
override BATCHED: bool = false; // some offset in `off` is not 0 (else the table is not read)
override A_CONTIG: bool = false; // a_sk = 1: a tile row's vec4 is 4 consecutive elements
override B_CONTIG: bool = false; // b_sn = 1

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<AT>;
@group(0) @binding(2) var<storage, read> bm: array<BT>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read> off: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<YT>;
@group(0) @binding(6) var<storage, read> res: array<REST>;

struct TileSrc {
  aoff: u32,
  boff: u32,
}

// Bounds are checked per vec4 at the tile's edges only: a vec4 wholly inside K (or N) loads without branches.
fn tile_a(s: TileSrc, gm: u32, gk: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (gm >= params.m) {
    return v;
  }
  let base = s.aoff + gm * params.a_sm + gk * params.a_sk;
  let st = params.a_sk;
  if (gk + 3u < params.k) {
    if (A_CONTIG) {
      return a_vec(base);
    }
    return vec4<f32>(a_at(base), a_at(base + st), a_at(base + 2u * st), a_at(base + 3u * st));
  }
  for (var q = 0u; gk + q < params.k; q++) {
    v[q] = a_at(base + q * st);
  }
  return v;
}

fn tile_b(s: TileSrc, gk: u32, gn: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (gk >= params.k) {
    return v;
  }
  let base = s.boff + gk * params.b_sk + gn * params.b_sn;
  let st = params.b_sn;
  if (gn + 3u < params.n) {
    if (B_CONTIG) {
      return b_vec(base);
    }
    return vec4<f32>(b_at(base), b_at(base + st), b_at(base + 2u * st), b_at(base + 3u * st));
  }
  for (var q = 0u; gn + q < params.n; q++) {
    v[q] = b_at(base + q * st);
  }
  return v;
}

fn tile_src(t: u32) -> TileSrc {
  if (!BATCHED) {
    return TileSrc(0u, 0u);
  }
  return TileSrc(off[3u * t], off[3u * t + 1u]);
}

fn reg_tile(wid: vec3<u32>, nwg: vec3<u32>, lidx: u32) -> Block {
  var blk = reg_block(wid, nwg, lidx);
  if (!blk.valid) {
    return blk;
  }
  let m = blk.m;
  let n = blk.n;
  let t = blk.t;
  let aoff = off[3u * t];
  let boff = off[3u * t + 1u];
  var ra: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    ra[i] = aoff + min(m + i, params.m - 1u) * params.a_sm;
  }
  let cn = vec4<u32>(min(n, params.n - 1u), min(n + 1u, params.n - 1u), min(n + 2u, params.n - 1u),
                     min(n + 3u, params.n - 1u)) * params.b_sn + vec4<u32>(boff);
  for (var k = 0u; k < params.k; k++) {
    let kb = k * params.b_sk;
    let bv = vec4<f32>(b_at(cn.x + kb), b_at(cn.y + kb), b_at(cn.z + kb), b_at(cn.w + kb));
    let ka = k * params.a_sk;
    blk.acc[0] += a_at(ra[0] + ka) * bv;
    blk.acc[1] += a_at(ra[1] + ka) * bv;
    blk.acc[2] += a_at(ra[2] + ka) * bv;
    blk.acc[3] += a_at(ra[3] + ka) * bv;
  }
  return blk;
}

// C one row broadcast over M (c_sm = 0: a bias) is read once per block; a full C once per row.
fn c_row(blk: Block, row: u32) -> vec4<f32> {
  let base = row * params.c_sm;
  let last = params.n - 1u;
  return vec4<f32>(c[base + min(blk.n, last) * params.c_sn], c[base + min(blk.n + 1u, last) * params.c_sn],
                   c[base + min(blk.n + 2u, last) * params.c_sn], c[base + min(blk.n + 3u, last) * params.c_sn]);
}

fn block_bias(blk: Block) -> vec4<f32> {
  if (HAS_C && C_BCAST) {
    return params.beta * c_row(blk, 0u);
  }
  return vec4<f32>(0.0);
}

fn out_value(blk: Block, row: u32, i: u32, bias: vec4<f32>) -> vec4<f32> {
  var v = params.alpha * blk.acc[i] + bias;
  if (HAS_C && !C_BCAST) {
    v += params.beta * c_row(blk, row);
  }
  return act4(v);
}

fn y_base(blk: Block) -> u32 {
  if (!BATCHED) {
    return 0u;
  }
  return off[3u * blk.t + 2u];
}

fn y_index(blk: Block, base: u32, row: u32, col: u32) -> u32 {
  return base + row * params.y_sm + col * params.y_sn;
}

fn block_cols(blk: Block) -> u32 {
  return params.n;
}
