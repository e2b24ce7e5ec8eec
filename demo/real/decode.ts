// Turning the three models' raw outputs into boxes, keypoints and masks. Kept short on purpose: this is the
// part people copy. Coordinates are normalised to the model input ([0, 1]); map them back with the placement.

export interface Box {
  /** Centre and size, normalised. */
  cx: number;
  cy: number;
  w: number;
  h: number;
  score: number;
}

export interface Keypoint {
  name: string;
  x: number;
  y: number;
  score: number;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, v))));

/**
 * BlazeFace (MediaPipe's 256×256 "back"/full model): SSD anchors on a 16×16 grid (2 per cell) and an 8×8 grid
 * (6 per cell), centred in their cells, fixed size. Regressors are [x, y, w, h, 6 keypoints…] in input pixels.
 */
export function blazefaceAnchors(size = 256): Float32Array {
  const out: number[] = [];
  for (const [grid, perCell] of [[size / 16, 2], [size / 32, 6]] as const)
    for (let y = 0; y < grid; y++) for (let x = 0; x < grid; x++) for (let k = 0; k < perCell; k++) out.push((x + 0.5) / grid, (y + 0.5) / grid);
  return Float32Array.from(out);
}

/** scores: the two score outputs concatenated (896); boxes: the two regressor outputs (896 × 16). */
export function decodeBlazeface(scores: Float32Array, boxes: Float32Array, anchors: Float32Array, size = 256, minScore = 0.6, maxIou = 0.3): Box[] {
  const found: Box[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = sigmoid(scores[i]!);
    if (score < minScore) continue;
    const r = boxes.subarray(i * 16, i * 16 + 4);
    found.push({ cx: anchors[2 * i]! + r[0]! / size, cy: anchors[2 * i + 1]! + r[1]! / size, w: r[2]! / size, h: r[3]! / size, score });
  }
  return nonMaxSuppression(found, maxIou);
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.cx + a.w / 2, b.cx + b.w / 2) - Math.max(a.cx - a.w / 2, b.cx - b.w / 2));
  const iy = Math.max(0, Math.min(a.cy + a.h / 2, b.cy + b.h / 2) - Math.max(a.cy - a.h / 2, b.cy - b.h / 2));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter || 1);
}

/** Greedy: best first, drop every box overlapping a kept one by more than maxIou. */
export function nonMaxSuppression(boxes: Box[], maxIou: number): Box[] {
  const kept: Box[] = [];
  for (const b of [...boxes].sort((p, q) => q.score - p.score)) if (kept.every((k) => iou(k, b) <= maxIou)) kept.push(b);
  return kept;
}

export const MOVENET_KEYPOINTS = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
  'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
] as const;

/** Pairs of keypoint indices drawn as the skeleton. */
export const SKELETON: readonly (readonly [number, number])[] = [
  [0, 1], [0, 2], [1, 3], [2, 4], [5, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11], [6, 12], [11, 12], [11, 13], [13, 15], [12, 14], [14, 16],
];

/** MoveNet's one output [1, 1, 17, 3]: (y, x, score) per keypoint, normalised. */
export function decodeMovenet(out: Float32Array): Keypoint[] {
  return MOVENET_KEYPOINTS.map((name, k) => ({ name, y: out[3 * k]!, x: out[3 * k + 1]!, score: out[3 * k + 2]! }));
}

/** Intersection over union of two masks thresholded at t. */
export function maskIou(a: ArrayLike<number>, b: ArrayLike<number>, t = 0.5): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]! >= t;
    const q = b[i]! >= t;
    if (p && q) inter++;
    if (p || q) union++;
  }
  return union ? inter / union : 1;
}
