// The scene of the GPU overlay checks (test/gpu-overlay-browser.test.ts with test/pages/gpu-overlay.ts, and
// test/gpu-overlay.test.ts on Dawn, over a mask): a face box with keypoints, a hand and a pose (some of its landmarks
// not visible), moving from frame to frame, and the reference list of what must be drawn, built here from the
// coordinates (capsules in canvas pixels, in drawing order), with the pixel check against it.
import type { GpuLandmarkRenderer } from '../../src/tasks/draw-gpu.js';
import { HAND_CONNECTIONS, POSE_CONNECTIONS } from '../../src/tasks/draw.js';
import type { FaceDetection } from '../../src/tasks/face-detector.js';
import type { HandLandmark } from '../../src/tasks/hand-landmarker.js';
import type { PoseLandmark } from '../../src/tasks/pose-landmarker.js';

/** Canvas pixels; the scene is in source pixels, drawn at SCALE. */
export const W = 200;
export const H = 150;
export const SCALE = 0.5;
export const LINE = 4;
export const RADIUS = 5;
export const FRAMES = 4;
export const COLORS = { detections: '#ff0000', hand: '#00ff00', pose: '#0000ff' } as const;
/** The mask: MASK_W × MASK_H probabilities, 1 in the left half, drawn with the threshold 0.5 at alpha 0.5 in MASK_RGB. */
export const MASK_W = 20;
export const MASK_H = 15;
export const MASK_RGB = [30, 120, 255] as const;
export const MASK_ALPHA = 0.5;
export const mask = Float32Array.from({ length: MASK_W * MASK_H }, (_, i) => (i % MASK_W < MASK_W / 2 ? 1 : 0));
/** The first canvas column the mask leaves uncovered (bilinear upsampling puts the 0.5 crossing there). */
export const MASK_EDGE = W / 2;
/** Pose landmark far from everything else and not visible: nothing may be drawn there. */
export const HIDDEN = 0;

export function scene(frame: number) {
  const [dx, dy] = [6 * frame, 4 * frame];
  const detections: FaceDetection[] = [
    {
      box: { x: 40 + dx, y: 30 + dy, width: 120, height: 90 },
      score: 0.9,
      keypoints: [
        { name: 'rightEye', x: 75 + dx, y: 60 + dy },
        { name: 'leftEye', x: 125 + dx, y: 62 + dy },
      ],
    },
  ];
  const hand: HandLandmark[] = Array.from({ length: 21 }, (_, i) => {
    if (i === 0) return { name: 'wrist', x: 250 + dx, y: 260 + dy, z: 0 };
    const finger = Math.floor((i - 1) / 4);
    const joint = (i - 1) % 4;
    const angle = (-60 + 30 * finger) * (Math.PI / 180);
    const len = 25 + 22 * joint;
    return { name: `p${i}`, x: 250 + dx + len * Math.sin(angle), y: 260 + dy - len * Math.cos(angle), z: 0 };
  });
  const pose: PoseLandmark[] = Array.from({ length: 33 }, (_, i) => {
    const a = (2 * Math.PI * i) / 33;
    const at = i === HIDDEN ? [20, 280] : [300 + dx + 55 * Math.cos(a), 90 + dy + 55 * Math.sin(a)];
    return { name: `p${i}`, x: at[0]!, y: at[1]!, z: 0, visibility: i === HIDDEN || i % 7 === 3 ? 0.2 : 0.9, presence: 1 };
  });
  return { detections, hand, pose };
}

/** Frame `frame` of the scene added to the renderer's list, ready for render(). */
export function drawScene(overlay: GpuLandmarkRenderer, frame: number): GpuLandmarkRenderer {
  const { detections, hand, pose } = scene(frame);
  const style = { scale: SCALE, lineWidth: LINE, radius: RADIUS };
  return overlay.drawDetections(detections, { ...style, color: COLORS.detections }).drawHandLandmarks(hand, { ...style, color: COLORS.hand }).drawPoseLandmarks(pose, { ...style, color: COLORS.pose });
}

export interface Capsule {
  a: readonly [number, number];
  b: readonly [number, number];
  r: number;
  rgb: readonly [number, number, number];
}

