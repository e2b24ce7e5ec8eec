// The tasks on the CPU backend with their pixel work and post-processing in the task worker (the default in a
// browser) against the same tasks with `taskWorker: false` (everything on this thread), driven by
// test/task-worker-browser.test.ts.
// Every task worker the page makes is watched: the steps posted to it are counted by name, and the test can kill it.
import { load, type Model } from '../../src/model.js';
import { createFaceDetector, createHandLandmarker, createImageSegmenter, createPoseLandmarker } from '../../src/tasks/index.js';
import type { TaskWorkerOption } from '../../src/tasks/task-steps.js';
import type { ImageSource } from '../../src/vision/source.js';
import { diff } from './page-util.js';

/** Task workers made so far, the steps posted to each, and a kill from outside (as a crash looks to the page). */
const taskWorkers: { worker: Worker; steps: string[]; frames: number; kill(): void }[] = [];
const Native = globalThis.Worker;
globalThis.Worker = class extends Native {
  constructor(url: string | URL, opts?: WorkerOptions) {
    super(url, opts);
    if (opts?.name !== 'sepconv-tasks') return;
    const entry = { worker: this as Worker, steps: [] as string[], frames: 0, kill: () => undefined as void };
    const post = this.postMessage.bind(this);
    this.postMessage = ((m: { step?: string; release?: number; frame?: { source?: unknown } }, t: Transferable[]) => {
      entry.steps.push(m.step ?? 'release');
      if (m.frame?.source) entry.frames++;
      post(m, t);
      if (killNext && killNext.step === m.step && --killNext.skip < 0) {
        killNext = undefined;
        entry.kill();
      }
    }) as Worker['postMessage'];
    const terminate = this.terminate.bind(this);
    entry.kill = () => {
      terminate();
      this.dispatchEvent(new ErrorEvent('error', { message: 'killed by the test' }));
    };
    taskWorkers.push(entry);
  }
};
/** Kill the task worker right after it is posted the `skip`+1-th `step` (it never answers that one). */
let killNext: { step: string; skip: number } | undefined;

const models = new Map<string, Promise<Model>>();
const model = (file: string) => {
  let m = models.get(file);
  if (!m) models.set(file, (m = load(`/models/${file}`, { backend: 'cpu' })));
  return m;
};

async function bitmap(path: string): Promise<ImageBitmap> {
  const blob = await (await fetch(path)).blob();
  return createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
}
const images = new Map<string, Promise<ImageBitmap>>();
const image = (name: 'hand' | 'astronaut') => {
  let b = images.get(name);
  if (!b) images.set(name, (b = bitmap(`/fixtures/photos/${name}.png`)));
  return b;
};

/** The cases: a task on a photo; `worst`: every SSD box above the score threshold (threshold 0). */
export type CaseName = 'face' | 'face worst' | 'hand' | 'hand worst' | 'pose' | 'pose worst' | 'selfie';
type Run = (img: ImageSource, video: number | undefined) => Promise<unknown>;

async function makeCase(name: CaseName, taskWorker: TaskWorkerOption): Promise<{ run: Run; image: ImageBitmap; dispose(): void }> {
  const worst = name.endsWith('worst');
  if (name.startsWith('face')) {
    const t = await createFaceDetector(await model('face_detection_short_range.tflite'), { taskWorker, ...(worst ? { minScore: 0 } : {}) });
    return { run: (i, v) => (v === undefined ? t.detect(i) : t.detectForVideo(i, v)), image: await image('astronaut'), dispose: () => t.dispose() };
  }
  if (name.startsWith('hand')) {
    const t = await createHandLandmarker({ detector: await model('palm_detection_full.tflite'), landmarker: await model('hand_landmark_full.tflite') }, { taskWorker, ...(worst ? { minDetectionScore: 0 } : {}) });
    return { run: (i, v) => (v === undefined ? t.detect(i) : t.detectForVideo(i, v)), image: await image('hand'), dispose: () => t.dispose() };
  }
  if (name.startsWith('pose')) {
    const t = await createPoseLandmarker(
      { detector: await model('pose_detection.tflite'), landmarker: await model('pose_landmark_lite.tflite') },
      { taskWorker, segmentation: true, ...(worst ? { minDetectionScore: 0 } : {}) },
    );
    return { run: (i, v) => (v === undefined ? t.detect(i) : t.detectForVideo(i, v)), image: await image('astronaut'), dispose: () => t.dispose() };
  }
  const t = await createImageSegmenter(await model('selfie_segmentation.tflite'), { taskWorker });
  return { run: (i, v) => (v === undefined ? t.segment(i) : t.segmentForVideo(i, v)), image: await image('astronaut'), dispose: () => t.dispose() };
}


const stepsPosted = () => taskWorkers.flatMap((w) => w.steps);
/** Messages that carried a frame (an ImageBitmap or pixels). */
const framesSent = () => taskWorkers.reduce((a, w) => a + w.frames, 0);
const countSteps = (s: string[]) => Object.fromEntries([...new Set(s)].map((k) => [k, s.filter((x) => x === k).length]));
const size = (r: unknown) => (Array.isArray(r) ? r.length : 1);

