// The workgroup GEMM tile (GPUs), included by gemm.wgsl, conv2d.wgsl and dwpw.wgsl through
// `// #include "gemm_tile.wgsl"` (src/gpu/wgsl.ts):
//   acc[i·RN4 + j] = Σ_{k < params.k} A[m0 + lid.y·RM + i, k] · B[k, n0 + 4·(lid.x + j·NX) .. +3]
//   (i < RM, j < RN4, NX = TN / (4·RN4) invocations along n)
// A workgroup of NX × (TM/RM) invocations computes a TM × TN tile; each invocation an RM × 4·RN4 block held in
// RM·RN4 vec4 registers: RM consecutive rows, and RN4 column groups NX vec4s apart, so the lanes of a warp
// read (and store) consecutive vec4s for each j. Per TK = 16 step (gemm_inner.wgsl) the workgroup stages A as [TM][TK/4] vec4
// and B as [TK][TN/4] vec4 in workgroup memory: consecutive invocations fetch consecutive vec4s; in the inner
// loop the lanes of a warp share the A vec4 (broadcast) and read consecutive B vec4s, so there are no bank
// conflicts. 4·RM·RN4 FMAs (vec4) per RM + 4·RN4 vec4 workgroup loads.
// RM (4 or 8) and RN4 (1 or 2) are consts prepended per shader text by src/gpu/kernels/gemm.ts (a function's
// array sizes must be const expressions); the software-adapter entry points use RM = 4, RN4 = 1.
// gemm_tile() itself is in gemm_inner.wgsl (or gemm_inner_subgroups.wgsl, src/gpu/kernels/gemm.ts), which the
// including kernel includes after this file. The including kernel declares:
//   struct TileSrc                                     whatever its loaders need (offsets, group, ...)
//   fn tile_a(s: TileSrc, m: u32, k: u32) -> vec4<f32>  A[m, k .. k+3], zero where m >= M or k+q >= K
//   fn tile_b(s: TileSrc, k: u32, n: u32) -> vec4<f32>  B[k, n .. n+3], zero where k >= K or n+q >= N
//   fn tile_src(t: u32) -> TileSrc                      the loaders' state for matrix t (a batch, a group)
// and a params uniform with the reduction length `k` and the grid tiles_m, tiles_n, groups (= matrices ·
// tiles_m · tiles_n workgroups, numbered n-tile fastest, then m-tile, then matrix). The A loader is where kernels differ: a strided
// matrix read (pointwise), an image gather (conv2d), a depthwise convolution computed on the fly (dwpw).
// #include "tile_index.wgsl"
override TM: u32 = 64u; // tile rows and columns (multiples of RM and 4·RN4; (TM/RM) · (TN/(4·RN4)) invocations)
override TN: u32 = 64u;
override TK: u32 = 16u; // reduction depth staged per step (a multiple of 4; only conv2d.wgsl's staged tile sets it)
const RB: u32 = RM * RN4; // vec4 accumulators per invocation

var<workgroup> As: array<vec4<f32>, TM * TK / 4u>;
var<workgroup> Bs: array<vec4<f32>, TK * TN / 4u>;

// The inner product's pieces, shared by gemm_inner*.wgsl and conv2d.wgsl's staged tile:
// B rows k .. k+3 of Bs for this invocation's column groups, bq[q·RN4 + j] (row k+q, column group j)
fn tile_bq(k: u32, lid: vec3<u32>) -> array<vec4<f32>, 4u * RN4> {
  var bq: array<vec4<f32>, 4u * RN4>;
  for (var q = 0u; q < 4u; q++) {
    for (var j = 0u; j < RN4; j++) {
      bq[q * RN4 + j] = Bs[(k + q) * (TN / 4u) + lid.x + j * (TN / (4u * RN4))];
    }
  }
  return bq;
}

// acc row i += av (A row i, columns k .. k+3) · those B rows
fn tile_fma(acc: ptr<function, array<vec4<f32>, RB>>, i: u32, av: vec4<f32>, bq: array<vec4<f32>, 4u * RN4>) {
  for (var j = 0u; j < RN4; j++) {
    (*acc)[i * RN4 + j] += av.x * bq[j] + av.y * bq[RN4 + j] + av.z * bq[2u * RN4 + j] + av.w * bq[3u * RN4 + j];
  }
}

// Bs = B rows k0 .. k0+TK-1, columns n0 .. n0+TN-1 (tile_b), staged by the workgroup's nthreads invocations
fn stage_b(s: TileSrc, k0: u32, n0: u32, lidx: u32, nthreads: u32) {
  for (var i = lidx; i < TK * TN / 4u; i += nthreads) {
    Bs[i] = tile_b(s, k0 + i / (TN / 4u), n0 + (i % (TN / 4u)) * 4u);
  }
}

// One invocation's RM × 4·RN4 result: rows m .. m+RM-1 of matrix t, column groups block_col(blk, j);
// valid = false past the grid.
struct Block {
  acc: array<vec4<f32>, RB>,
  bias: vec4<f32>, // block_bias() of column group 0 (columns n .. n+3)
  bias_hi: array<vec4<f32>, RN4>, // block_bias() of column group j >= 1 at [j] (tiled() only)
  m: u32,
  // rows RM - cut .. RM - 1 are not stored (conv2d.wgsl's 2-D tile: pixels past the image's right or bottom edge)
  cut: u32,
  n: u32,
  t: u32,
  valid: bool,
}

// The first column of column group j (j < RN4).
fn block_col(blk: Block, j: u32) -> u32 {
  return blk.n + j * (TN / RN4);
}

fn group_bias(blk: Block, j: u32) -> vec4<f32> {
  if (j == 0u) {
    return blk.bias;
  }
  return blk.bias_hi[j];
}

fn tiled(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>, lidx: u32) -> Block {
  var blk: Block;
  let g = wid.x + wid.y * nwg.x;
  if (g >= params.groups) {
    return blk;
  }
  let tile = tile_of(g);
  blk.acc = gemm_tile(tile_src(tile.z), tile.y * TM, tile.x * TN, lid, lidx);
  blk.m = tile.y * TM + lid.y * RM;
  blk.n = tile.x * TN + lid.x * 4u;
  blk.t = tile.z;
  blk.valid = true;
  return stage_bias(blk, lid);
}

// blk with the tile's block_bias() loaded once per workgroup into Bs (free after the tile's last barrier;
// TK·TN/4 >= TN/4 vec4s), so the workgroup memory is exactly the tile's staging arrays.
fn stage_bias(b: Block, lid: vec3<u32>) -> Block {
  var blk = b;
  let nx = TN / (4u * RN4);
  if (lid.y == 0u) {
    for (var j = 0u; j < RN4; j++) {
      var col = blk;
      col.n = block_col(blk, j);
      Bs[lid.x + j * nx] = block_bias(col);
    }
  }
  workgroupBarrier();
  blk.bias = Bs[lid.x];
  for (var j = 1u; j < RN4; j++) {
    blk.bias_hi[j] = Bs[lid.x + j * nx];
  }
  return blk;
}
