// createHandLandmarker on WebGPU, the whole frame on the GPU (src/tasks/gpu-hand.ts): palm detector → ssd_decode →
// detection_roi → per slot crop → landmark model → hand_landmarks → one readback. Checked against the same task with
// that chain switched off (the landmark model's raw outputs read back and decoded on the CPU, the path it replaces),
// on fixtures/photos/hand.png, the same turned 90°, the hand beside its mirror image (numHands 2, tracked over a
// second video frame) and the astronaut photo (no palm); readbacks counted.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHandLandmarker, type HandLandmarker, type HandResult } from '../src/tasks/index.js';
import { GpuHandChain } from '../src/tasks/gpu-hand.js';
import { executorOf } from '../src/vision/input.js';
import { mediapipeModel } from '../scripts/mediapipe-assets.js';
import { getTestDevice, readBuffer } from './support/gpu.js';
import { pngImage, turn90, withMirror, type Image } from './support/roi-ref.js';
import { PHOTO } from './support/tflite-ref.js';

const hand = pngImage('fixtures/photos/hand.png');
const twoHands = withMirror(hand);
const MODELS = { detector: mediapipeModel('hands', 'palm_detection_full.tflite'), landmarker: mediapipeModel('hands', 'hand_landmark_full.tflite') };
/** GPU chain vs the CPU decode: landmarks, z and the ROI in px, world landmarks in m, flag and handedness scores. */
const TOL = { px: 0.01, world: 1e-6, score: 1e-5 };
/** Floats per slot in the result: the ROI record (16) and 21 × 3 landmarks and world landmarks. */
const SLOT_BYTES = 4 * (16 + 6 * 21);

const tasks: HandLandmarker[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  while (tasks.length) tasks.pop()!.dispose();
});

async function task(chain: boolean, numHands: number, minDetectionScore?: number): Promise<HandLandmarker> {
  const gpu = await getTestDevice();
  // without the chain the task reads the landmark model's outputs back and decodes them on the CPU
  const spy = chain ? undefined : vi.spyOn(GpuHandChain, 'create').mockResolvedValue(undefined);
  const t = await createHandLandmarker(MODELS, { backend: 'webgpu', gpu, numHands, ...(minDetectionScore === undefined ? {} : { minDetectionScore }) });
  spy?.mockRestore();
  tasks.push(t);
  return t;
}

function compare(got: HandResult[], want: HandResult[], label: string): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    const px = Math.max(...g.landmarks.map((l, i) => Math.hypot(l.x - w.landmarks[i]!.x, l.y - w.landmarks[i]!.y)));
    const dz = Math.max(...g.landmarks.map((l, i) => Math.abs(l.z - w.landmarks[i]!.z)));
    const dw = Math.max(...g.worldLandmarks.flatMap((l, i) => [l.x - w.worldLandmarks[i]!.x, l.y - w.worldLandmarks[i]!.y, l.z - w.worldLandmarks[i]!.z].map(Math.abs)));
    const roi = Math.max(Math.abs(g.roi.x - w.roi.x), Math.abs(g.roi.y - w.roi.y), Math.abs(g.roi.size - w.roi.size));
    console.log(`${label} hand ${k}: landmarks ${px.toExponential(2)} px, z ${dz.toExponential(2)} px, world ${dw.toExponential(2)} m, ROI ${roi.toExponential(2)} px, rotation ${Math.abs(g.roi.rotation - w.roi.rotation).toExponential(2)}`);
    expect(px).toBeLessThanOrEqual(TOL.px);
    expect(dz).toBeLessThanOrEqual(TOL.px);
    expect(dw).toBeLessThanOrEqual(TOL.world);
    expect(roi).toBeLessThanOrEqual(TOL.px);
    expect(Math.abs(g.roi.rotation - w.roi.rotation)).toBeLessThan(1e-4);
    expect(g.handedness.label).toBe(w.handedness.label);
    expect(Math.abs(g.handedness.score - w.handedness.score)).toBeLessThan(TOL.score);
    expect(Math.abs(g.score - w.score)).toBeLessThan(TOL.score);
  });
}

/** Every output of the landmark model as its buffer holds it now. */
async function landmarkOutputs(t: HandLandmarker): Promise<Float32Array[]> {
  const exec = executorOf(t.landmarker)!;
  return Promise.all(t.landmarker.outputs.map((o) => readBuffer(exec.gpu.device, exec.edgeBuffer(o.name)!, exec.edgeBuffer(o.name)!.size / 4)));
}

/** Readbacks (mapAsync) and bytes of one call, from the task's stats and from both models' executors. */
async function counted<T>(t: HandLandmarker, call: () => Promise<T>) {
  const execs = [executorOf(t.detector)!, executorOf(t.landmarker)!];
  const [r0, b0, e0] = [t.stats.readbacks, t.stats.bytesReadBack, execs.map((e) => e.stats.readbacks)];
  const result = await call();
  const engine = execs.reduce((n, e, i) => n + e.stats.readbacks - e0[i]!, 0);
  return { result, readbacks: t.stats.readbacks - r0, engine, bytes: t.stats.bytesReadBack - b0 };
}

const IMAGES = [['hand', hand, 1, 1], ['hand turned 90°', turn90(hand), 1, 1], ['two hands', twoHands, 2, 2], ['astronaut (no palm)', pngImage(PHOTO), 1, 0]] as const;

