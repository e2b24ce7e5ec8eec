// Drawing the tasks' results on a 2-D canvas: boxes with keypoints, skeletons, and a mask as a tinted overlay
// (draw-gpu.ts draws the same on a WebGPU canvas).
import type { FaceDetection } from './face-detector.js';
import type { HandLandmark } from './hand-landmarker.js';
import type { PoseLandmark } from './pose-landmarker.js';
import type { SegmentationMask } from './segmenter.js';

export interface DrawStyle {
  color?: string;
  lineWidth?: number;
  /** Keypoint dot radius in canvas pixels. */
  radius?: number;
  /** Canvas pixels per source pixel (the canvas may show the image scaled). */
  scale?: number;
}

/** The helpers' default colours, 2-D and WebGPU alike. */
export const DRAW_COLORS = { detections: '#00e676', pose: '#22d3ee', hand: '#f472b6' } as const;
/** Default line width and keypoint radius, canvas pixels. */
export const DRAW_SIZES = { lineWidth: 2, radius: 3 } as const;

type Ctx2D = Pick<CanvasRenderingContext2D, 'beginPath' | 'rect' | 'arc' | 'moveTo' | 'lineTo' | 'stroke' | 'fill' | 'fillText'> & {
  strokeStyle: CanvasRenderingContext2D['strokeStyle'];
  fillStyle: CanvasRenderingContext2D['fillStyle'];
  lineWidth: number;
};

export function drawDetections(ctx: Ctx2D, detections: readonly FaceDetection[], style: DrawStyle = {}): void {
  const s = style.scale ?? 1;
  ctx.strokeStyle = ctx.fillStyle = style.color ?? DRAW_COLORS.detections;
  ctx.lineWidth = style.lineWidth ?? DRAW_SIZES.lineWidth;
  for (const d of detections) {
    ctx.beginPath();
    ctx.rect(d.box.x * s, d.box.y * s, d.box.width * s, d.box.height * s);
    ctx.stroke();
    ctx.fillText(d.score.toFixed(2), d.box.x * s, d.box.y * s - 4);
    for (const k of d.keypoints) {
      ctx.beginPath();
      ctx.arc(k.x * s, k.y * s, style.radius ?? DRAW_SIZES.radius, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

/** BlazePose's skeleton: pairs of indices into the 33 landmarks (MediaPipe's POSE_CONNECTIONS). */
export const POSE_CONNECTIONS: readonly (readonly [number, number])[] = [
  [0, 1], [1, 2], [2, 3], [3, 7], [0, 4], [4, 5], [5, 6], [6, 8], [9, 10], [11, 12], [11, 13], [13, 15], [15, 17],
  [15, 19], [15, 21], [17, 19], [12, 14], [14, 16], [16, 18], [16, 20], [16, 22], [18, 20], [11, 23], [12, 24],
  [23, 24], [23, 25], [24, 26], [25, 27], [26, 28], [27, 29], [28, 30], [29, 31], [30, 32], [27, 31], [28, 32],
];

/** The skeleton and its joints; landmarks with visibility under `minVisibility` (default 0.5) are left out. */
export function drawPoseLandmarks(ctx: Ctx2D, landmarks: readonly PoseLandmark[], style: DrawStyle & { minVisibility?: number } = {}): void {
  drawSkeleton(ctx, landmarks, POSE_CONNECTIONS, poseSeen(landmarks, style.minVisibility), { color: DRAW_COLORS.pose, ...style });
}

/** Which pose landmarks are drawn: visibility ≥ `minVisibility` (default 0.5). */
export const poseSeen = (landmarks: readonly PoseLandmark[], minVisibility = 0.5) => (i: number) => (landmarks[i]?.visibility ?? 0) >= minVisibility;

/** MediaPipe's HAND_CONNECTIONS: the palm, then each finger from its base. */
export const HAND_CONNECTIONS: readonly (readonly [number, number])[] = [
  [0, 1], [0, 5], [9, 13], [13, 17], [5, 9], [0, 17], [1, 2], [2, 3], [3, 4], [5, 6], [6, 7], [7, 8], [9, 10], [10, 11],
  [11, 12], [13, 14], [14, 15], [15, 16], [17, 18], [18, 19], [19, 20],
];

export function drawHandLandmarks(ctx: Ctx2D, landmarks: readonly HandLandmark[], style: DrawStyle = {}): void {
  drawSkeleton(ctx, landmarks, HAND_CONNECTIONS, () => true, { color: DRAW_COLORS.hand, ...style });
}

type Point = { readonly x: number; readonly y: number };

/** A skeleton's bones (both ends seen), then its joints (seen): what both the 2-D and the WebGPU helpers draw. */
export function visitSkeleton(points: readonly Point[], connections: readonly (readonly [number, number])[], seen: (i: number) => boolean, bone: (a: Point, b: Point) => void, joint: (p: Point) => void): void {
  for (const [a, b] of connections) if (seen(a) && seen(b)) bone(points[a]!, points[b]!);
  points.forEach((p, i) => seen(i) && joint(p));
}

function drawSkeleton(ctx: Ctx2D, points: readonly Point[], connections: readonly (readonly [number, number])[], seen: (i: number) => boolean, style: DrawStyle): void {
  const s = style.scale ?? 1;
  ctx.strokeStyle = ctx.fillStyle = style.color!;
  ctx.lineWidth = style.lineWidth ?? DRAW_SIZES.lineWidth;
  visitSkeleton(
    points,
    connections,
    seen,
    (a, b) => {
      ctx.beginPath();
      ctx.moveTo(a.x * s, a.y * s);
      ctx.lineTo(b.x * s, b.y * s);
      ctx.stroke();
    },
    (p) => {
      ctx.beginPath();
      ctx.arc(p.x * s, p.y * s, style.radius ?? DRAW_SIZES.radius, 0, 2 * Math.PI);
      ctx.fill();
    },
  );
}

type Rgba = { data: Uint8ClampedArray<ArrayBuffer>; width: number; height: number };

/**
 * The mask as RGBA: `rgb` where confidence ≥ threshold (alpha scaled by confidence), transparent elsewhere. Pass the
 * previous frame's result as `into` (same size) to fill it again instead of a new image.
 */
export function maskToRgba(mask: SegmentationMask, rgb: readonly [number, number, number] = [0, 200, 255], threshold = 0.5, maxAlpha = 160, into?: ImageData | Rgba): ImageData | Rgba {
  const reuse = into && into.width === mask.width && into.height === mask.height;
  const data = reuse ? into.data : new Uint8ClampedArray(mask.width * mask.height * 4);
  // One 32-bit store per pixel, from a table of the tint at each alpha (in the platform's byte order)
  const tint = new Uint8ClampedArray(256 * 4);
  for (let a = 0; a < 256; a++) tint.set([...rgb, a], 4 * a);
  const table = new Uint32Array(tint.buffer);
  const px = new Uint32Array(data.buffer, data.byteOffset, mask.width * mask.height);
  for (let i = 0; i < px.length; i++) {
    const c = mask.confidence[i]!;
    px[i] = c >= threshold ? table[Math.min(Math.max(Math.round(maxAlpha * c), 0), 255)]! : 0;
  }
  if (reuse) return into;
  return typeof ImageData === 'undefined' ? { data, width: mask.width, height: mask.height } : new ImageData(data, mask.width, mask.height);
}
