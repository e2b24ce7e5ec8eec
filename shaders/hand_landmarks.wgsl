// The hand landmark model's outputs → the final landmarks of one slot, on its own output buffers (hand-landmarker.ts
// does the same on the CPU): landmarks (x, y ÷ inputSize) projected to source pixels, z ÷ inputSize ÷ normalizeZ ×
// ROI side; world landmarks turned by the ROI's rotation (WorldLandmarkProjectionCalculator). One thread per landmark.
//   @binding(0) params  uniform Params (src/tasks/gpu-hand.ts)
//   @binding(1) raw     array<f32>, [N × 3] landmarks, crop pixels
//   @binding(2) flag    array<f32>, [1], the hand flag
//   @binding(3) handed  array<f32>, [1], handedness (the score of label 0)
//   @binding(4) world   array<f32>, [N × 3] world landmarks, metres
//   @binding(5) rois    array<Roi>, the crop's ROI in record `slot`
//   @binding(6) res     array<f32>, per slot: the ROI record (flag and extra = handedness set), N × (x, y, z)
//                       landmarks, N × (x, y, z) world landmarks
// with shaders/roi.wgsl (Roi, roi_to_source, sigmoid), which roiShader (src/tasks/gpu-roi.ts) puts before it
override N: u32 = 21u;
// the Roi record's length in floats
override RECORD: u32 = 16u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> raw: array<f32>;
@group(0) @binding(2) var<storage, read> flag: array<f32>;
@group(0) @binding(3) var<storage, read> handed: array<f32>;
@group(0) @binding(4) var<storage, read> world: array<f32>;
@group(0) @binding(5) var<storage, read> rois: array<Roi>;
@group(0) @binding(6) var<storage, read_write> res: array<f32>;

@compute @workgroup_size(N)
fn main(@builtin(local_invocation_index) i: u32) {
  let r = rois[params.slot];
  let base = params.slot * (RECORD + 6u * N);
  if (i == 0u) {
    var rec = r;
    rec.flag = flag[0];
    rec.extra = handed[0];
    store_roi(base, rec);
  }
  let b = 3u * i;
  let p = roi_to_source(r, vec2f(raw[b], raw[b + 1u]) / params.inputSize);
  let o = base + RECORD + b;
  res[o] = p.x;
  res[o + 1u] = p.y;
  res[o + 2u] = raw[b + 2u] / params.inputSize / params.normalizeZ * r.size;
  let w = base + RECORD + 3u * N + b;
  res[w] = r.cos * world[b] - r.sin * world[b + 1u];
  res[w + 1u] = r.sin * world[b] + r.cos * world[b + 1u];
  res[w + 2u] = world[b + 2u];
}