describe('hand landmarker on webgpu: one readback per frame', () => {
  it.each(IMAGES)('detect, %s: the chain equals the CPU decode of the read-back outputs; 1 readback', async (name, img, numHands, hands) => {
    const [gpu, cpu] = [await task(true, numHands), await task(false, numHands)];
    const got = await counted(gpu, () => gpu.detect(img));
    const want = await counted(cpu, () => cpu.detect(img));
    expect(want.result.length).toBe(hands);
    compare(got.result, want.result, `hand ${name}`);
    console.log(`hand ${name}: before ${want.readbacks + want.engine} readbacks, after ${got.readbacks} (${got.bytes} bytes)`);
    expect([got.readbacks, got.engine, got.bytes]).toEqual([1, 0, numHands * SLOT_BYTES]);
  }, 600_000);

  it('detectForVideo, two hands: the tracked frame reads back once and equals the CPU decode; the first (no hand tracked) reads its palms back first', async () => {
    const [gpu, cpu] = [await task(true, 2), await task(false, 2)];
    for (const [ts, readbacks, extra] of [[0, 2, 4 * (2 + 2 * 19)], [33, 1, 0]] as const) {
      const got = await counted(gpu, () => gpu.detectForVideo(twoHands, ts));
      const want = await counted(cpu, () => cpu.detectForVideo(twoHands, ts));
      expect(want.result.length).toBe(2);
      compare(got.result, want.result, `hand video frame at ${ts} ms`);
      expect([got.readbacks, got.engine, got.bytes]).toEqual([readbacks, 0, extra + 2 * SLOT_BYTES]);
    }
    expect(gpu.stats).toMatchObject({ frames: 2, detections: 1, gpuDecoded: 1, readbacks: 3 });
  }, 600_000);

  it('tracking lost on the GPU: a frame without the hand drops it; an empty frame runs palm detection alone; the hand is found again', async () => {
    const blank: Image = { data: new Uint8Array(640 * 480 * 3).fill(128), width: 640, height: 480 };
    const [gpu, cpu] = [await task(true, 1), await task(false, 1)];
    // nothing tracked: the palms first, then the landmarks (2); tracked (1); nothing tracked, no palm: no landmark run (1)
    for (const [img, ts, readbacks] of [[hand, 0, 2], [blank, 33, 1], [blank, 66, 1], [hand, 99, 2]] as const) {
      const runs = executorOf(gpu.landmarker)!.stats.submits;
      const got = await counted(gpu, () => gpu.detectForVideo(img, ts));
      compare(got.result, await cpu.detectForVideo(img, ts), `hand video ${ts} ms`);
      expect([got.readbacks, got.engine]).toEqual([readbacks, 0]);
      if (ts === 66) expect(executorOf(gpu.landmarker)!.stats.submits).toBe(runs);
    }
    expect(gpu.stats).toMatchObject({ frames: 4, detections: 3, readbacks: 6 });
  }, 600_000);

  it('a device lost between frames: the next frames are answered on the CPU, the same hand', async () => {
    const { requestGpu } = await import('../src/gpu/device.js');
    const gpu = (await requestGpu())!;
    const t = await createHandLandmarker(MODELS, { backend: 'webgpu', gpu });
    tasks.push(t);
    const [before] = await t.detect(hand);
    gpu.device.destroy();
    const after = [await t.detect(hand), await t.detectForVideo(hand, 0)];
    expect([t.detector.backend, t.landmarker.backend]).toEqual(['cpu', 'cpu']);
    expect(t.stats).toMatchObject({ frames: 3, detections: 3, readbacks: 1 });
    for (const [got, ...more] of after) {
      expect(more.length).toBe(0);
      const d = Math.max(...got!.landmarks.map((l, i) => Math.hypot(l.x - before!.landmarks[i]!.x, l.y - before!.landmarks[i]!.y)));
      console.log(`hand after the loss (CPU) vs before (GPU chain): ${d.toExponential(2)} px`);
      expect(d).toBeLessThan(0.1);
    }
  }, 600_000);

  it('detect, numHands 3 on one hand: the empty slots run no landmark model (dispatches sized 0 on the GPU), one readback', async () => {
    const [gpu, cpu] = [await task(true, 3), await task(false, 3)];
    const got = await counted(gpu, () => gpu.detect(hand));
    compare(got.result, await cpu.detect(hand), 'hand, numHands 3');
    expect([got.result.length, got.readbacks, got.engine]).toEqual([1, 1, 0]);
    // the model's outputs after the frame are the found hand's (slot 0): slots 1 and 2 ran nothing over them
    const outputs = await landmarkOutputs(gpu);
    const hand0 = await landmarkOutputs(cpu);
    outputs.forEach((o, i) => expect(Math.max(...o.map((v, j) => Math.abs(v - hand0[i]![j]!)))).toBeLessThan(0.05));
    // and a frame without a palm runs none at all: the outputs stay exactly as they were
    const none = await counted(gpu, () => gpu.detect(pngImage(PHOTO)));
    expect([none.result, none.readbacks]).toEqual([[], 1]);
    expect(await landmarkOutputs(gpu)).toEqual(outputs);
  }, 600_000);

  it('an overflow frame (every palm box over a threshold of 0) is redone on the read-back path; its engine readbacks count in stats.readbacks', async () => {
    const gpu = await task(true, 1, 0);
    const got = await counted(gpu, () => gpu.detect(hand));
    expect(got.result.length).toBe(1);
    // the chain's frame and the GPU decode's (overflow both), then the engine's per output: palm detector, one landmark run
    expect(got.engine).toBe(gpu.detector.outputs.length + gpu.landmarker.outputs.length);
    expect(got.readbacks).toBe(2 + got.engine);
  }, 600_000);
});
