// createPoseLandmarker against a float64 implementation of MediaPipe's published pose pipeline written here
// (pose_detection_gpu.pbtxt, pose_detection_to_roi.pbtxt, pose_landmark_by_roi_gpu.pbtxt (its GL crop),
// tensors_to_pose_landmarks_and_segmentation.pbtxt, pose_landmarks_to_roi.pbtxt), fed with LiteRT.js's raw outputs:
// the detector on the same letterboxed input, the landmark model on the reference's own float64 crop. Images: the
// astronaut photo and the same photo turned 90° (the ROI rotates). Acceptance: landmarks within 1 px of the
// source image, the mask's IoU ≥ 0.99 at 0.5.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TaskModelError } from '../src/errors.js';
import { createPoseLandmarker, type PoseResult } from '../src/tasks/index.js';
import { POSE_LANDMARKS } from '../src/tasks/params.js';
import { cropRoi } from '../src/tasks/roi.js';
import { GpuImageInput } from '../src/vision/gpu-input.js';
import { deviceStrides, executorOf, imageToTensor } from '../src/vision/input.js';
import { getTestDevice, readBuffer } from './support/gpu.js';
import { decodePng } from './support/photo.js';
import { poseDetectorBytes, poseLandmarkBytes } from '../scripts/mediapipe-assets.js';
import { opReferences } from './support/tflite-op-ref.js';
import { projectRef, turn90, warpRef, type Image, type RefRoi } from './support/roi-ref.js';
import { maskIou, refAnchorCentres, refBestDetection } from './support/ssd-ref.js';
import { PHOTO, TFLITE_MODELS, modelBytes } from './support/tflite-ref.js';

const photo = decodePng(readFileSync(PHOTO));
const astronaut: Image = { data: photo.rgb, width: photo.width, height: photo.height };
const turned = turn90(astronaut);
const IMAGES = { astronaut, 'astronaut turned 90°': turned } as const;

const DETECTOR = poseDetectorBytes();
const LANDMARK = poseLandmarkBytes('full');
const sig = (x: number) => 1 / (1 + Math.exp(-x));

// --- the published pipeline in float64 ---

/** SsdAnchorsCalculator for pose_detection_cpu.pbtxt: strides 8, 16, 32, 32, 32; 2 anchors per cell, 6 where three 32s share a grid. */
const ANCHORS = refAnchorCentres([[28, 2], [14, 2], [7, 6]]);

/** TensorsToDetections (12 coords, 4 keypoints, scale 224, sigmoid, clip 100, min score 0.5) → WEIGHTED NMS at IoU 0.3 → the best. */
function bestDetection(boxes: Float32Array, scores: Float32Array) {
  expect(ANCHORS.length).toBe(2 * 2254);
  return refBestDetection(boxes, scores, ANCHORS, { numKeypoints: 4, size: 224, minScore: 0.5, iou: 0.3 });
}

/** AlignmentPointsRects (centre = point a, side = 2·|b − a|, rotation 90° − angle of a→b with y up) then scale 1.25, square. */
function roiFrom(ax: number, ay: number, bx: number, by: number): RefRoi {
  let angle = Math.PI / 2 - Math.atan2(-(by - ay), bx - ax);
  while (angle > Math.PI) angle -= 2 * Math.PI;
  while (angle < -Math.PI) angle += 2 * Math.PI;
  return { cx: ax, cy: ay, side: 2 * Math.hypot(bx - ax, by - ay) * 1.25, angle };
}

/** TensorsToLandmarks (÷256) → RefineLandmarksFromHeatmap (7×7, sigmoid, ≥ 0.5) → projection; all 39 landmarks in source pixels. */
function decodeLandmarks(raw: Float32Array, heat: Float32Array, r: RefRoi): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < 39; i++) {
    let [u, v] = [raw[5 * i]! / 256, raw[5 * i + 1]! / 256];
    const [col, row] = [Math.trunc(u * 64), Math.trunc(v * 64)];
    if (col >= 0 && col < 64 && row >= 0 && row < 64) {
      let [s, wx, wy, mx] = [0, 0, 0, 0];
      for (let y = Math.max(0, row - 3); y <= Math.min(63, row + 3); y++)
        for (let x = Math.max(0, col - 3); x <= Math.min(63, col + 3); x++) {
          const c = sig(heat[(y * 64 + x) * 39 + i]!);
          [s, wx, wy, mx] = [s + c, wx + x * c, wy + y * c, Math.max(mx, c)];
        }
      if (mx >= 0.5) [u, v] = [wx / 64 / s, wy / 64 / s];
    }
    out.push(projectRef(r, u, v));
  }
  return out;
}

interface Want { roi: RefRoi; flag: number; points: [number, number][]; mask: Float32Array; next: RefRoi }

