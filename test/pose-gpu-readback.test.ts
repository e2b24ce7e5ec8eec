// createPoseLandmarker on WebGPU, the whole frame on the GPU (src/tasks/gpu-pose.ts): detector → ssd_decode →
// detection_roi → crop → landmark model → pose_landmarks (+ roi_mask) → one readback. Checked against the same task
// with that chain switched off (the landmark model's raw outputs read back and decoded on the CPU, the path it
// replaces), on the astronaut photo, the photo turned 90° and a frame without a person; readbacks counted.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPoseLandmarker, type PoseLandmarker, type PoseResult } from '../src/tasks/index.js';
import { GpuPoseChain } from '../src/tasks/gpu-pose.js';
import { refineFromHeatmap } from '../src/tasks/pose-landmarker.js';
import { POSE_LANDMARKS } from '../src/tasks/params.js';
import { roiToSource } from '../src/tasks/roi.js';
import { deviceStrides, executorOf } from '../src/vision/input.js';
import { poseDetectorBytes, poseLandmarkBytes } from '../scripts/mediapipe-assets.js';
import { getTestDevice, readBuffer } from './support/gpu.js';
import { decodePng } from './support/photo.js';
import { turn90, type Image } from './support/roi-ref.js';
import { PHOTO } from './support/tflite-ref.js';

const photo = decodePng(readFileSync(PHOTO));
const astronaut: Image = { data: photo.rgb, width: photo.width, height: photo.height };
const blank: Image = { data: new Uint8Array(320 * 240 * 3).fill(128), width: 320, height: 240 };
const MODELS = { detector: poseDetectorBytes(), landmarker: poseLandmarkBytes('full') };
/**
 * The chain vs the path it replaces, end to end: landmarks, z and ROI in px, visibility and presence, the mask. The
 * chain's ROI comes from f32 arithmetic on the GPU (the old path's from float64 on the page): 1e-5 to 1e-4 px apart,
 * the crops differ by that and the model's outputs move by up to ~1e-2 px (z, ~10² crop pixels, by ~3e-2). The
 * decoding itself is checked apart (DECODE_TOL) on the very outputs the chain decoded.
 */
const TOL = { px: 0.05, z: 0.1, prob: 1e-3, mask: 5e-3 };
/** The kernels against a float64 decode of the same model outputs and ROI record: landmarks and z in px, the mask. */
const DECODE_TOL = { px: 0.01, mask: 1e-4 };

const tasks: PoseLandmarker[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  while (tasks.length) tasks.pop()!.dispose();
});

