// createHandLandmarker against a float64 implementation of MediaPipe's published hand pipeline written here
// (palm_detection_gpu.pbtxt, palm_detection_detection_to_roi.pbtxt, hand_landmark_gpu.pbtxt with its GL crop,
// hand_landmark_landmarks_to_roi.pbtxt and hand_landmarks_to_rect_calculator.cc), fed with LiteRT.js's raw outputs:
// the palm detector on the same letterboxed input, the landmark model on the reference's own float64 crop.
// Images: fixtures/photos/hand.png (an open hand lying sideways, 640×480), the same turned 90° (the letterbox pads
// the other axis, the ROI turns), the astronaut photo (no palm: nothing), and the hand beside its mirror image
// (numHands 2: a left and a right hand; tracked over a second video frame). Acceptance: landmarks within 1 px of
// the source image, the ROI's centre and side within 1 px and its rotation within 0.01 rad, world landmarks within
// 1 mm, the same handedness.
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, TaskModelError } from '../src/errors.js';
import { createHandLandmarker, type HandResult } from '../src/tasks/index.js';
import { imageToTensor } from '../src/vision/input.js';
import { mediapipeModel } from '../scripts/mediapipe-assets.js';
import { getTestDevice } from './support/gpu.js';
import { projectRef, pngImage, turn90, withMirror, warpRef, type Image, type RefRoi } from './support/roi-ref.js';
import { refAnchorCentres, refDetections, type RefDet } from './support/ssd-ref.js';
import { opReferences, type OpOutput } from './support/tflite-op-ref.js';
import { PHOTO } from './support/tflite-ref.js';

const hand = pngImage('fixtures/photos/hand.png');
/** The hand and its mirror image side by side, 1280×480: a left and a right hand, for numHands 2. */
const twoHands = withMirror(hand);
const IMAGES = { hand, 'hand turned 90°': turn90(hand), astronaut: pngImage(PHOTO), 'two hands (numHands 2)': twoHands } as const;
type Name = keyof typeof IMAGES;
const numHands = (n: Name) => (n === 'two hands (numHands 2)' ? 2 : 1);

const PALM = mediapipeModel('hands', 'palm_detection_full.tflite');
const LANDMARK = mediapipeModel('hands', 'hand_landmark_full.tflite');
const norm = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));

// --- the published pipeline in float64 ---

/** SsdAnchorsCalculator for palm_detection_gpu.pbtxt: strides 8, 16, 16, 16 on 192²: 2 anchors per cell on 24², 6 on 12² (three layers + interpolated). */
const ANCHORS = refAnchorCentres([[24, 2], [12, 6]]);

/**
 * TensorsToDetections (18 coords, 7 keypoints, scale 192, sigmoid, clip 100, min score 0.5) → WEIGHTED NMS at IoU 0.3
 * → the best `max` (num_hands) → DetectionLetterboxRemoval (the letterbox of a w×h image in a square).
 */
function palms(boxes: Float32Array, scores: Float32Array, w: number, h: number, max: number): RefDet[] {
  expect(ANCHORS.length).toBe(2 * 2016);
  // letterbox padding on each side, normalised to the square input
  const [px, py] = [(1 - w / Math.max(w, h)) / 2, (1 - h / Math.max(w, h)) / 2];
  const unpad = (v: number, j: number) => (j % 2 ? (v - py) / (1 - 2 * py) : (v - px) / (1 - 2 * px));
  const found = refDetections(boxes, scores, ANCHORS, { numKeypoints: 7, size: 192, minScore: 0.5, iou: 0.3 }).slice(0, max);
  return found.map((d) => ({ box: d.box.map(unpad), score: d.score, kp: d.kp.map(unpad) }));
}

/** RectTransformation (square_long): shift along the rect's axes in units of its width/height, then the long side × scale. */
function transform(cx: number, cy: number, w: number, h: number, angle: number, scale: number, shiftY: number): RefRoi {
  return { cx: cx - Math.sin(angle) * h * shiftY, cy: cy + Math.cos(angle) * h * shiftY, side: Math.max(w, h) * scale, angle };
}

