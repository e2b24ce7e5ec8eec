// A float64 reference of MediaPipe's SSD decoding for the BlazeFace-family detectors (face, pose, palm): fixed-size anchors
// at the cell centres, TensorsToDetectionsCalculator (reverse_output_order, sigmoid_score, clip 100, x/y/w/h scale =
// the input size) and NonMaxSuppressionCalculator (WEIGHTED, IoU), reduced to the best detection.

export interface RefDet { box: number[]; score: number; kp: number[] }

/** Anchor centres (x, y pairs), grid by grid: [cells per side, anchors per cell]. */
export function refAnchorCentres(grids: readonly (readonly [number, number])[]): number[] {
  const c: number[] = [];
  for (const [g, per] of grids) for (let y = 0; y < g; y++) for (let x = 0; x < g; x++) for (let k = 0; k < per; k++) c.push((x + 0.5) / g, (y + 0.5) / g);
  return c;
}

/** Weighted NMS's detections, best first, corners and keypoints normalised to the model input. */
export function refDetections(boxes: ArrayLike<number>, scores: ArrayLike<number>, anchors: number[], o: { numKeypoints: number; size: number; minScore: number; iou: number }): RefDet[] {
  const coords = 4 + 2 * o.numKeypoints;
  const dets: RefDet[] = [];
  for (let i = 0; i < anchors.length / 2; i++) {
    const score = 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, scores[i]!))));
    if (score < o.minScore) continue;
    const r = (j: number) => boxes[i * coords + j]! / o.size;
    const [cx, cy, w, h] = [r(0) + anchors[2 * i]!, r(1) + anchors[2 * i + 1]!, r(2), r(3)];
    const kp: number[] = [];
    for (let k = 0; k < o.numKeypoints; k++) kp.push(r(4 + 2 * k) + anchors[2 * i]!, r(5 + 2 * k) + anchors[2 * i + 1]!);
    dets.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, kp });
  }
  const area = (b: number[]) => (b[2]! - b[0]!) * (b[3]! - b[1]!);
  const iou = (p: number[], q: number[]) => {
    const iw = Math.min(p[2]!, q[2]!) - Math.max(p[0]!, q[0]!);
    const ih = Math.min(p[3]!, q[3]!) - Math.max(p[1]!, q[1]!);
    return iw <= 0 || ih <= 0 ? 0 : (iw * ih) / (area(p) + area(q) - iw * ih);
  };
  let rest = dets.sort((p, q) => q.score - p.score);
  const out: RefDet[] = [];
  while (rest.length) {
    const best = rest[0]!;
    const group = rest.filter((d, i) => i === 0 || iou(d.box, best.box) > o.iou);
    rest = rest.filter((d, i) => i !== 0 && !(iou(d.box, best.box) > o.iou));
    const tot = group.reduce((t, d) => t + d.score, 0);
    const avg = (pick: (d: RefDet) => number[]) => pick(best).map((_, j) => group.reduce((t, d) => t + pick(d)[j]! * d.score, 0) / tot);
    out.push({ box: avg((d) => d.box), score: best.score, kp: avg((d) => d.kp) });
  }
  return out;
}

/** The best of refDetections; undefined if no box passes. */
export const refBestDetection = (...a: Parameters<typeof refDetections>): RefDet | undefined => refDetections(...a)[0];

/** IoU of two masks' pixels at ≥ 0.5. */
export function maskIou(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let [inter, union] = [0, 0];
  for (let i = 0; i < want.length; i++) {
    const [p, q] = [got[i]! >= 0.5, want[i]! >= 0.5];
    inter += +(p && q);
    union += +(p || q);
  }
  return inter / union;
}