async function task(chain: boolean, segmentation: boolean | 'gpu' = false, minDetectionScore?: number): Promise<PoseLandmarker> {
  const gpu = await getTestDevice();
  // without the chain the task reads the landmark model's outputs back and decodes them on the CPU
  const spy = chain ? undefined : vi.spyOn(GpuPoseChain, 'create').mockResolvedValue(undefined);
  const t = await createPoseLandmarker(MODELS, { backend: 'webgpu', gpu, segmentation, ...(minDetectionScore === undefined ? {} : { minDetectionScore }) });
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

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The landmark model's outputs the chain just decoded (its output buffers, read here by the test) decoded again in
 * float64 — refineFromHeatmap, roiToSource, the sigmoids, the mask projection written out here — with the ROI the
 * chain reported; against what the chain returned.
 */
async function checkDecode(t: PoseLandmarker, got: PoseResult, width: number, height: number, label: string): Promise<void> {
  const exec = executorOf(t.landmarker)!;
  const { device } = exec.gpu;
  const out = (shape: string) => t.landmarker.outputs.find((o) => o.shape.join() === shape)!.name;
  const read = async (name: string) => {
    const buffer = exec.edgeBuffer(name)!;
    return readBuffer(device, buffer, buffer.size / 4);
  };
  const raw = await read(out('1,195'));
  const heatName = out('1,64,64,39');
  const heatDev = await read(heatName);
  const hs = deviceStrides([1, 64, 64, 39], 'nhwc', exec.isRaw(heatName));
  const heat = new Float32Array(64 * 64 * 39);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) for (let c = 0; c < 39; c++) heat[(y * 64 + x) * 39 + c] = heatDev[y * hs.y + x * hs.x + c * hs.c]!;
  const uv = refineFromHeatmap(raw, heat, 64, 64, POSE_LANDMARKS);
  let [px, dz, dp] = [0, 0, 0];
  got.landmarks.forEach((l, i) => {
    const [x, y] = roiToSource(got.roi, uv[2 * i]!, uv[2 * i + 1]!);
    px = Math.max(px, Math.hypot(l.x - x, l.y - y));
    dz = Math.max(dz, Math.abs(l.z - (raw[5 * i + 2]! / 256) * got.roi.size));
    dp = Math.max(dp, Math.abs(l.visibility - sig(raw[5 * i + 3]!)), Math.abs(l.presence - sig(raw[5 * i + 4]!)));
  });
  let dm = 0;
  if (got.mask) {
    const maskName = out('1,256,256,1');
    const ms = deviceStrides([1, 256, 256, 1], 'nhwc', exec.isRaw(maskName));
    const logits = await read(maskName);
    const r = got.roi;
    const m = (u: number, v: number) => sig(logits[v * ms.y + u * ms.x]!);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const [dx, dy] = [x - r.x, y - r.y];
        const u = ((Math.cos(r.rotation) * dx + Math.sin(r.rotation) * dy) / r.size) * 256 + 128;
        const v = ((-Math.sin(r.rotation) * dx + Math.cos(r.rotation) * dy) / r.size) * 256 + 128;
        let want = 0;
        if (u >= 0 && v >= 0 && u <= 255 && v <= 255) {
          const [u0, v0] = [Math.min(Math.floor(u), 254), Math.min(Math.floor(v), 254)];
          const [fu, fv] = [u - u0, v - v0];
          want = (1 - fv) * ((1 - fu) * m(u0, v0) + fu * m(u0 + 1, v0)) + fv * ((1 - fu) * m(u0, v0 + 1) + fu * m(u0 + 1, v0 + 1));
        }
        dm = Math.max(dm, Math.abs(got.mask[y * width + x]! - want));
      }
  }
  console.log(`${label}, the kernels vs float64 on the same outputs: landmarks ${px.toExponential(2)} px, z ${dz.toExponential(2)} px, visibility/presence ${dp.toExponential(2)}${got.mask ? `, mask ${dm.toExponential(2)}` : ''}`);
  expect(px).toBeLessThanOrEqual(DECODE_TOL.px);
  expect(dz).toBeLessThanOrEqual(DECODE_TOL.px);
  expect(dp).toBeLessThanOrEqual(1e-6);
  expect(dm).toBeLessThanOrEqual(DECODE_TOL.mask);
}

