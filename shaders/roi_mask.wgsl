// A crop's mask back to the source (pose-landmarker.ts projectMask on the GPU): each source pixel's place in the
// crop, (u, v) = R(−rotation)·(pixel − centre)·size/side + size/2, bilinear on the sigmoid of the logits, 0 outside
// [0, size − 1]². One thread per source pixel.
//   @binding(0) params  uniform Params (src/tasks/gpu-pose.ts)
//   @binding(1) mask    array<f32>, logits [size, size] at element strides (strideY, strideX)
//   @binding(2) rois    array<Roi>, the crop's ROI in record `slot`
//   @binding(3) out     array<f32>, [height, width] row-major
// with shaders/roi.wgsl (Roi, roi_to_source, sigmoid), which roiShader (src/tasks/gpu-roi.ts) puts before it
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read> rois: array<Roi>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn at(x: u32, y: u32) -> f32 {
  return sigmoid(mask[y * params.strideY + x * params.strideX]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= params.width || g.y >= params.height) {
    return;
  }
  let r = rois[params.slot];
  let n = f32(params.size);
  let k = n / r.size;
  let d = vec2f(f32(g.x) - r.x, f32(g.y) - r.y);
  let uv = vec2f(r.cos * d.x + r.sin * d.y, -r.sin * d.x + r.cos * d.y) * k + n * 0.5;
  var v = 0.0;
  if (all(uv >= vec2f(0.0)) && all(uv <= vec2f(n - 1.0))) {
    let i = min(vec2u(floor(uv)), vec2u(params.size - 2u));
    let f = uv - vec2f(i);
    let top = at(i.x, i.y) * (1.0 - f.x) + at(i.x + 1u, i.y) * f.x;
    let bottom = at(i.x, i.y + 1u) * (1.0 - f.x) + at(i.x + 1u, i.y + 1u) * f.x;
    v = top * (1.0 - f.y) + bottom * f.y;
  }
  out[g.y * params.width + g.x] = v;
}
