// MediaPipe's TransformTensorBilinear v2 on NHWC buffers: output pixel (ox, oy) samples x bilinearly at
// the first two rows of the matrix m with the half-pixel correction folded in (samplingRows in
// src/ops/transformtensorbilinear.ts); outside [0, W − 1] × [0, H − 1] it is 0, a corner past the edge reads 0.
// One invocation per output element (channel innermost).
//   @binding(0) params  uniform Params { c, h, w, oh, ow }
//   @binding(1) x       array<f32>, [1, H, W, C]
//   @binding(2) m       array<f32>, the 4×4 matrix, row-major
//   @binding(3) y       array<f32>, [1, OH, OW, C]
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn pick(ch: u32, r: i32, q: i32) -> f32 {
  if (r < 0 || q < 0 || r >= i32(params.h) || q >= i32(params.w)) {
    return 0.0;
  }
  return x[(u32(r) * params.w + u32(q)) * params.c + ch];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.c * params.oh * params.ow) {
    return;
  }
  let ch = i % params.c;
  let p = i / params.c;
  let ox = f32(p % params.ow);
  let oy = f32(p / params.ow);
  let tx = m[3] + (m[0] + m[1]) * 0.5 - 0.5;
  let ty = m[7] + (m[4] + m[5]) * 0.5 - 0.5;
  let sx = m[0] * ox + m[1] * oy + tx;
  let sy = m[4] * ox + m[5] * oy + ty;
  var v = 0.0;
  if (sx >= 0.0 && sx <= f32(params.w - 1u) && sy >= 0.0 && sy <= f32(params.h - 1u)) {
    let fx = floor(sx);
    let fy = floor(sy);
    let x0 = i32(fx);
    let y0 = i32(fy);
    let rx = sx - fx;
    let ry = sy - fy;
    let upper = (1.0 - rx) * pick(ch, y0, x0) + rx * pick(ch, y0, x0 + 1);
    let lower = (1.0 - rx) * pick(ch, y0 + 1, x0) + rx * pick(ch, y0 + 1, x0 + 1);
    v = ry * lower + (1.0 - ry) * upper;
  }
  y[i] = v;
}