/** DetectionsToRects (box centre and size, rotation 90° − angle of keypoint 0 → 2 with y up) → scale 2.6, shift_y −0.5. */
function palmRoi(d: RefDet, w: number, h: number): RefRoi {
  const [x0, y0, x1, y1] = [d.kp[0]! * w, d.kp[1]! * h, d.kp[4]! * w, d.kp[5]! * h];
  const angle = norm(Math.PI / 2 - Math.atan2(-(y1 - y0), x1 - x0));
  const [bx0, by0, bx1, by1] = [d.box[0]! * w, d.box[1]! * h, d.box[2]! * w, d.box[3]! * h];
  return transform((bx0 + bx1) / 2, (by0 + by1) / 2, bx1 - bx0, by1 - by0, angle, 2.6, -0.5);
}

/** HandLandmarksToRect on landmarks 0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18 → scale 2, shift_y −0.1. */
function trackRoi(points: [number, number][]): RefRoi {
  const p = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18].map((i) => points[i]!);
  const mid = (i: number) => ((p[4]![i]! + p[8]![i]!) / 2 + p[6]![i]!) / 2;
  const angle = norm(Math.PI / 2 - Math.atan2(-(mid(1) - p[0]![1]), mid(0) - p[0]![0]));
  const c = (i: 0 | 1) => (Math.min(...p.map((q) => q[i])) + Math.max(...p.map((q) => q[i]))) / 2;
  const [ax, ay] = [c(0), c(1)];
  // the points in the ROI's frame (turned by −angle) about the axis-aligned centre
  const r = p.map(([x, y]) => [(x - ax) * Math.cos(angle) + (y - ay) * Math.sin(angle), -(x - ax) * Math.sin(angle) + (y - ay) * Math.cos(angle)] as const);
  const lo = (i: 0 | 1) => Math.min(...r.map((q) => q[i]));
  const hi = (i: 0 | 1) => Math.max(...r.map((q) => q[i]));
  const [pcx, pcy] = [(lo(0) + hi(0)) / 2, (lo(1) + hi(1)) / 2];
  const cx = ax + pcx * Math.cos(angle) - pcy * Math.sin(angle);
  const cy = ay + pcx * Math.sin(angle) + pcy * Math.cos(angle);
  return transform(cx, cy, hi(0) - lo(0), hi(1) - lo(1), angle, 2, -0.1);
}

interface Want { roi: RefRoi; flag: number; left: number; points: [number, number][]; z: number[]; world: number[][]; next: RefRoi }

const liteRt = (r: OpOutput[] | { error: string } | undefined): OpOutput[] => {
  if (!r || 'error' in r) throw new Error(`LiteRT.js: ${r && 'error' in r ? r.error : 'no result'}`);
  return r;
};

/** hand_landmark_gpu.pbtxt on LiteRT.js's outputs for the reference crop: outputs in the model's order (landmarks, flag, handedness, world). */
function landmarkStage(outs: OpOutput[], roi: RefRoi): Want {
  const [lm, flag, handed, world] = outs.map((o) => o.data);
  const points: [number, number][] = [];
  const z: number[] = [];
  const wl: number[][] = [];
  for (let i = 0; i < 21; i++) {
    points.push(projectRef(roi, lm![3 * i]! / 224, lm![3 * i + 1]! / 224));
    z.push((lm![3 * i + 2]! / 224 / 0.4) * roi.side);
    const [x, y] = [world![3 * i]!, world![3 * i + 1]!];
    wl.push([Math.cos(roi.angle) * x - Math.sin(roi.angle) * y, Math.sin(roi.angle) * x + Math.cos(roi.angle) * y, world![3 * i + 2]!]);
  }
  return { roi, flag: flag![0]!, left: handed![0]!, points, z, world: wl, next: trackRoi(points) };
}

