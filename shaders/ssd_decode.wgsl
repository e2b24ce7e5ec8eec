// SSD post-processing on the model's own output buffers, one workgroup, so a frame reads back only its final
// detections: MediaPipe's TensorsToDetectionsCalculator (reverse output order, fixed anchors, sigmoid score with
// clipping) then NonMaxSuppressionCalculator (WEIGHTED, IoU), the same arithmetic as src/tasks/detections.ts.
//   1. every box: score = sigmoid(clamp(raw, ±clip)); kept if score ≥ minScore and its decoded w, h ≥ 0
//   2. candidates sorted by score, descending, ties by anchor index (bitonic sort in workgroup memory over the
//      smallest power of two of slots that holds them)
//   3. greedy: the best alive candidate absorbs every alive one with IoU > nmsIou (itself included); corners
//      and keypoints averaged with score weights; it keeps its own score
// Output res[0] = detections written, res[1] = 1 when more than MAX_CAND boxes passed the score (the caller then
// decodes the raw tensors instead), then per detection: xmin, ymin, xmax, ymax, score, KP × (x, y), normalised.
//   @binding(0) params   uniform Params (src/tasks/gpu-decode.ts)
//   @binding(1) boxes    array<f32>, [numBoxes, numCoords] row-major
//   @binding(2) scores   array<f32>, [numBoxes]
//   @binding(3) anchors  array<vec4f>, (x centre, y centre, w, h) per box
//   @binding(4) res      array<f32>, 2 + MAX_OUT · (5 + 2·KP)
override WG: u32 = 256u;
override MAX_CAND: u32 = 1024u;
override KP: u32 = 6u;
override MAX_OUT: u32 = 32u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> boxes: array<f32>;
@group(0) @binding(2) var<storage, read> scores: array<f32>;
@group(0) @binding(3) var<storage, read> anchors: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> res: array<f32>;

var<workgroup> found: atomic<u32>;
var<workgroup> count: u32;
var<workgroup> key_score: array<f32, MAX_CAND>;
var<workgroup> key_index: array<u32, MAX_CAND>;
var<workgroup> alive: array<u32, MAX_CAND>;
var<workgroup> best_alive: u32;
var<workgroup> sums: array<f32, WG>;

struct Det {
  corners: vec4f,
  ok: bool,
}

fn box_of(i: u32) -> Det {
  let a = anchors[i];
  let b = i * params.numCoords + params.boxOffset;
  let cx = boxes[b] / params.xScale * a.z + a.x;
  let cy = boxes[b + 1u] / params.yScale * a.w + a.y;
  let w = boxes[b + 2u] / params.wScale * a.z;
  let h = boxes[b + 3u] / params.hScale * a.w;
  return Det(vec4f(cx - w * 0.5, cy - h * 0.5, cx + w * 0.5, cy + h * 0.5), w >= 0.0 && h >= 0.0);
}

// Value v of candidate i's output record: 0–3 corners, 4.. keypoint coordinates (x, y alternating).
fn value_of(i: u32, v: u32) -> f32 {
  if (v < 4u) {
    return box_of(i).corners[v];
  }
  let a = anchors[i];
  let k = v - 4u;
  let raw = boxes[i * params.numCoords + params.keypointOffset + (k / 2u) * params.valuesPerKeypoint + (k % 2u)];
  if (k % 2u == 0u) {
    return raw / params.xScale * a.z + a.x;
  }
  return raw / params.yScale * a.w + a.y;
}

fn iou(p: vec4f, q: vec4f) -> f32 {
  let iw = min(p.z, q.z) - max(p.x, q.x);
  let ih = min(p.w, q.w) - max(p.y, q.y);
  if (iw <= 0.0 || ih <= 0.0) {
    return 0.0;
  }
  let inter = iw * ih;
  let both = (p.z - p.x) * (p.w - p.y) + (q.z - q.x) * (q.w - q.y) - inter;
  return select(0.0, inter / both, both > 0.0);
}

