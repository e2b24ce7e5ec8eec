// The landmark and segmentation models' outputs → source pixels: plain functions of plain data, which the CPU
// backend runs in the task worker (cpu-steps.ts) in browsers and on the caller's thread elsewhere.
import type { Placement } from '../vision/options.js';
import { HAND_LANDMARK_NAMES, POSE_LANDMARK_NAMES, type HandLandmarkParams, type PoseLandmarkParams } from './params.js';
import type { HandResult, PoseResult } from './results.js';
import { alignmentRoi, normaliseAngle, roiToSource, transformRect, type Roi } from './roi.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The hand landmark model's outputs (hand_landmark_gpu.pbtxt's order), as run() returns them. */
export interface HandOutputs {
  landmarks: Float32Array;
  world: Float32Array;
  flag: number;
  handedness: number;
}

/** The hand in source pixels and its next ROI; undefined when the hand flag is under `minPresence`. */
export function projectHand(o: HandOutputs, roi: Roi, p: HandLandmarkParams, minPresence: number): { result: HandResult; next: Roi } | undefined {
  const score = o.flag;
  if (!(score >= minPresence)) return undefined;
  const { landmarks: raw, world } = o;
  const size = p.inputSize;
  const [c, s] = [Math.cos(roi.rotation), Math.sin(roi.rotation)];
  const landmarks = HAND_LANDMARK_NAMES.map((name, i) => {
    const [x, y] = roiToSource(roi, raw[3 * i]! / size, raw[3 * i + 1]! / size);
    return { name, x, y, z: (raw[3 * i + 2]! / size / p.normalizeZ) * roi.size };
  });
  const worldLandmarks = HAND_LANDMARK_NAMES.map((name, i) => {
    const [x, y, z] = [world[3 * i]!, world[3 * i + 1]!, world[3 * i + 2]!];
    return { name, x: c * x - s * y, y: s * x + c * y, z };
  });
  const left = o.handedness;
  const handedness = left >= 1 - left ? { label: p.handednessLabels[0], score: left } : { label: p.handednessLabels[1], score: 1 - left };
  return { result: { landmarks, worldLandmarks, handedness, score, roi }, next: landmarksRoi(landmarks, p.fromLandmarks) };
}

/**
 * HandLandmarksToRectCalculator then RectTransformation: the partial landmarks' box in the frame turned so that the
 * wrist → mean of the index, middle and ring MCPs points up. `max` starts at FLT_MIN, as MediaPipe's numeric_limits<float>::min().
 */
export function landmarksRoi(points: readonly { x: number; y: number }[], t: HandLandmarkParams['fromLandmarks']): Roi {
  const pts = t.partial.map((i) => points[i]!);
  const [w, a, b, c] = [pts[0]!, pts[4]!, pts[6]!, pts[8]!];
  const x1 = ((a.x + c.x) / 2 + b.x) / 2;
  const y1 = ((a.y + c.y) / 2 + b.y) / 2;
  const rotation = normaliseAngle(Math.PI / 2 - Math.atan2(-(y1 - w.y), x1 - w.x));
  const FLT_MIN = 1.1754943508222875e-38;
  const bounds = (xs: number[]) => [Math.min(Number.MAX_VALUE, ...xs), Math.max(FLT_MIN, ...xs)] as const;
  const [xmin, xmax] = bounds(pts.map((q) => q.x));
  const [ymin, ymax] = bounds(pts.map((q) => q.y));
  const [cx, cy] = [(xmin + xmax) / 2, (ymin + ymax) / 2];
  const back = normaliseAngle(-rotation);
  const [cb, sb] = [Math.cos(back), Math.sin(back)];
  const [pxmin, pxmax] = bounds(pts.map((q) => (q.x - cx) * cb - (q.y - cy) * sb));
  const [pymin, pymax] = bounds(pts.map((q) => (q.x - cx) * sb + (q.y - cy) * cb));
  const [pcx, pcy] = [(pxmin + pxmax) / 2, (pymin + pymax) / 2];
  const [cr, sr] = [Math.cos(rotation), Math.sin(rotation)];
  return transformRect({ x: pcx * cr - pcy * sr + cx, y: pcx * sr + pcy * cr + cy, width: pxmax - pxmin, height: pymax - pymin, rotation }, t);
}

/** The pose landmark model's outputs: landmarks, pose flag, heatmap [1, hh, hw, numLandmarks], mask logits (size²). */
export interface PoseOutputs {
  landmarks: Float32Array;
  flag: number;
  heatmap: Float32Array;
  hh: number;
  hw: number;
  /** Only when the mask is asked for. */
  mask?: Float32Array;
}

/** The pose in source pixels (a `width`×`height` image) and its next ROI; undefined under `minPresence`. */
export function projectPose(o: PoseOutputs, roi: Roi, p: PoseLandmarkParams, minPresence: number, width: number, height: number): { result: PoseResult; next: Roi } | undefined {
  const score = o.flag;
  if (!(score >= minPresence)) return undefined;
  const raw = o.landmarks;
  const uv = refineFromHeatmap(raw, o.heatmap, o.hh, o.hw, p);
  const all = Array.from({ length: p.numPose + 2 }, (_, i) => {
    const [x, y] = roiToSource(roi, uv[2 * i]!, uv[2 * i + 1]!);
    const r = i * p.valuesPerLandmark;
    return { x, y, z: (raw[r + 2]! / p.inputSize) * roi.size, visibility: sigmoid(raw[r + 3]!), presence: sigmoid(raw[r + 4]!) };
  });
  const result: PoseResult = {
    landmarks: all.slice(0, p.numPose).map((l, i) => ({ name: POSE_LANDMARK_NAMES[i]!, ...l })),
    score,
    roi,
    ...(o.mask ? { mask: projectMask(o.mask, p.inputSize, roi, width, height) } : {}),
  };
  const aux = all.slice(p.numPose).flatMap((l) => [l.x / width, l.y / height]);
  return { result, next: alignmentRoi(aux, width, height, p.fromLandmarks) };
}

/**
 * TensorsToLandmarks (x, y over the input size) then RefineLandmarksFromHeatmapCalculator: each landmark whose
 * heatmap cell lies inside moves to the sigmoid-weighted mean of the kernel×kernel cells around it, when the
 * largest of them reaches min_confidence_to_refine. Crop-normalised (u, v) pairs of all landmarks.
 */
export function refineFromHeatmap(raw: ArrayLike<number>, hm: ArrayLike<number>, hh: number, hw: number, p: PoseLandmarkParams): Float64Array {
  const n = p.numLandmarks;
  const uv = new Float64Array(2 * n);
  const off = (p.heatmapKernel - 1) >> 1;
  for (let i = 0; i < n; i++) {
    const [x, y] = [raw[i * p.valuesPerLandmark]! / p.inputSize, raw[i * p.valuesPerLandmark + 1]! / p.inputSize];
    [uv[2 * i], uv[2 * i + 1]] = [x, y];
    // C++'s int conversion truncates toward zero
    const [col, row] = [Math.trunc(x * hw), Math.trunc(y * hh)];
    if (col < 0 || col >= hw || row < 0 || row >= hh) continue;
    let [sum, sx, sy, best] = [0, 0, 0, 0];
    for (let r = Math.max(0, row - off); r < Math.min(hh, row + off + 1); r++)
      for (let c = Math.max(0, col - off); c < Math.min(hw, col + off + 1); c++) {
        const conf = sigmoid(hm[(r * hw + c) * n + i]!);
        sum += conf;
        sx += c * conf;
        sy += r * conf;
        best = Math.max(best, conf);
      }
    if (best >= p.minConfidenceToRefine && sum > 0) [uv[2 * i], uv[2 * i + 1]] = [sx / hw / sum, sy / hh / sum];
  }
  return uv;
}

/** The model's mask (logits, SIGMOID) at each source pixel: bilinear at the pixel's place in the crop, 0 outside it. */
export function projectMask(logits: ArrayLike<number>, size: number, r: Roi, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const [c, s] = [Math.cos(r.rotation), Math.sin(r.rotation)];
  const k = size / r.size;
  const at = (x: number, y: number) => sigmoid(logits[y * size + x]!);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [dx, dy] = [x - r.x, y - r.y];
      const u = (c * dx + s * dy) * k + size / 2;
      const v = (-s * dx + c * dy) * k + size / 2;
      if (!(u >= 0 && v >= 0 && u <= size - 1 && v <= size - 1)) continue;
      const [iu, iv] = [Math.min(Math.floor(u), size - 2), Math.min(Math.floor(v), size - 2)];
      const [fu, fv] = [u - iu, v - iv];
      out[y * w + x] = (at(iu, iv) * (1 - fu) + at(iu + 1, iv) * fu) * (1 - fv) + (at(iu, iv + 1) * (1 - fu) + at(iu + 1, iv + 1) * fu) * fv;
    }
  return out;
}

