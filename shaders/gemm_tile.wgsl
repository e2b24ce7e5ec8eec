// The workgroup GEMM tile (GPUs), included by gemm.wgsl, conv2d.wgsl and dwpw.wgsl through
// `// #include "gemm_tile.wgsl"` (src/gpu/wgsl.ts):
//   acc[i] = Σ_{k < params.k} A[m0 + lid.y·4 + i, k] · B[k, n0 + lid.x·4 .. +3]     (i = 0..3)
// A workgroup of (TN/4) × (TM/4) invocations computes a TM × TN tile; each invocation a 4 × 4 block held in
// 4 vec4 registers. Per TK = 16 step the workgroup stages A as [TM][TK/4] vec4 and B as [TK][TN/4] vec4 in
// workgroup memory: consecutive invocations fetch consecutive vec4s; in the inner loop the lanes of a warp
// share the A vec4 (broadcast) and read consecutive B vec4s, so there are no bank conflicts. 16 FMAs (vec4)
// per 8 vec4 workgroup loads.
// The including kernel declares:
//   struct TileSrc                                     whatever its loaders need (offsets, group, ...)
//   fn tile_a(s: TileSrc, m: u32, k: u32) -> vec4<f32>  A[m, k .. k+3], zero where m >= M or k+q >= K
//   fn tile_b(s: TileSrc, k: u32, n: u32) -> vec4<f32>  B[k, n .. n+3], zero where k >= K or n+q >= N
//   fn tile_src(t: u32) -> TileSrc                      the loaders' state for matrix t (a batch, a group)
// and a params uniform with the reduction length `k` and the grid tiles_m, tiles_n, groups (= matrices ·
// tiles_m · tiles_n workgroups, numbered n-tile fastest, then m-tile, then matrix). The A loader is where kernels differ: a strided
// matrix read (pointwise), an image gather (conv2d), a depthwise convolution computed on the fly (dwpw).
override TM: u32 = 64u; // tile rows and columns (multiples of 4; TM/4 · TN/4 invocations)
override TN: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> As: array<vec4<f32>, TM * TK / 4u>;
var<workgroup> Bs: array<vec4<f32>, TK * TN / 4u>;
var<workgroup> Cs: array<vec4<f32>, TN / 4u>; // the tile's block_bias(), loaded once per workgroup

fn gemm_tile(s: TileSrc, m0: u32, n0: u32, lid: vec3<u32>, lidx: u32) -> array<vec4<f32>, 4> {
  var acc: array<vec4<f32>, 4>;
  let nthreads = (TM / 4u) * (TN / 4u);
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var i = lidx; i < TM * TK / 4u; i += nthreads) {
      As[i] = tile_a(s, m0 + i / (TK / 4u), k0 + (i % (TK / 4u)) * 4u);
    }
    for (var i = lidx; i < TK * TN / 4u; i += nthreads) {
      Bs[i] = tile_b(s, k0 + i / (TN / 4u), n0 + (i % (TN / 4u)) * 4u);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k += 4u) {
      let b0 = Bs[k * (TN / 4u) + lid.x];
      let b1 = Bs[(k + 1u) * (TN / 4u) + lid.x];
      let b2 = Bs[(k + 2u) * (TN / 4u) + lid.x];
      let b3 = Bs[(k + 3u) * (TN / 4u) + lid.x];
      for (var i = 0u; i < 4u; i++) {
        let av = As[(lid.y * 4u + i) * (TK / 4u) + k / 4u];
        acc[i] += av.x * b0 + av.y * b1 + av.z * b2 + av.w * b3;
      }
    }
    workgroupBarrier();
  }
  return acc;
}

// One invocation's 4 × 4 result: rows m .. m+3, columns n .. n+3 of matrix t; valid = false past the grid.
struct Block {
  acc: array<vec4<f32>, 4>,
  bias: vec4<f32>, // block_bias() of columns n .. n+3
  m: u32,
  n: u32,
  t: u32,
  valid: bool,
}

fn tiled(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>, lidx: u32) -> Block {
  var blk: Block;
  let g = wid.x + wid.y * nwg.x;
  if (g >= params.groups) {
    return blk;
  }
  let tn = g % params.tiles_n;
  let tm = (g / params.tiles_n) % params.tiles_m;
  let t = g / (params.tiles_n * params.tiles_m);
  blk.acc = gemm_tile(tile_src(t), tm * TM, tn * TN, lid, lidx);
  blk.m = tm * TM + lid.y * 4u;
  blk.n = tn * TN + lid.x * 4u;
  blk.t = t;
  blk.valid = true;
  if (lid.y == 0u) {
    Cs[lid.x] = block_bias(blk);
  }
  workgroupBarrier();
  blk.bias = Cs[lid.x];
  return blk;
}