// Sum of `x` over the workgroup, in sums[0] for every thread.
fn workgroup_sum(lid: u32, x: f32) -> f32 {
  workgroupBarrier();
  sums[lid] = x;
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s) {
      sums[lid] = sums[lid] + sums[lid + s];
    }
  }
  return workgroupUniformLoad(&sums[0]);
}

// Sort key order: higher score first, then lower anchor index; padding (score −1) last.
fn before(a: u32, b: u32) -> bool {
  return key_score[a] > key_score[b] || (key_score[a] == key_score[b] && key_index[a] < key_index[b]);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) {
    atomicStore(&found, 0u);
  }
  for (var i = lid; i < MAX_CAND; i += WG) {
    key_score[i] = -1.0;
    key_index[i] = 0xffffffffu;
  }
  workgroupBarrier();
  for (var i = lid; i < params.numBoxes; i += WG) {
    let raw = clamp(scores[i], -params.clip, params.clip);
    let score = 1.0 / (1.0 + exp(-raw));
    if (score >= params.minScore && box_of(i).ok) {
      let k = atomicAdd(&found, 1u);
      if (k < MAX_CAND) {
        key_score[k] = score;
        key_index[k] = i;
      }
    }
  }
  workgroupBarrier();
  if (lid == 0u) {
    let total = atomicLoad(&found);
    count = min(total, MAX_CAND);
    res[1] = select(0.0, 1.0, total > MAX_CAND);
  }
  let n = workgroupUniformLoad(&count);
  // bitonic sort of the smallest power of two of slots holding the candidates (the rest is padding)
  var slots = 2u;
  while (slots < n) {
    slots = slots * 2u;
  }
  for (var size = 2u; size <= slots; size = size * 2u) {
    for (var stride = size / 2u; stride > 0u; stride = stride / 2u) {
      workgroupBarrier();
      for (var t = lid; t < slots / 2u; t += WG) {
        let lo = 2u * stride * (t / stride) + (t % stride);
        let hi = lo + stride;
        let ascending = (lo & size) == 0u;
        if (before(hi, lo) == ascending) {
          let s = key_score[lo];
          let x = key_index[lo];
          key_score[lo] = key_score[hi];
          key_index[lo] = key_index[hi];
          key_score[hi] = s;
          key_index[hi] = x;
        }
      }
    }
  }
  workgroupBarrier();
  for (var i = lid; i < MAX_CAND; i += WG) {
    alive[i] = select(0u, 1u, i < n);
  }
  let width = 4u + 2u * KP;
  var written = 0u;
  for (var p = 0u; p < n && written < MAX_OUT; p++) {
    if (workgroupUniformLoad(&alive[p]) == 0u) {
      continue;
    }
    let best = box_of(key_index[p]).corners;
    // members: alive candidates from p on with IoU > nmsIou (p itself always); each thread owns q ≡ lid (mod WG)
    var weight = 0.0;
    for (var q = p + lid; q < n; q += WG) {
      if (alive[q] == 1u && (q == p || iou(box_of(key_index[q]).corners, best) > params.nmsIou)) {
        weight += key_score[q];
      }
    }
    let total = workgroup_sum(lid, weight);
    let out = 2u + written * (width + 1u);
    for (var v = 0u; v < width; v++) {
      var acc = 0.0;
      for (var q = p + lid; q < n; q += WG) {
        if (alive[q] == 1u && (q == p || iou(box_of(key_index[q]).corners, best) > params.nmsIou)) {
          acc += value_of(key_index[q], v) * key_score[q];
        }
      }
      let s = workgroup_sum(lid, acc);
      if (lid == 0u) {
        res[out + select(v, v + 1u, v >= 4u)] = s / total;
      }
    }
    if (lid == 0u) {
      res[out + 4u] = key_score[p];
    }
    workgroupBarrier();
    for (var q = p + lid; q < n; q += WG) {
      if (alive[q] == 1u && (q == p || iou(box_of(key_index[q]).corners, best) > params.nmsIou)) {
        alive[q] = 0u;
      }
    }
    written++;
  }
  if (lid == 0u) {
    res[0] = f32(written);
  }
}