/** Bilinear (half-pixel centres, edges clamped, as cv::resize INTER_LINEAR) from the model's mask to the source. */
export function resampleMask(mask: ArrayLike<number>, mw: number, mh: number, p: Placement, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const axis = (n: number, s0: number, sLen: number, d0: number, dLen: number, m: number) => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const f = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const u = Math.min(Math.max(d0 + ((k + 0.5 - s0) * dLen) / sLen - 0.5, 0), m - 1);
      i0[k] = Math.floor(u);
      i1[k] = Math.min(i0[k]! + 1, m - 1);
      f[k] = u - i0[k]!;
    }
    return { i0, i1, f };
  };
  const ax = axis(w, p.src.x, p.src.w, p.dst.x, p.dst.w, mw);
  const ay = axis(h, p.src.y, p.src.h, p.dst.y, p.dst.h, mh);
  // Separable: the two mask rows blended once per output row, then each output pixel blends two of that row's values.
  const row = new Float64Array(mw);
  const { i0, i1, f } = ax;
  for (let y = 0; y < h; y++) {
    const r0 = ay.i0[y]! * mw;
    const r1 = ay.i1[y]! * mw;
    const fy = ay.f[y]!;
    for (let x = 0; x < mw; x++) row[x] = mask[r0 + x]! * (1 - fy) + mask[r1 + x]! * fy;
    for (let x = 0, o = y * w; x < w; x++, o++) out[o] = row[i0[x]!]! * (1 - f[x]!) + row[i1[x]!]! * f[x]!;
  }
  return out;
}
