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
//   @binding(6) res     array<f32>   residual, laid out like Y (main_res / direct_res only)
// Workgroups are numbered n-tile fastest, then m-tile, then batch; linear index wid.x + wid.y·nwg.x (grid()).
//
// main / main_res (GPUs): a workgroup of (TN/4) × (TM/4) invocations computes a TM × TN tile; each invocation
// a 4 × 4 block held in 4 vec4 registers. Per TK = 16 step the workgroup stages A as [TM][TK/4] vec4 and B as
// [TK][TN/4] vec4 in workgroup memory: consecutive invocations load consecutive addresses (coalesced) and
// store consecutive vec4s; in the inner loop lanes of a warp share the A vec4 (broadcast) and read
// consecutive B vec4s, so there are no bank conflicts. 16 FMAs (vec4) per 8 vec4 workgroup loads.
// direct / direct_res (software adapters, e.g. SwiftShader): no workgroup memory and no barriers (a barrier
// is a thread switch on a CPU); each invocation reads its 4 rows of A and 4 columns of B straight from the
// buffers with clamped indices (no branches in the k loop) and masks the out-of-range results on store.
override TM: u32 = 64u;
override TN: u32 = 64u;
override HAS_C: bool = false;
override DIRECT_WG: u32 = 64u;
const TK: u32 = 16u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> bm: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read> off: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read> res: array<f32>;

var<workgroup> As: array<vec4<f32>, TM * TK / 4u>;
var<workgroup> Bs: array<vec4<f32>, TK * TN / 4u>;

struct Block {
  acc: array<vec4<f32>, 4>,
  m: u32,
  n: u32,
  yoff: u32,
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
  let aoff = off[3u * t];
  let boff = off[3u * t + 1u];
  let m0 = tm * TM;
  let n0 = tn * TN;
  let nthreads = (TM / 4u) * (TN / 4u);
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var i = lidx; i < TM * TK / 4u; i += nthreads) {
      let gm = m0 + i / (TK / 4u);
      let gk = k0 + (i % (TK / 4u)) * 4u;
      var v = vec4<f32>(0.0);
      if (gm < params.m) {
        let base = aoff + gm * params.a_sm;
        for (var q = 0u; q < 4u; q++) {
          if (gk + q < params.k) {
            v[q] = a[base + (gk + q) * params.a_sk];
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
        let base = boff + gk * params.b_sk;
        for (var q = 0u; q < 4u; q++) {
          if (gn + q < params.n) {
            v[q] = bm[base + (gn + q) * params.b_sn];
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
  blk.yoff = off[3u * t + 2u];
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
  let t = id / (params.tiles_n * params.tiles_m);
  let m = tm * 4u;
  let n = tn * 4u;
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
    let bv = vec4<f32>(bm[cn.x + kb], bm[cn.y + kb], bm[cn.z + kb], bm[cn.w + kb]);
    let ka = k * params.a_sk;
    blk.acc[0] += a[ra[0] + ka] * bv;
    blk.acc[1] += a[ra[1] + ka] * bv;
    blk.acc[2] += a[ra[2] + ka] * bv;
    blk.acc[3] += a[ra[3] + ka] * bv;
  }
  blk.m = m;
  blk.n = n;
  blk.yoff = off[3u * t + 2u];
  blk.valid = true;
  return blk;
}

fn epilogue(row: u32, n: u32, acc: vec4<f32>) -> vec4<f32> {
  var v = params.alpha * acc;
  if (HAS_C) {
    let base = row * params.c_sm;
    for (var q = 0u; q < 4u; q++) {
      v[q] += params.beta * c[base + min(n + q, params.n - 1u) * params.c_sn];
    }
  }
  return act4(v);
}

// Two copies because a resource is part of an entry point's bind group layout whenever any function it calls
// names it: the plain entry points must not touch `res`.
fn store_plain(blk: Block) {
  for (var i = 0u; i < 4u; i++) {
    let row = blk.m + i;
    if (row >= params.m) {
      return;
    }
    let v = epilogue(row, blk.n, blk.acc[i]);
    let base = blk.yoff + row * params.y_sm;
    for (var q = 0u; q < 4u; q++) {
      if (blk.n + q < params.n) {
        y[base + (blk.n + q) * params.y_sn] = v[q];
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
    let v = epilogue(row, blk.n, blk.acc[i]);
    let base = blk.yoff + row * params.y_sm;
    for (var q = 0u; q < 4u; q++) {
      if (blk.n + q < params.n) {
        let idx = base + (blk.n + q) * params.y_sn;
        y[idx] = v[q] + res[idx];
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
