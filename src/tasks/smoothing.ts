import { iou, type RawDetection } from './detections.js';

/**
 * detectForVideo's optional smoothing: a detection that overlaps one of the previous frame's (IoU > 0.5) moves only
 * `1 − alpha` of the way from it, corners and keypoints alike (alpha 0: off). New detections are kept as they are.
 */
export class DetectionSmoother {
  private previous: RawDetection[] = [];
  constructor(private readonly alpha: number) {}

  apply(dets: RawDetection[]): RawDetection[] {
    const a = this.alpha;
    const out = a <= 0 ? dets : dets.map((d) => {
      let best: RawDetection | undefined;
      let bestIou = 0.5;
      for (const p of this.previous) {
        const o = iou(d, p);
        if (o > bestIou) [best, bestIou] = [p, o];
      }
      if (!best) return d;
      const mix = (x: number, y: number) => a * y + (1 - a) * x;
      const p = best;
      return { xmin: mix(d.xmin, p.xmin), ymin: mix(d.ymin, p.ymin), xmax: mix(d.xmax, p.xmax), ymax: mix(d.ymax, p.ymax), score: d.score, keypoints: d.keypoints.map((v, k) => mix(v, p.keypoints[k]!)) };
    });
    this.previous = out;
    return out;
  }
}