/**
 * One image, then three video frames (tracking), in the task worker and on this thread: the largest difference
 * over every number of every result, the results' sizes, and the steps the task worker was posted.
 */
export async function compare(name: CaseName) {
  const before = stepsPosted().length;
  const framesBefore = framesSent();
  const workersBefore = taskWorkers.length;
  const [inWorker, here] = [await makeCase(name, true), await makeCase(name, false)];
  const img = inWorker.image;
  const out = { name, maxDiff: 0, numbers: 0, mismatch: undefined as string | undefined, sizes: [] as number[], steps: {} as Record<string, number>, workers: 0, framesSent: 0 };
  for (const video of [undefined, 0, 33, 66]) {
    const a = await inWorker.run(img, video);
    const b = await here.run(img, video);
    const d = diff(a, b);
    out.maxDiff = Math.max(out.maxDiff, d.max);
    out.numbers += d.numbers;
    out.mismatch ??= d.mismatch;
    out.sizes.push(size(a));
  }
  inWorker.dispose();
  here.dispose();
  out.steps = countSteps(stepsPosted().slice(before));
  out.workers = taskWorkers.length - workersBefore;
  out.framesSent = framesSent() - framesBefore;
  return out;
}

/** The same frame from pixels the caller owns: they are copied to the task worker, never detached. */
export async function callerPixels() {
  const img = await image('astronaut');
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height);
  const pixels = { width: px.width, height: px.height, data: px.data };
  const [a, b] = [await makeCase('pose', true), await makeCase('pose', false)];
  const r = await a.run(pixels, undefined);
  const d = diff(r, await b.run(pixels, undefined));
  a.dispose();
  b.dispose();
  return { maxDiff: d.max, mismatch: d.mismatch, found: size(r), bytesAfter: pixels.data.byteLength, expected: img.width * img.height * 4 };
}

/**
 * Kills the task worker as it is posted `step` (it never answers): the frame is computed on this thread and equals
 * the reference; the next frame starts a new worker; a second death leaves the task on this thread for good.
 */
export async function kill(name: CaseName, step: string) {
  const workersBefore = taskWorkers.length;
  const [t, ref] = [await makeCase(name, true), await makeCase(name, false)];
  const want = await ref.run(t.image, undefined);
  const frames: { maxDiff: number; mismatch?: string; found: number; workers: number; steps: number }[] = [];
  for (let i = 0; i < 4; i++) {
    if (i < 2) killNext = { step, skip: 0 };
    const stepsBefore = stepsPosted().length;
    const r = await t.run(t.image, undefined);
    const d = diff(r, want);
    frames.push({ maxDiff: d.max, mismatch: d.mismatch, found: size(r), workers: taskWorkers.length - workersBefore, steps: stepsPosted().length - stepsBefore });
  }
  killNext = undefined;
  t.dispose();
  ref.dispose();
  return frames;
}

const live = new Map<string, { run: Run; image: ImageBitmap; dispose(): void }>();

/** Opens a case for timing (its first frame outside the measurement). */
export async function open(name: CaseName, taskWorker: boolean) {
  const c = await makeCase(name, taskWorker);
  await c.run(c.image, undefined);
  live.set(`${name}/${taskWorker}`, c);
}

/**
 * `n` frames (detect) of an open case: wall time and the long tasks (PerformanceObserver, the browser's 50 ms
 * threshold) seen meanwhile; the page's busy time is what the test reads from the browser around this call.
 */
export async function frames(name: CaseName, taskWorker: boolean, n: number) {
  const c = live.get(`${name}/${taskWorker}`)!;
  const longTasks: number[] = [];
  const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  obs.observe({ type: 'longtask' });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await c.run(c.image, undefined);
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return { ms, longTasks };
}

export function closeAll() {
  for (const c of live.values()) c.dispose();
  live.clear();
}

/** Times of the page's own steps per frame on the task-worker path (ms, mean of `n`), to see what stays on the page. */
export async function probe(n: number) {
  const { PixelReader } = await import('../../src/vision/source.js');
  const { createImageInput } = await import('../../src/vision/input.js');
  const img = await image('hand');
  const palm = await model('palm_detection_full.tflite');
  const lm = await model('hand_landmark_full.tflite');
  const reader = new PixelReader();
  const input = await createImageInput(palm, { resize: 'letterbox', scale: 1 / 255, mean: 0 });
  const t: Record<string, number> = { read: 0, letterbox: 0, palmRunCall: 0, lmRunCall: 0 };
  const x = new Float32Array(224 * 224 * 3);
  for (let i = 0; i < n; i++) {
    let t0 = performance.now();
    reader.read(img);
    t.read! += performance.now() - t0;
    t0 = performance.now();
    const feed = await input.feed(img);
    t.letterbox! += performance.now() - t0;
    t0 = performance.now();
    const pr = palm.run(feed as never);
    t.palmRunCall! += performance.now() - t0;
    await pr;
    t0 = performance.now();
    const lr = lm.run({ [lm.inputs[0]!.name]: { shape: lm.inputs[0]!.shape, data: x } });
    t.lmRunCall! += performance.now() - t0;
    await lr;
  }
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v / n]));
}
