// Raw SSD tensors → detections (TensorsToDetectionsCalculator) and weighted non-max suppression
// (NonMaxSuppressionCalculator, WEIGHTED, IoU), in the model input's normalised coordinates.
import { toSourceNormalised, type Placement } from '../vision/options.js';
import type { DetectionDecodeOptions } from './params.js';

/** A box as corners, normalised, with keypoints as (x, y) pairs. */
export interface RawDetection {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  score: number;
  keypoints: Float64Array;
}

/** reverse_output_order (x, y, w, h; keypoints x, y), no exponential box size: what every model in params.ts uses. */
export function decodeDetections(boxes: ArrayLike<number>, scores: ArrayLike<number>, anchors: Float32Array, o: DetectionDecodeOptions): RawDetection[] {
  const found: RawDetection[] = [];
  const clip = o.scoreClippingThresh;
  for (let i = 0; i < o.numBoxes; i++) {
    const raw = Math.min(clip, Math.max(-clip, scores[i]!));
    const score = 1 / (1 + Math.exp(-raw));
    if (score < o.minScoreThresh) continue;
    const b = i * o.numCoords + o.boxCoordOffset;
    const [ax, ay, aw, ah] = [anchors[4 * i]!, anchors[4 * i + 1]!, anchors[4 * i + 2]!, anchors[4 * i + 3]!];
    const cx = (boxes[b]! / o.xScale) * aw + ax;
    const cy = (boxes[b + 1]! / o.yScale) * ah + ay;
    const w = (boxes[b + 2]! / o.wScale) * aw;
    const h = (boxes[b + 3]! / o.hScale) * ah;
    // MediaPipe drops boxes the model decoded with a negative or NaN size
    if (!(w >= 0 && h >= 0)) continue;
    const keypoints = new Float64Array(2 * o.numKeypoints);
    for (let k = 0; k < o.numKeypoints; k++) {
      const p = i * o.numCoords + o.keypointCoordOffset + k * o.numValuesPerKeypoint;
      keypoints[2 * k] = (boxes[p]! / o.xScale) * aw + ax;
      keypoints[2 * k + 1] = (boxes[p + 1]! / o.yScale) * ah + ay;
    }
    found.push({ xmin: cx - w / 2, ymin: cy - h / 2, xmax: cx + w / 2, ymax: cy + h / 2, score, keypoints });
  }
  return found;
}

export function iou(a: RawDetection, b: RawDetection): number {
  const iw = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  const ih = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Best first; every detection overlapping the best by more than `maxIou` (the best included) is merged into it, its
 * corners and keypoints averaged with score weights; the merged detection keeps the best one's score.
 */
export function weightedNms(dets: readonly RawDetection[], maxIou: number): RawDetection[] {
  let remaining = [...dets].sort((p, q) => q.score - p.score);
  const out: RawDetection[] = [];
  while (remaining.length) {
    const best = remaining[0]!;
    const merged: RawDetection[] = [best];
    const rest: RawDetection[] = [];
    for (let i = 1; i < remaining.length; i++) (iou(remaining[i]!, best) > maxIou ? merged : rest).push(remaining[i]!);
    let total = 0;
    const acc = { xmin: 0, ymin: 0, xmax: 0, ymax: 0, keypoints: new Float64Array(best.keypoints.length) };
    for (const d of merged) {
      total += d.score;
      acc.xmin += d.xmin * d.score;
      acc.ymin += d.ymin * d.score;
      acc.xmax += d.xmax * d.score;
      acc.ymax += d.ymax * d.score;
      for (let k = 0; k < acc.keypoints.length; k++) acc.keypoints[k]! += d.keypoints[k]! * d.score;
    }
    for (let k = 0; k < acc.keypoints.length; k++) acc.keypoints[k]! /= total;
    out.push({ xmin: acc.xmin / total, ymin: acc.ymin / total, xmax: acc.xmax / total, ymax: acc.ymax / total, score: best.score, keypoints: acc.keypoints });
    remaining = rest;
  }
  return out;
}

/** Model-input normalised → source normalised, corners and keypoints (DetectionLetterboxRemovalCalculator for a letterbox). */
export function detectionToSource(d: RawDetection, p: Placement, width: number, height: number, model: { width: number; height: number }): RawDetection {
  const [xmin, ymin] = toSourceNormalised(p, width, height, model, d.xmin, d.ymin);
  const [xmax, ymax] = toSourceNormalised(p, width, height, model, d.xmax, d.ymax);
  const keypoints = new Float64Array(d.keypoints.length);
  for (let k = 0; k < keypoints.length; k += 2) [keypoints[k], keypoints[k + 1]] = toSourceNormalised(p, width, height, model, d.keypoints[k]!, d.keypoints[k + 1]!);
  return { xmin, ymin, xmax, ymax, score: d.score, keypoints };
}
