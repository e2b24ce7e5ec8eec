// Shared by the task kernels (roiShader in src/tasks/gpu-roi.ts puts it before each): a rotated square ROI in source
// pixels as they pass it between them (detection_roi.wgsl writes it, the crop reads its matrix, pose_landmarks,
// hand_landmarks and roi_mask read it). The text generated before it from ROI_FIELDS (src/tasks/gpu-roi.ts) declares
// `struct Roi` and `fn store_roi(o, r)` (the record's fields to res[o …]): x, y, size, rotation, cos, sin (of the
// rotation, kept so that no kernel needs trigonometry), valid, overflow, the crop matrix m00 … m12 (roiAffine), flag,
// extra.

// Crop-normalised (u, v) in [0, 1] → source pixels (roiToSource).
fn roi_to_source(r: Roi, uv: vec2f) -> vec2f {
  let l = (uv - 0.5) * r.size;
  return vec2f(r.x + r.cos * l.x - r.sin * l.y, r.y + r.sin * l.x + r.cos * l.y);
}

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}
