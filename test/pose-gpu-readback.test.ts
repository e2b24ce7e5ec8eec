// createPoseLandmarker on WebGPU, the whole frame on the GPU (src/tasks/gpu-pose.ts): detector → ssd_decode →
// detection_roi → crop → landmark model → pose_landmarks (+ roi_mask) → one readback. Checked against the same task
// with that chain switched off (the landmark model's raw outputs read back and decoded on the CPU, the path it
// replaces), on the astronaut photo, the photo turned 90° and a frame without a person; readbacks counted.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPoseLandmarker, type PoseLandmarker, type PoseResult } from '../src/tasks/index.js';
import { GpuPoseChain } from '../src/tasks/gpu-pose.js';
import { executorOf } from '../src/vision/input.js';
import { poseDetectorBytes, poseLandmarkBytes } from '../scripts/mediapipe-assets.js';
import { getTestDevice } from './support/gpu.js';
import { decodePng } from './support/photo.js';
import { turn90, type Image } from './support/roi-ref.js';
import { PHOTO } from './support/tflite-ref.js';

const photo = decodePng(readFileSync(PHOTO));
const astronaut: Image = { data: photo.rgb, width: photo.width, height: photo.height };
const blank: Image = { data: new Uint8Array(320 * 240 * 3).fill(128), width: 320, height: 240 };
const MODELS = { detector: poseDetectorBytes(), landmarker: poseLandmarkBytes('full') };
/**
 * GPU chain vs the CPU decode: landmarks and ROI (px), z (px; the model's z output is large, ~10² crop pixels, and the
 * two crops differ by the f32 rounding of their matrices, ~1e-5 px, which moves it by ~1e-2), visibility and
 * presence, the mask.
 */
const TOL = { px: 0.01, z: 0.05, prob: 1e-4, mask: 1e-4 };

const tasks: PoseLandmarker[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  while (tasks.length) tasks.pop()!.dispose();
});

async function task(chain: boolean, segmentation = false): Promise<PoseLandmarker> {
  const gpu = await getTestDevice();
  // without the chain the task reads the landmark model's outputs back and decodes them on the CPU
  const spy = chain ? undefined : vi.spyOn(GpuPoseChain, 'create').mockResolvedValue(undefined);
  const t = await createPoseLandmarker(MODELS, { backend: 'webgpu', gpu, segmentation });
  spy?.mockRestore();
  tasks.push(t);
  return t;
}

function compare(got: PoseResult, want: PoseResult, label: string): void {
  expect(got.landmarks.map((l) => l.name)).toEqual(want.landmarks.map((l) => l.name));
  const d = (f: (l: PoseResult['landmarks'][number]) => number) => Math.max(...got.landmarks.map((l, i) => Math.abs(f(l) - f(want.landmarks[i]!))));
  const px = Math.max(...got.landmarks.map((l, i) => Math.hypot(l.x - want.landmarks[i]!.x, l.y - want.landmarks[i]!.y)));
  const [dz, dv, dp] = [d((l) => l.z), d((l) => l.visibility), d((l) => l.presence)];
  const roi = Math.max(Math.abs(got.roi.x - want.roi.x), Math.abs(got.roi.y - want.roi.y), Math.abs(got.roi.size - want.roi.size));
  console.log(`${label}: landmarks ${px.toExponential(2)} px, z ${dz.toExponential(2)}, visibility ${dv.toExponential(2)}, presence ${dp.toExponential(2)}, ROI ${roi.toExponential(2)} px, rotation ${Math.abs(got.roi.rotation - want.roi.rotation).toExponential(2)}`);
  expect(px).toBeLessThanOrEqual(TOL.px);
  expect(dz).toBeLessThanOrEqual(TOL.z);
  expect(Math.max(dv, dp)).toBeLessThanOrEqual(TOL.prob);
  expect(roi).toBeLessThanOrEqual(TOL.px);
  expect(Math.abs(got.roi.rotation - want.roi.rotation)).toBeLessThan(1e-4);
  expect(Math.abs(got.score - want.score)).toBeLessThan(1e-5);
  if (want.mask) {
    let worst = 0;
    for (let i = 0; i < want.mask.length; i++) worst = Math.max(worst, Math.abs(got.mask![i]! - want.mask[i]!));
    console.log(`${label}: mask worst ${worst.toExponential(2)}`);
    expect(got.mask!.length).toBe(want.mask.length);
    expect(worst).toBeLessThanOrEqual(TOL.mask);
  }
}

