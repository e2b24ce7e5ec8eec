// The second stage's ROIs from the first stage's detections, on the GPU (the detection never reaches the page):
// ssd_decode's result (best first, model-input normalised) → source pixels (the letterbox undone) → a rotated square
// per slot and its crop matrix, as src/tasks/roi.ts does on the CPU:
//   rotation = targetAngle − atan2(−(y1 − y0), x1 − x0) from keypoint START to keypoint END; its cos and sin in
//   closed form from that vector (no trigonometry error reaches the crop or the projection)
//   BOX false (pose, alignmentRoi): centre = keypoint START, side = 2·|END − START|·scale
//   BOX true (hand, detectionRoi): the box's centre shifted by (shiftX·w, shiftY·h) along the rotated axes,
//   side = max(w, h)·scale
// Slots [0, tracked) hold ROIs the caller wrote (tracked from the last frame); a detection whose axis-aligned square
// overlaps one of them with IoU > minSimilarity is dropped (AssociationNormRectCalculator), the others fill the next
// slots, best first. Slots left over get valid = 0 and a zero matrix (the crop then reads pixel (0, 0) only). Every
// slot's `overflow` is ssd_decode's overflow flag.
//   @binding(0) params  uniform Params (src/tasks/gpu-roi.ts)
//   @binding(1) det     array<f32>, ssd_decode's res: count, overflow, then per detection 4 corners, score, KP × (x, y)
//   @binding(2) rois    array<Roi>, SLOTS records
// with shaders/roi.wgsl (Roi, roi_to_source, sigmoid), which roiShader (src/tasks/gpu-roi.ts) puts before it
override KP: u32 = 4u;
override SLOTS: u32 = 1u;
override BOX: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> det: array<f32>;
@group(0) @binding(2) var<storage, read_write> rois: array<Roi>;

const PI = 3.14159265358979;

fn normalise_angle(a: f32) -> f32 {
  return a - 2.0 * PI * floor((a + PI) / (2.0 * PI));
}

// Model-input normalised → source pixels (toSourceNormalised × the image size).
fn pixel(n: vec2f) -> vec2f {
  return vec2f(params.srcX, params.srcY) + (n * vec2f(params.modelW, params.modelH) - vec2f(params.dstX, params.dstY)) * vec2f(params.kx, params.ky);
}

fn keypoint(b: u32, k: u32) -> vec2f {
  return pixel(vec2f(det[b + 5u + 2u * k], det[b + 6u + 2u * k]));
}

fn make_roi(centre: vec2f, side: f32, rotation: f32, c: f32, s: f32) -> Roi {
  let step = side / params.cropSize;
  let half = side * 0.5;
  var r: Roi;
  r.x = centre.x;
  r.y = centre.y;
  r.size = side;
  r.rotation = rotation;
  r.cos = c;
  r.sin = s;
  r.valid = 1.0;
  r.m00 = c * step;
  r.m01 = -s * step;
  r.m02 = centre.x - (c - s) * half;
  r.m10 = s * step;
  r.m11 = c * step;
  r.m12 = centre.y - (s + c) * half;
  return r;
}

fn roi_of(d: u32) -> Roi {
  let b = 2u + d * (5u + 2u * KP);
  let k0 = keypoint(b, params.startKeypoint);
  let v = keypoint(b, params.endKeypoint) - k0;
  let len = length(v);
  // θ = atan2(−v.y, v.x); rotation = targetAngle − θ
  var ct = 1.0;
  var st = 0.0;
  if (len > 0.0) {
    ct = v.x / len;
    st = -v.y / len;
  }
  let c = params.cosT * ct + params.sinT * st;
  let s = params.sinT * ct - params.cosT * st;
  let rotation = normalise_angle(params.targetAngle - atan2(-v.y, v.x));
  if (BOX) {
    let lo = pixel(vec2f(det[b], det[b + 1u]));
    let hi = pixel(vec2f(det[b + 2u], det[b + 3u]));
    let wh = hi - lo;
    let sh = wh * vec2f(params.shiftX, params.shiftY);
    return make_roi((lo + hi) * 0.5 + vec2f(c * sh.x - s * sh.y, s * sh.x + c * sh.y), max(wh.x, wh.y) * params.scale, rotation, c, s);
  }
  return make_roi(k0, 2.0 * len * params.scale, rotation, c, s);
}

fn overlap(a: f32, sa: f32, b: f32, sb: f32) -> f32 {
  return max(0.0, min(a + sa * 0.5, b + sb * 0.5) - max(a - sa * 0.5, b - sb * 0.5));
}

fn square_iou(p: Roi, q: Roi) -> f32 {
  let inter = overlap(p.x, p.size, q.x, q.size) * overlap(p.y, p.size, q.y, q.size);
  return inter / (p.size * p.size + q.size * q.size - inter);
}

@compute @workgroup_size(1)
fn main() {
  let n = min(u32(det[0]), params.maxDet);
  var k = params.tracked;
  for (var d = 0u; d < n && k < SLOTS; d++) {
    let r = roi_of(d);
    var fresh = true;
    for (var t = 0u; t < params.tracked; t++) {
      if (square_iou(r, rois[t]) > params.minSimilarity) {
        fresh = false;
      }
    }
    if (fresh) {
      rois[k] = r;
      k++;
    }
  }
  for (; k < SLOTS; k++) {
    rois[k] = Roi();
  }
  for (var t = 0u; t < SLOTS; t++) {
    rois[t].overflow = det[1];
  }
}