/** Every output of the landmark model as its buffer holds it now. */
async function landmarkOutputs(t: PoseLandmarker): Promise<Float32Array[]> {
  const exec = executorOf(t.landmarker)!;
  return Promise.all(t.landmarker.outputs.map((o) => readBuffer(exec.gpu.device, exec.edgeBuffer(o.name)!, exec.edgeBuffer(o.name)!.size / 4)));
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
      await checkDecode(gpu, got.result[0]!, img.width, img.height, `pose ${name}${segmentation ? ' (segmentation)' : ''}`);
      console.log(`pose ${name}${segmentation ? ' (segmentation)' : ''}: before ${want.readbacks + want.engine} readbacks, after ${got.readbacks} (${got.bytes} bytes)`);
      expect([got.readbacks, got.engine]).toEqual([1, 0]);
      // the ROI record and 35 × 5 landmark values (764 bytes, the buffer 16-byte aligned), and the mask in source pixels
      expect(got.bytes).toBe(Math.ceil((4 * (16 + 35 * 5)) / 16) * 16 + (segmentation ? 4 * img.width * img.height : 0));
    }
  }, 600_000);

  it("segmentation 'gpu': the projected mask stays on the GPU (maskOnGpu), equal to the one read back with segmentation true; not read back", async () => {
    const [resident, read] = [await task(true, 'gpu'), await task(true, true)];
    const got = await counted(resident, () => resident.detect(astronaut));
    const [want] = await read.detect(astronaut);
    expect(got.result[0]!.mask).toBeUndefined();
    expect([got.readbacks, got.bytes]).toEqual([1, 768]);
    const seg = resident.maskOnGpu()!;
    expect([seg.mask.width, seg.mask.height, seg.mask.strides, seg.region]).toEqual([astronaut.width, astronaut.height, { y: astronaut.width, x: 1 }, { x: 0, y: 0, w: astronaut.width, h: astronaut.height }]);
    const mask = await readBuffer(executorOf(resident.landmarker)!.gpu.device, seg.mask.buffer, astronaut.width * astronaut.height);
    expect(mask).toEqual(want!.mask);
    expect(read.maskOnGpu()).toBeDefined();
  }, 600_000);

  it('detectForVideo: the tracked frame reads back once and equals the CPU decode; the first frame (nothing tracked) reads the detection back first', async () => {
    const [gpu, cpu] = [await task(true), await task(false)];
    for (const [ts, readbacks] of [[0, 2], [33, 1]] as const) {
      const got = await counted(gpu, () => gpu.detectForVideo(astronaut, ts));
      const want = await counted(cpu, () => cpu.detectForVideo(astronaut, ts));
      compare(got.result[0]!, want.result[0]!, `pose video frame at ${ts} ms`);
      await checkDecode(gpu, got.result[0]!, astronaut.width, astronaut.height, `pose video frame at ${ts} ms`);
      expect([got.readbacks, got.engine]).toEqual([readbacks, 0]);
      expect(got.bytes).toBe(768 + (ts ? 0 : 64));
    }
    expect(gpu.stats).toMatchObject({ frames: 2, detections: 1, gpuDecoded: 1, readbacks: 3 });
  }, 600_000);

  it('a frame without a person: nothing, one readback, no landmark run (detect: its dispatches sized 0 on the GPU; video: not submitted)', async () => {
    const gpu = await task(true);
    await gpu.detect(astronaut);
    const outputs = await landmarkOutputs(gpu);
    const none = await counted(gpu, () => gpu.detect(blank));
    expect(none.result).toEqual([]);
    expect([none.readbacks, none.engine]).toEqual([1, 0]);
    // the landmark model's outputs still hold the astronaut's: it did not run on the blank frame's (zero) crop
    expect(await landmarkOutputs(gpu)).toEqual(outputs);
    // tracking: a person, then none (tracking ends), none again (nothing tracked: the detector alone), the person again
    expect((await gpu.detectForVideo(astronaut, 0)).length).toBe(1);
    const lost = await counted(gpu, () => gpu.detectForVideo(blank, 33));
    expect([lost.result, lost.readbacks, lost.bytes]).toEqual([[], 1, 768]);
    const runs = executorOf(gpu.landmarker)!.stats.submits;
    const empty = await counted(gpu, () => gpu.detectForVideo(blank, 66));
    expect([empty.result, empty.readbacks, empty.bytes]).toEqual([[], 1, 64]);
    expect(executorOf(gpu.landmarker)!.stats.submits).toBe(runs);
    const again = await counted(gpu, () => gpu.detectForVideo(astronaut, 99));
    expect([again.result.length, again.readbacks]).toEqual([1, 2]);
    expect(gpu.stats).toMatchObject({ frames: 6, detections: 5, readbacks: 8 });
  }, 600_000);

  it('an overflow frame (every box over a threshold of 0) is redone on the read-back path; its engine readbacks count in stats.readbacks', async () => {
    const gpu = await task(true, false, 0);
    const got = await counted(gpu, () => gpu.detect(astronaut));
    expect(got.result.length).toBe(1);
    // the chain's frame (overflow flagged) and the GPU decode's (overflow again), then the detector's and the landmark
    // model's outputs read back by the engine, one mapAsync each: all of them in stats.readbacks
    expect(got.engine).toBe(gpu.detector.outputs.length + gpu.landmarker.outputs.length);
    expect(got.readbacks).toBe(2 + got.engine);
    expect(gpu.stats.gpuDecoded).toBe(0);
  }, 600_000);
});
