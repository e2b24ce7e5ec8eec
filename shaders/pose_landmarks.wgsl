// The pose landmark model's outputs → the final landmarks, on its own output buffers (pose-landmarker.ts does the
// same on the CPU): TensorsToLandmarks (x, y ÷ inputSize), RefineLandmarksFromHeatmap (a landmark whose heatmap cell
// lies inside moves to the sigmoid-weighted mean of the KERNEL × KERNEL cells around it when the largest reaches
// minConfidence; the cell index truncates toward zero as C++ does), then the projection to source pixels, z × ROI
// side ÷ inputSize, sigmoid visibility and presence. One thread per landmark.
//   @binding(0) params  uniform Params (src/tasks/gpu-pose.ts)
//   @binding(1) raw     array<f32>, [numLandmarks × VALUES]: x, y, z, visibility, presence (logits), crop pixels
//   @binding(2) flag    array<f32>, [1], the pose flag
//   @binding(3) heat    array<f32>, heatmap [1, hh, hw, numLandmarks] at element strides (strideY, strideX, strideC)
//   @binding(4) rois    array<Roi>, the crop's ROI in record `slot`
//   @binding(5) res     array<f32>: the ROI record (its flag set), then numOut × (x, y, z, visibility, presence)
// with shaders/roi.wgsl (Roi, roi_to_source, sigmoid), which roiShader (src/tasks/gpu-roi.ts) puts before it
override WG: u32 = 64u;
override KERNEL: i32 = 7;
override VALUES: u32 = 5u;
// the Roi record's length in floats
override RECORD: u32 = 16u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> raw: array<f32>;
@group(0) @binding(2) var<storage, read> flag: array<f32>;
@group(0) @binding(3) var<storage, read> heat: array<f32>;
@group(0) @binding(4) var<storage, read> rois: array<Roi>;
@group(0) @binding(5) var<storage, read_write> res: array<f32>;

fn refine(i: u32, uv: vec2f) -> vec2f {
  let size = vec2i(i32(params.hw), i32(params.hh));
  let cell = trunc(uv * vec2f(size));
  if (!(all(cell >= vec2f(0.0)) && all(cell < vec2f(size)))) {
    return uv;
  }
  let at = vec2i(cell);
  let off = (KERNEL - 1) / 2;
  let lo = max(at - off, vec2i(0));
  let hi = min(at + off + 1, size);
  var sum = 0.0;
  var w = vec2f(0.0);
  var best = 0.0;
  for (var r = lo.y; r < hi.y; r++) {
    for (var c = lo.x; c < hi.x; c++) {
      let conf = sigmoid(heat[u32(r) * params.strideY + u32(c) * params.strideX + i * params.strideC]);
      sum += conf;
      w += vec2f(f32(c), f32(r)) * conf;
      best = max(best, conf);
    }
  }
  if (best >= params.minConfidence && sum > 0.0) {
    return w / vec2f(size) / sum;
  }
  return uv;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) i: u32) {
  let r = rois[params.slot];
  if (i == 0u) {
    var rec = r;
    rec.flag = flag[0];
    store_roi(0u, rec);
  }
  if (i >= params.numOut) {
    return;
  }
  let b = i * VALUES;
  let p = roi_to_source(r, refine(i, vec2f(raw[b], raw[b + 1u]) / params.inputSize));
  let o = RECORD + i * VALUES;
  res[o] = p.x;
  res[o + 1u] = p.y;
  res[o + 2u] = raw[b + 2u] / params.inputSize * r.size;
  res[o + 3u] = sigmoid(raw[b + 3u]);
  res[o + 4u] = sigmoid(raw[b + 4u]);
}
