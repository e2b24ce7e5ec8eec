// createHandLandmarker against MediaPipe's own hand solution, @mediapipe/hands (its wasm, hands.binarypb and models
// from node_modules) in headless Chromium, on the hand photo and the photo turned 90°, both model complexities
// (1: palm_detection_full + hand_landmark_full, 0: the lite pair). The solution is reset before each image, so each
// runs palm detection, as static-image mode does. MediaPipe's graph runs two ways, both its own code: with
// useCpuInference (TFLite on its wasm CPU, float32; its GL letterbox, crop and the rest of the graph unchanged) and
// as shipped for Chromium on Linux (inference on WebGL, in half precision: its handedness scores are float16 values).
// Asserted: ours (CPU backend, and WebGPU for the full models) within 1 px of the CPU-inference solution on all 21
// landmarks, the same handedness; within WEBGL_PX of the WebGL solution, which is as far from its own CPU-inference
// run (printed): the WebGL inference's precision, not the pipeline (see docs/TASKS.md).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandLandmarker, type HandLandmarker, type HandResult } from '../src/tasks/index.js';
import { mediapipeModel } from '../scripts/mediapipe-assets.js';
import { getTestDevice } from './support/gpu.js';
import { solutionRun } from './support/mediapipe-solution.js';
import { decodePng } from './support/photo.js';
import { turn90, type Image } from './support/roi-ref.js';
import type { HandsOptions, MpHand } from './pages/mediapipe-hands.js';

const png = decodePng(readFileSync('fixtures/photos/hand.png'));
const hand: Image = { data: png.rgb, width: png.width, height: png.height };
const IMAGES = { hand, 'hand turned 90°': turn90(hand) } as const;
type Name = keyof typeof IMAGES;
const NAMES = Object.keys(IMAGES) as Name[];
type Variant = 'full' | 'lite';
/** Measured worst landmark of the WebGL solution: 1.15 px from ours and from its own CPU inference (full), 1.28 px (lite). */
const WEBGL_PX = 1.5;

/** MediaPipe's hands per image, [CPU inference, WebGL]: one solution each for all the images. */
const refs = new Map<Variant, Promise<MpHand[][][]>>();
function reference(variant: Variant): Promise<MpHand[][][]> {
  const run = (useCpuInference: boolean) =>
    solutionRun<MpHand[][], HandsOptions>('/test/pages/mediapipe-hands.html', NAMES.map((n) => IMAGES[n]), { modelComplexity: variant === 'full' ? 1 : 0, useCpuInference });
  let r = refs.get(variant);
  if (!r) refs.set(variant, (r = (async () => [await run(true), await run(false)])()));
  return r;
}

const tasks = new Map<string, HandLandmarker>();
afterAll(() => tasks.forEach((t) => t.dispose()));
async function ours(variant: Variant, backend: 'cpu' | 'webgpu', img: Image): Promise<HandResult[]> {
  let task = tasks.get(`${variant} ${backend}`);
  if (!task) {
    const models = { detector: mediapipeModel('hands', `palm_detection_${variant}.tflite`), landmarker: mediapipeModel('hands', `hand_landmark_${variant}.tflite`) };
    task = await createHandLandmarker(models, backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
    tasks.set(`${variant} ${backend}`, task);
  }
  return task.detect(img);
}

type Points = readonly (readonly number[])[];
/** Per-landmark distances in source pixels, their max and mean. */
function distances(a: Points, b: Points): { d: number[]; max: number; mean: number } {
  const d = a.map((p, i) => Math.hypot(p[0]! - b[i]![0]!, p[1]! - b[i]![1]!));
  return { d, max: Math.max(...d), mean: d.reduce((s, v) => s + v, 0) / d.length };
}
const fmt = (r: { max: number; mean: number }) => `max ${r.max.toFixed(4)} mean ${r.mean.toFixed(4)} px`;
/** The model's raw handedness output (the probability of 'Left'), from the label and its score. */
const leftProbability = (h: { label: string; score: number }) => (h.label === 'Left' ? h.score : 1 - h.score);
/** A value in (0, 1) that float16 holds exactly: 11 significant bits. */
const isHalf = (v: number) => Number.isInteger(v * 2 ** (10 - Math.floor(Math.log2(v))));

describe('hand landmarker vs @mediapipe/hands in Chromium', () => {
  it.each([
    ['full', 'hand'],
    ['full', 'hand turned 90°'],
    ['lite', 'hand'],
    ['lite', 'hand turned 90°'],
  ] as const)('%s: %s', async (variant, name) => {
    const [cpuRefs, glRefs] = await reference(variant);
    const [cpuRef, glRef] = [cpuRefs![NAMES.indexOf(name)]!, glRefs![NAMES.indexOf(name)]!];
    expect([cpuRef.length, glRef.length], 'MediaPipe finds one hand').toEqual([1, 1]);
    const [c, g] = [cpuRef[0]!, glRef[0]!];
    const mpSelf = distances(g.landmarks, c.landmarks);
    const lines = [
      `${variant} ${name}: MediaPipe WebGL vs its own CPU inference ${fmt(mpSelf)}; handedness ${c.handedness.label} ${c.handedness.score.toFixed(5)} (CPU inference), ${g.handedness.label} ${g.handedness.score} (WebGL)`,
    ];
    expect(g.handedness.label).toBe(c.handedness.label);
    expect(isHalf(leftProbability(g.handedness)), 'WebGL inference in float16').toBe(true);
    expect(isHalf(leftProbability(c.handedness)), 'CPU inference in float32').toBe(false);
    for (const backend of variant === 'full' ? (['cpu', 'webgpu'] as const) : (['cpu'] as const)) {
      const got = await ours(variant, backend, IMAGES[name]);
      expect(got.length).toBe(1);
      const h = got[0]!;
      const xy = h.landmarks.map((l) => [l.x, l.y]);
      const [vc, vg] = [distances(xy, c.landmarks), distances(xy, g.landmarks)];
      const dz = Math.max(...h.landmarks.map((l, i) => Math.abs(l.z - c.landmarks[i]![2]!)));
      lines.push(`  ours ${backend}: vs CPU inference ${fmt(vc)} (z ${dz.toFixed(4)} px), vs WebGL ${fmt(vg)}; ${h.handedness.label} ${h.handedness.score.toFixed(5)}`);
      lines.push(`    per landmark vs WebGL, px: ${vg.d.map((v) => v.toFixed(2)).join(' ')}`);
      expect(vc.max).toBeLessThanOrEqual(1);
      expect(dz).toBeLessThanOrEqual(1);
      expect(vg.max).toBeLessThanOrEqual(WEBGL_PX);
      expect(h.handedness.label).toBe(c.handedness.label);
      expect(Math.abs(h.handedness.score - c.handedness.score)).toBeLessThan(1e-3);
    }
    console.log(lines.join('\n'));
  }, 240_000);
});