/** Readbacks (mapAsync) and bytes of one call, from the task's stats and from both models' executors. */
async function counted<T>(t: PoseLandmarker, call: () => Promise<T>) {
  const execs = [executorOf(t.detector)!, executorOf(t.landmarker)!];
  const [r0, b0, e0] = [t.stats.readbacks, t.stats.bytesReadBack, execs.map((e) => e.stats.readbacks)];
  const result = await call();
  const engine = execs.reduce((n, e, i) => n + e.stats.readbacks - e0[i]!, 0);
  return { result, readbacks: t.stats.readbacks - r0, engine, bytes: t.stats.bytesReadBack - b0 };
}

describe('pose landmarker on webgpu: one readback per frame', () => {
  it.each([false, true])('detect, segmentation %s: the chain equals the CPU decode of the read-back outputs; 1 readback', async (segmentation) => {
    const [gpu, cpu] = [await task(true, segmentation), await task(false, segmentation)];
    for (const [name, img] of [['astronaut', astronaut], ['astronaut turned 90°', turn90(astronaut)]] as const) {
      const got = await counted(gpu, () => gpu.detect(img));
      const want = await counted(cpu, () => cpu.detect(img));
      expect(got.result.length).toBe(1);
      expect(want.result.length).toBe(1);
      compare(got.result[0]!, want.result[0]!, `pose ${name}${segmentation ? ' (segmentation)' : ''}`);
      console.log(`pose ${name}${segmentation ? ' (segmentation)' : ''}: before ${want.readbacks + want.engine} readbacks, after ${got.readbacks} (${got.bytes} bytes)`);
      expect([got.readbacks, got.engine]).toEqual([1, 0]);
      expect(got.bytes).toBe(4 * (16 + 35 * 5) + 16 - ((4 * (16 + 35 * 5)) % 16 || 16) + (segmentation ? 4 * img.width * img.height : 0));
    }
  }, 600_000);

  it('detectForVideo: the tracked frame reads back once too and equals the CPU decode', async () => {
    const [gpu, cpu] = [await task(true), await task(false)];
    for (const ts of [0, 33]) {
      const got = await counted(gpu, () => gpu.detectForVideo(astronaut, ts));
      const want = await counted(cpu, () => cpu.detectForVideo(astronaut, ts));
      compare(got.result[0]!, want.result[0]!, `pose video frame at ${ts} ms`);
      expect([got.readbacks, got.engine]).toEqual([1, 0]);
    }
    expect(gpu.stats).toMatchObject({ frames: 2, detections: 1, gpuDecoded: 1, readbacks: 2 });
  }, 600_000);

  it('a frame without a person: nothing, one readback (the landmark model ran on a zero crop, dropped by its record)', async () => {
    const gpu = await task(true);
    const none = await counted(gpu, () => gpu.detect(blank));
    expect(none.result).toEqual([]);
    expect([none.readbacks, none.engine]).toEqual([1, 0]);
    // tracking: a person, then none (tracking ends), then the person found again by the detector
    expect((await gpu.detectForVideo(astronaut, 0)).length).toBe(1);
    expect(await gpu.detectForVideo(blank, 33)).toEqual([]);
    const again = await counted(gpu, () => gpu.detectForVideo(astronaut, 66));
    expect(again.result.length).toBe(1);
    expect(gpu.stats).toMatchObject({ frames: 4, detections: 3, readbacks: 4 });
  }, 600_000);
});