async function landmarkStage(img: Image, roi: RefRoi): Promise<Want> {
  const [res] = await opReferences([{ model: LANDMARK, inputs: [{ shape: [1, 256, 256, 3], data: warpRef(img, roi, 256) }] }]);
  if (!res || 'error' in res) throw new Error(`LiteRT.js: ${res && 'error' in res ? res.error : 'no result'}`);
  const by = (shape: string) => res.find((o) => o.shape.join() === shape)!.data;
  const points = decodeLandmarks(by('1,195'), by('1,64,64,39'), roi);
  const seg = by('1,256,256,1');
  // the mask back to the source: each source pixel's place in the crop, bilinear on the sigmoid, 0 outside
  const mask = new Float32Array(img.width * img.height);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const [dx, dy] = [x - roi.cx, y - roi.cy];
      const u = ((Math.cos(roi.angle) * dx + Math.sin(roi.angle) * dy) / roi.side) * 256 + 128;
      const v = ((-Math.sin(roi.angle) * dx + Math.cos(roi.angle) * dy) / roi.side) * 256 + 128;
      if (u < 0 || v < 0 || u > 255 || v > 255) continue;
      const [u0, v0] = [Math.min(Math.floor(u), 254), Math.min(Math.floor(v), 254)];
      const m = (a: number, b: number) => sig(seg[b * 256 + a]!);
      mask[y * img.width + x] = (1 - (v - v0)) * ((1 - (u - u0)) * m(u0, v0) + (u - u0) * m(u0 + 1, v0)) + (v - v0) * ((1 - (u - u0)) * m(u0, v0 + 1) + (u - u0) * m(u0 + 1, v0 + 1));
    }
  const [a, b] = [points[33]!, points[34]!];
  return { roi, flag: by('1,1')[0]!, points: points.slice(0, 33), mask, next: roiFrom(a[0], a[1], b[0], b[1]) };
}

/** Detection on the letterboxed 224² input (LiteRT.js outputs) → ROI → landmarks. */
async function reference(img: Image): Promise<Want> {
  const x = imageToTensor(img, { width: 224, height: 224, resize: 'letterbox', scale: 2 / 255, mean: 1 });
  expect(x.placement.dst).toEqual({ x: 0, y: 0, w: 224, h: 224 }); // square images: the letterbox has no border
  const [res] = await opReferences([{ model: DETECTOR, inputs: [{ shape: [1, 224, 224, 3], data: x.data as Float32Array }] }]);
  if (!res || 'error' in res) throw new Error(`LiteRT.js: ${res && 'error' in res ? res.error : 'no result'}`);
  const d = bestDetection(res.find((o) => o.shape[2] === 12)!.data, res.find((o) => o.shape[2] === 1)!.data);
  expect(d, 'the reference finds a pose').toBeDefined();
  const k = d!.kp.map((v, j) => v * (j % 2 ? img.height : img.width));
  return landmarkStage(img, roiFrom(k[0]!, k[1]!, k[2]!, k[3]!));
}

const refs = new Map<string, Want>();
let tracked: Want;
beforeAll(async () => {
  for (const [name, img] of Object.entries(IMAGES)) refs.set(name, await reference(img));
  tracked = await landmarkStage(astronaut, refs.get('astronaut')!.next);
}, 600_000);

function worst(got: PoseResult, want: Want): number {
  expect(got.landmarks.length).toBe(33);
  return Math.max(...got.landmarks.map((l, i) => Math.hypot(l.x - want.points[i]![0], l.y - want.points[i]![1])));
}

describe.each(['cpu', 'webgpu'] as const)('pose landmarker on %s', (backend) => {
  const opts = async () => (backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });

  it.each(Object.keys(IMAGES))('%s: landmarks within 1 px and the mask of the float64 pipeline on LiteRT.js outputs', async (name) => {
    const want = refs.get(name)!;
    expect(want.flag, 'the reference sees a pose').toBeGreaterThanOrEqual(0.5);
    const task = await createPoseLandmarker({ detector: DETECTOR, landmarker: LANDMARK }, { ...(await opts()), segmentation: true });
    try {
      expect([task.detector.backend, task.landmarker.backend]).toEqual([backend, backend]);
      const [got, ...more] = await task.detect(IMAGES[name as keyof typeof IMAGES]);
      expect(more.length).toBe(0);
      const d = worst(got!, want);
      console.log(`pose ${backend} ${name}: worst landmark ${d.toFixed(4)} px; ROI ${JSON.stringify(got!.roi)}`);
      expect(d).toBeLessThanOrEqual(1);
      expect(Math.abs(got!.roi.rotation - want.roi.angle)).toBeLessThan(0.01);
      const iou = maskIou(got!.mask!, want.mask);
      console.log(`pose ${backend} ${name}: mask IoU ${iou.toFixed(5)}`);
      expect(iou).toBeGreaterThanOrEqual(0.99);
    } finally {
      task.dispose();
    }
  }, 300_000);

  it('video: the second frame tracks the first frame\'s auxiliary landmarks (no detection), as the reference does', async () => {
    const task = await createPoseLandmarker({ detector: DETECTOR, landmarker: LANDMARK }, await opts());
    try {
      const first = await task.detectForVideo(astronaut, 0);
      expect(worst(first[0]!, refs.get('astronaut')!)).toBeLessThanOrEqual(1);
      const [second] = await task.detectForVideo(astronaut, 33);
      const d = worst(second!, tracked);
      console.log(`pose ${backend} astronaut tracked frame: worst landmark ${d.toFixed(4)} px`);
      expect(d).toBeLessThanOrEqual(1);
      expect(task.stats).toMatchObject({ frames: 2, detections: 1 });
      // on WebGPU per frame one readback of the final results (gpu-pose.ts): the ROI record (16 floats) and 35 × 5
      // landmark values, 764 bytes rounded up to 768; the first video frame (nothing tracked) reads its detection back
      // first, 64 bytes (count, overflow, 5 + 2 × 4 floats, rounded up); on the CPU the detector's raw 2254 × 13 floats
      expect([task.stats.gpuDecoded, task.stats.bytesReadBack]).toEqual(backend === 'webgpu' ? [1, 64 + 2 * 768] : [0, 2254 * 13 * 4]);
      if (backend === 'webgpu') expect(task.stats.readbacks).toBe(3);
    } finally {
      task.dispose();
    }
  }, 300_000);
});