const rgbOf = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as unknown as readonly [number, number, number];

/** What must be on the canvas, bottom to top, in canvas pixels. */
export function capsules(frame: number): Capsule[] {
  const { detections, hand, pose } = scene(frame);
  const out: Capsule[] = [];
  const pt = (p: { x: number; y: number }) => [p.x * SCALE, p.y * SCALE] as const;
  const line = (a: readonly [number, number], b: readonly [number, number], rgb: Capsule['rgb']) => out.push({ a, b, r: LINE / 2, rgb });
  const dot = (p: readonly [number, number], rgb: Capsule['rgb']) => out.push({ a: p, b: p, r: RADIUS, rgb });
  const red = rgbOf(COLORS.detections);
  for (const d of detections) {
    const [x0, y0, x1, y1] = [d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height].map((v) => v * SCALE) as [number, number, number, number];
    line([x0, y0], [x1, y0], red);
    line([x1, y0], [x1, y1], red);
    line([x1, y1], [x0, y1], red);
    line([x0, y1], [x0, y0], red);
    for (const k of d.keypoints) dot(pt(k), red);
  }
  const skeleton = (points: { x: number; y: number }[], conn: readonly (readonly [number, number])[], seen: (i: number) => boolean, rgb: Capsule['rgb']) => {
    for (const [i, j] of conn) if (seen(i) && seen(j)) line(pt(points[i]!), pt(points[j]!), rgb);
    points.forEach((p, i) => seen(i) && dot(pt(p), rgb));
  };
  skeleton(hand, HAND_CONNECTIONS, () => true, rgbOf(COLORS.hand));
  skeleton(pose, POSE_CONNECTIONS, (i) => pose[i]!.visibility >= 0.5, rgbOf(COLORS.pose));
  return out;
}

/** Distance from point p to the segment a → b. */
export function segmentDistance(p: readonly [number, number], a: readonly [number, number], b: readonly [number, number]): number {
  const [abx, aby] = [b[0] - a[0], b[1] - a[1]];
  const len2 = abx * abx + aby * aby;
  const t = len2 > 0 ? Math.min(1, Math.max(0, ((p[0] - a[0]) * abx + (p[1] - a[1]) * aby) / len2)) : 0;
  return Math.hypot(p[0] - a[0] - t * abx, p[1] - a[1] - t * aby);
}

/** Centres at least this far inside a primitive must have its colour; this far outside all of them, the background. */
const MARGIN = 0.75;

/**
 * Every pixel whose centre is ≥ MARGIN inside a capsule (the topmost decides) has its colour, opaque (±1); every
 * pixel ≥ MARGIN outside all of them has `background(x, y)` (±tol); the antialiased rims between are not checked.
 */
export function checkPixels(pixels: ArrayLike<number>, frame: number, background: (x: number, y: number) => { rgba: readonly number[]; tol: number } | undefined) {
  const caps = capsules(frame);
  const inside: Record<string, number> = {};
  let outside = 0;
  const bad: string[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const p = [x + 0.5, y + 0.5] as const;
      const d = caps.map((c) => segmentDistance(p, c.a, c.b) - c.r);
      let top = d.length - 1;
      while (top >= 0 && !(d[top]! < MARGIN)) top--;
      const px = Array.from({ length: 4 }, (_, k) => pixels[4 * (y * W + x) + k]!);
      let want: { rgba: readonly number[]; tol: number } | undefined;
      if (top >= 0 && d[top]! <= -MARGIN) {
        want = { rgba: [...caps[top]!.rgb, 255], tol: 1 };
        inside[want.rgba.join()] = (inside[want.rgba.join()] ?? 0) + 1;
      } else if (top < 0) {
        want = background(x, y);
        if (want) outside++;
      }
      if (want && px.some((v, k) => Math.abs(v - want.rgba[k]!) > want.tol) && bad.length < 10)
        bad.push(`frame ${frame} (${x}, ${y}): got [${px}], want [${want.rgba}]${top >= 0 ? ` (primitive ${top}, ${(-d[top]!).toFixed(2)} px inside)` : ' (outside every primitive)'}`);
    }
  return { inside, outside, bad };
}