const refs = new Map<Name, Want[]>();
let tracked: Want[];
const crops = (img: Image, rois: RefRoi[]) => rois.map((roi) => ({ model: LANDMARK, inputs: [{ shape: [1, 224, 224, 3], data: warpRef(img, roi, 224) }] }));
beforeAll(async () => {
  const names = Object.keys(IMAGES) as Name[];
  const inputs = names.map((n) => imageToTensor(IMAGES[n], { width: 192, height: 192, resize: 'letterbox', scale: 1 / 255, mean: 0 }).data as Float32Array);
  const outs = (await opReferences(inputs.map((data) => ({ model: PALM, inputs: [{ shape: [1, 192, 192, 3], data }] })))).map(liteRt);
  const rois = names.map((n, i) => {
    const { width: w, height: h } = IMAGES[n];
    return palms(outs[i]!.find((o) => o.shape[2] === 18)!.data, outs[i]!.find((o) => o.shape[2] === 1)!.data, w, h, numHands(n)).map((d) => palmRoi(d, w, h));
  });
  const lms = (await opReferences(names.flatMap((n, i) => crops(IMAGES[n], rois[i]!)))).map(liteRt);
  names.forEach((n, i) => refs.set(n, rois[i]!.map((roi) => landmarkStage(lms.shift()!, roi))));
  const next = refs.get('two hands (numHands 2)')!.map((w) => w.next);
  tracked = (await opReferences(crops(twoHands, next))).map((r, i) => landmarkStage(liteRt(r), next[i]!));
}, 600_000);

/** Each result against the reference hand whose ROI centre is nearest. */
function checkAll(got: HandResult[], want: Want[], label: string): void {
  expect(got.length).toBe(want.length);
  for (const g of got) {
    const w = want.reduce((p, q) => (Math.hypot(q.roi.cx - g.roi.x, q.roi.cy - g.roi.y) < Math.hypot(p.roi.cx - g.roi.x, p.roi.cy - g.roi.y) ? q : p));
    check(g, w, `${label} (${w.roi.cx.toFixed(0)}, ${w.roi.cy.toFixed(0)})`);
  }
}

function check(got: HandResult, want: Want, label: string): void {
  expect(got.landmarks.length).toBe(21);
  const d = Math.max(...got.landmarks.map((l, i) => Math.hypot(l.x - want.points[i]![0], l.y - want.points[i]![1])));
  const dz = Math.max(...got.landmarks.map((l, i) => Math.abs(l.z - want.z[i]!)));
  const dw = Math.max(...got.worldLandmarks.flatMap((l, i) => [l.x - want.world[i]![0]!, l.y - want.world[i]![1]!, l.z - want.world[i]![2]!].map(Math.abs)));
  const r = got.roi;
  const droi = Math.max(Math.hypot(r.x - want.roi.cx, r.y - want.roi.cy), Math.abs(r.size - want.roi.side));
  console.log(`${label}: worst landmark ${d.toFixed(4)} px, z ${dz.toFixed(4)} px, world ${dw.toExponential(2)} m, ROI ${droi.toExponential(2)} px, ${got.handedness.label} ${got.handedness.score.toFixed(4)}, flag ${got.score.toFixed(4)}`);
  expect(droi).toBeLessThanOrEqual(1);
  expect(Math.abs(norm(r.rotation - want.roi.angle))).toBeLessThan(0.01);
  expect(d).toBeLessThanOrEqual(1);
  expect(dz).toBeLessThanOrEqual(1);
  expect(dw).toBeLessThanOrEqual(1e-3);
  expect(Math.abs(got.score - want.flag)).toBeLessThan(1e-3);
  expect(got.handedness.label).toBe(want.left >= 0.5 ? 'Left' : 'Right');
  expect(Math.abs(got.handedness.score - Math.max(want.left, 1 - want.left))).toBeLessThan(1e-3);
}