describe('pose landmarker on webgpu: the crop', () => {
  it.each(Object.keys(IMAGES))('%s: one GPU pass writes the landmark model\'s input buffer (its matrix from the ROI kernel), equal to the CPU crop within 1e-3', async (name) => {
    const gpu = await getTestDevice();
    const img = IMAGES[name as keyof typeof IMAGES];
    const task = await createPoseLandmarker({ detector: DETECTOR, landmarker: LANDMARK }, { backend: 'webgpu', gpu });
    const passes = vi.spyOn(GpuImageInput.prototype, 'writeAffineFrom');
    try {
      const [got] = await task.detect(img);
      expect(passes).toHaveBeenCalledTimes(1);
      const exec = executorOf(task.landmarker)!;
      const input = task.landmarker.inputs[0]!;
      const buffer = exec.edgeBuffer(input.name)!;
      const data = await readBuffer(gpu.device, buffer, buffer.size / 4);
      const size = POSE_LANDMARKS.inputSize;
      const want = cropRoi(img, got!.roi, size, POSE_LANDMARKS.range);
      const st = deviceStrides(input.shape, 'nhwc', exec.isRaw(input.name));
      let worstDiff = 0;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++)
          for (let c = 0; c < 3; c++) worstDiff = Math.max(worstDiff, Math.abs(data[y * st.y + x * st.x + c * st.c]! - want[(y * size + x) * 3 + c]!));
      console.log(`pose webgpu ${name}: GPU crop vs CPU crop, worst ${worstDiff.toExponential(2)}`);
      expect(worstDiff).toBeLessThanOrEqual(1e-3);
      expect(worst(got!, refs.get(name)!)).toBeLessThanOrEqual(1);
    } finally {
      passes.mockRestore();
      task.dispose();
    }
  }, 300_000);
});

describe('pose landmarker: tracking lost', () => {
  it('a frame without a person ends tracking (no result); the next frame runs the detector again', async () => {
    const blank: Image = { data: new Uint8Array(512 * 512 * 3).fill(128), width: 512, height: 512 };
    const task = await createPoseLandmarker({ detector: DETECTOR, landmarker: LANDMARK }, { backend: 'cpu' });
    try {
      expect(await task.detect(blank)).toEqual([]);
      expect((await task.detectForVideo(astronaut, 0)).length).toBe(1);
      expect(await task.detectForVideo(blank, 33)).toEqual([]);
      expect(task.stats).toMatchObject({ frames: 3, detections: 2 });
      const [again] = await task.detectForVideo(astronaut, 66);
      expect(task.stats).toMatchObject({ frames: 4, detections: 3 });
      expect(worst(again!, refs.get('astronaut')!)).toBeLessThanOrEqual(1);
    } finally {
      task.dispose();
    }
  }, 120_000);
});

describe('pose landmarker: bad input', () => {
  it('models that are not the task\'s are TaskModelErrors naming what was expected', async () => {
    const face = modelBytes(TFLITE_MODELS[0]!);
    await expect(createPoseLandmarker({ detector: face, landmarker: LANDMARK }, { backend: 'cpu' })).rejects.toThrow(TaskModelError);
    await expect(createPoseLandmarker({ detector: face, landmarker: LANDMARK }, { backend: 'cpu' })).rejects.toThrow(/pose_detection\.tflite takes \[1, 224, 224, 3\]/);
    await expect(createPoseLandmarker({ detector: DETECTOR, landmarker: DETECTOR }, { backend: 'cpu' })).rejects.toThrow(/landmark model's input is \[1, 224, 224, 3\]/);
    const selfie = modelBytes(TFLITE_MODELS[2]!);
    await expect(createPoseLandmarker({ detector: DETECTOR, landmarker: selfie }, { backend: 'cpu' })).rejects.toThrow(/expected an output \[1, 195\] \(landmarks\)/);
  }, 120_000);
});
