// Rotated regions of interest for a second-stage model: the ROI from two alignment points
// (AlignmentPointsRectsCalculator → RectTransformationCalculator, square_long), the crop into the model input
// (ImageToTensorCalculator's GL path, the one MediaPipe's web solutions run: bilinear texture reads, border replicated)
// and the projection of crop-normalised points back to the source (LandmarkProjectionCalculator).
import type { Pixels } from '../vision/resample.js';
import type { RawDetection } from './detections.js';
import type { HandLandmarkParams, RectTransform, RoiParams } from './params.js';

/** In source pixels: centre, side (square) and rotation (radians, clockwise in image coordinates). */
export interface Roi {
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly rotation: number;
}

export const normaliseAngle = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));

/** `kp` as source-normalised (x, y) pairs; the ROI of points p.startKeypoint → p.endKeypoint. */
export function alignmentRoi(kp: ArrayLike<number>, width: number, height: number, p: RoiParams): Roi {
  const [x0, y0] = [kp[2 * p.startKeypoint]! * width, kp[2 * p.startKeypoint + 1]! * height];
  const [x1, y1] = [kp[2 * p.endKeypoint]! * width, kp[2 * p.endKeypoint + 1]! * height];
  // the box is square in pixels (side: twice the distance) before square_long, so square_long keeps it
  const side = 2 * Math.hypot(x1 - x0, y1 - y0);
  return { x: x0, y: y0, size: side * p.scale, rotation: normaliseAngle(p.targetAngle - Math.atan2(-(y1 - y0), x1 - x0)) };
}

/** Crop-normalised (u, v) in [0, 1] → source pixels. */
export function roiToSource(r: Roi, u: number, v: number): [number, number] {
  const [c, s] = [Math.cos(r.rotation), Math.sin(r.rotation)];
  const [lx, ly] = [(u - 0.5) * r.size, (v - 0.5) * r.size];
  return [r.x + c * lx - s * ly, r.y + s * lx + c * ly];
}

/**
 * The ROI resampled into a size×size NHWC RGB tensor with values in [lo, hi], as image_to_tensor_converter_gl_texture.cc
 * draws it: tensor pixel (u, v) reads the source at roiToSource((u + ½) / size, (v + ½) / size), a point in continuous
 * coordinates (pixel i spans [i, i + 1], as normalised × width does), bilinear, edges clamped (GL_CLAMP_TO_EDGE).
 * MediaPipe's CPU graph (OpenCV warpPerspective) reads roiToSource(u / size, v / size) with centres at integers
 * instead: ½·(size of a tensor pixel in the source − 1) source pixels away.
 */
export function cropRoi(px: Pixels, r: Roi, size: number, range: readonly [number, number], out = new Float32Array(size * size * 3)): Float32Array {
  const { width: w, height: h, data } = px;
  const bpp = data.length / (w * h);
  const gain = (range[1] - range[0]) / 255;
  const [m00, m01, m02, m10, m11, m12] = roiAffine(r, size);
  const at = (x: number, y: number, k: number) => data[(Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)) * bpp + k]!;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      // continuous → pixel-centre coordinates
      const sx = m00 * (u + 0.5) + m01 * (v + 0.5) + m02 - 0.5;
      const sy = m10 * (u + 0.5) + m11 * (v + 0.5) + m12 - 0.5;
      const [ix, iy] = [Math.floor(sx), Math.floor(sy)];
      const [fx, fy] = [sx - ix, sy - iy];
      const o = (v * size + u) * 3;
      for (let k = 0; k < 3; k++) {
        const top = at(ix, iy, k) * (1 - fx) + at(ix + 1, iy, k) * fx;
        const bottom = at(ix, iy + 1, k) * (1 - fx) + at(ix + 1, iy + 1, k) * fx;
        out[o + k] = (top * (1 - fy) + bottom * fy) * gain + range[0];
      }
    }
  }
  return out;
}

/**
 * The crop as a 2×3 matrix (m00 m01 m02; m10 m11 m12): tensor pixel-centre coordinates (u + ½, v + ½, 1) → source
 * continuous coordinates, roiToSource((u + ½) / size, (v + ½) / size). The GPU crop (GpuImageInput.writeAffine) takes it.
 */
export function roiAffine(r: Roi, size: number): [number, number, number, number, number, number] {
  const [c, s] = [Math.cos(r.rotation), Math.sin(r.rotation)];
  const [step, half] = [r.size / size, r.size / 2];
  return [c * step, -s * step, r.x - (c - s) * half, s * step, c * step, r.y - (s + c) * half];
}

/** A rotated rectangle in source pixels (NormalizedRect × image size). */
export interface RotatedRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly rotation: number;
}

/** RectTransformationCalculator with square_long: shift along the rect's rotated axes, then a square of the long side × scale. */
export function transformRect(r: RotatedRect, t: RectTransform): Roi {
  const [c, s] = [Math.cos(r.rotation), Math.sin(r.rotation)];
  const [dx, dy] = [r.width * t.shiftX, r.height * t.shiftY];
  return { x: r.x + c * dx - s * dy, y: r.y + s * dx + c * dy, size: Math.max(r.width, r.height) * t.scale, rotation: r.rotation };
}

/** Source-normalised box corners and (x, y) keypoint pairs → DetectionsToRectsCalculator's rotated rect → transformRect. */
export function detectionRoi(d: RawDetection, width: number, height: number, p: HandLandmarkParams['fromDetection']): Roi {
  const kp = d.keypoints;
  const [x0, y0] = [kp[2 * p.startKeypoint]! * width, kp[2 * p.startKeypoint + 1]! * height];
  const [x1, y1] = [kp[2 * p.endKeypoint]! * width, kp[2 * p.endKeypoint + 1]! * height];
  const rect = {
    x: ((d.xmin + d.xmax) / 2) * width,
    y: ((d.ymin + d.ymax) / 2) * height,
    width: (d.xmax - d.xmin) * width,
    height: (d.ymax - d.ymin) * height,
    rotation: normaliseAngle(p.targetAngle - Math.atan2(-(y1 - y0), x1 - x0)),
  };
  return transformRect(rect, p);
}
