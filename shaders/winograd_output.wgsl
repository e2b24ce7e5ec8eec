// Winograd F(2×2, 3×3) output transform (src/gpu/kernels/winograd.ts): one invocation per (tile, vec4 of output
// channels) turns the 16 GEMM results of its tile into its 2×2 outputs,
//   y = act(Aᵀ m A + bias) (+ residual)   Aᵀ = [1 1 1 0; 0 1 -1 -1]
// storing those inside the output (the last tile row / column may hang over it).
// Invocation id = o4 + co4s·t, t = tx + tw·(ty + th·n).
// Bindings:
//   @binding(0) params  uniform Params (WINOGRAD_PARAMS)
//   @binding(1) m       array<vec4<f32>>  [16, T, Cout]    GEMM results
//   @binding(2) b       array<vec4<f32>>  [Cout / 4]       bias
//   @binding(3) y       array<vec4<f32>>  [N, OH, OW, Cout] output (NHWC)
//   @binding(4) res     array<vec4<f32>>  like y            (with a residual only)
// The file is a template: src/gpu/kernels/winograd.ts replaces the TRANSFORM marker with the unrolled transform,
// and the RES_BINDING / RES_ADD markers with the residual's binding and addend (or nothing; or the residual
// added before the activation, a fused post-residual Relu).
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> m: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;
${RES_BINDING}

// The 2×2 outputs of the invocation's tile (before bias), and where the first one goes.
struct Tile {
  y00: vec4<f32>,
  y01: vec4<f32>,
  y10: vec4<f32>,
  y11: vec4<f32>,
  bias: vec4<f32>,
  /** output pixel index of (2·ty, 2·tx) */
  pix: u32,
  o4: u32,
  /** whether the right column / bottom row of the 2×2 lie inside the output */
  right: bool,
  below: bool,
}

fn tile(id: u32) -> Tile {
  var r: Tile;
  let o4 = id % params.co4s;
  let t = id / params.co4s;
  let tx = t % params.tw;
  let q = t / params.tw;
  let ty = q % params.th;
  let n = q / params.th;
  let plane = params.tiles * params.co4s;
  let base = t * params.co4s + o4;
  ${TRANSFORM}
  r.bias = b[o4];
  r.o4 = o4;
  r.pix = (n * params.oh + ty * 2u) * params.ow + tx * 2u;
  r.right = tx * 2u + 1u < params.ow;
  r.below = ty * 2u + 1u < params.oh;
  return r;
}

fn put(pix: u32, o4: u32, v: vec4<f32>) {
  let i = pix * params.co4s + o4;
  y[i] = act4(v)${RES_ADD};
}

fn store(r: Tile) {
  put(r.pix, r.o4, r.y00 + r.bias);
  if (r.right) {
    put(r.pix + 1u, r.o4, r.y01 + r.bias);
  }
  if (r.below) {
    put(r.pix + params.ow, r.o4, r.y10 + r.bias);
    if (r.right) {
      put(r.pix + params.ow + 1u, r.o4, r.y11 + r.bias);
    }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  if (id >= params.total) {
    return;
  }
  store(tile(id));
}