describe.each(['cpu', 'webgpu'] as const)('hand landmarker on %s', (backend) => {
  const opts = async () => (backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });

  it.each(Object.keys(IMAGES) as Name[])('%s: the float64 pipeline on LiteRT.js outputs', async (name) => {
    const want = refs.get(name)!;
    expect(want.length, 'the reference finds as many palms as expected').toBe(name === 'astronaut' ? 0 : numHands(name));
    for (const w of want) expect(w.flag, 'the reference sees a hand').toBeGreaterThanOrEqual(0.5);
    const task = await createHandLandmarker({ detector: PALM, landmarker: LANDMARK }, { ...(await opts()), numHands: numHands(name) });
    try {
      expect([task.detector.backend, task.landmarker.backend]).toEqual([backend, backend]);
      checkAll(await task.detect(IMAGES[name]), want, `hand ${backend} ${name}`);
    } finally {
      task.dispose();
    }
  }, 300_000);

  it('video, two hands: the second frame tracks both from the first frame\'s landmarks (no palm detection), as the reference does', async () => {
    const task = await createHandLandmarker({ detector: PALM, landmarker: LANDMARK }, { ...(await opts()), numHands: 2 });
    try {
      checkAll(await task.detectForVideo(twoHands, 0), refs.get('two hands (numHands 2)')!, `hand ${backend} video frame 1`);
      checkAll(await task.detectForVideo(twoHands, 33), tracked, `hand ${backend} tracked frame`);
      expect(task.stats).toMatchObject({ frames: 2, detections: 1 });
      // on WebGPU per frame one readback of the final results (gpu-hand.ts): two slots of the ROI record (16 floats),
      // 21 × 3 landmarks and 21 × 3 world landmarks; the first frame (no hand tracked) reads its palms back first,
      // 160 bytes (count, overflow, two detections of 5 + 2 × 7 floats); on the CPU the raw 2016 × 19 floats
      expect([task.stats.gpuDecoded, task.stats.bytesReadBack]).toEqual(backend === 'webgpu' ? [1, 4 * (2 + 2 * 19) + 2 * 2 * 4 * (16 + 6 * 21)] : [0, 2016 * 19 * 4]);
      if (backend === 'webgpu') expect(task.stats.readbacks).toBe(3);
    } finally {
      task.dispose();
    }
  }, 300_000);
});

describe('hand landmarker: tracking lost', () => {
  it('a frame without the hand drops it (its ROI tracked, the hand flag low: no result); the next frame runs palm detection again', async () => {
    const blank: Image = { data: new Uint8Array(640 * 480 * 3).fill(128), width: 640, height: 480 };
    const task = await createHandLandmarker({ detector: PALM, landmarker: LANDMARK }, { backend: 'cpu' });
    try {
      expect(await task.detect(blank)).toEqual([]);
      checkAll(await task.detectForVideo(hand, 0), refs.get('hand')!, 'hand cpu before the loss');
      expect(await task.detectForVideo(blank, 33)).toEqual([]);
      expect(task.stats).toMatchObject({ frames: 3, detections: 2 });
      checkAll(await task.detectForVideo(hand, 66), refs.get('hand')!, 'hand cpu after the loss');
      expect(task.stats).toMatchObject({ frames: 4, detections: 3 });
    } finally {
      task.dispose();
    }
  }, 120_000);
});

describe('hand landmarker: bad input', () => {
  it('models that are not the task\'s and bad options are typed errors naming what was expected', async () => {
    await expect(createHandLandmarker({ detector: LANDMARK, landmarker: LANDMARK }, { backend: 'cpu' })).rejects.toThrow(/palm detector's input is \[1, 224, 224, 3\]/);
    await expect(createHandLandmarker({ detector: PALM, landmarker: PALM }, { backend: 'cpu' })).rejects.toThrow(/landmark model's input is \[1, 192, 192, 3\]/);
    const poseLandmark = mediapipeModel('pose', 'pose_landmark_lite.tflite');
    await expect(createHandLandmarker({ detector: PALM, landmarker: poseLandmark }, { backend: 'cpu' })).rejects.toThrow(TaskModelError);
    await expect(createHandLandmarker({ detector: PALM, landmarker: LANDMARK }, { backend: 'cpu', numHands: 0 })).rejects.toThrow(InputError);
    const task = await createHandLandmarker({ detector: PALM, landmarker: LANDMARK }, { backend: 'cpu' });
    try {
      await expect(task.detect({ data: new Uint8Array(0), width: 0, height: 0 })).rejects.toThrow(InputError);
      await task.detectForVideo(hand, 10);
      await expect(task.detectForVideo(hand, 10)).rejects.toThrow(/not after the previous frame's 10 ms/);
    } finally {
      task.dispose();
    }
  }, 120_000);
});
