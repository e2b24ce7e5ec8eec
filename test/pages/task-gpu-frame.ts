// The tasks on WebGPU fed an ImageBitmap, a canvas, an OffscreenCanvas, a <video> or a VideoFrame (the frame goes to
// a texture with copyExternalImageToTexture, the letterbox and the crops sample it) against the same tasks fed the
// same pixels as ImageData (the upload path: writeTexture), driven by test/task-gpu-frame-browser.test.ts. Counted
// while the source runs: CPU pixel reads (getImageData on any 2-D context), GPU buffers, textures and bind groups
// created, readbacks.
import { requestGpu } from '../../src/gpu/device.js';
import { load, type Model } from '../../src/model.js';
import { createFaceDetector, createHandLandmarker, createPoseLandmarker } from '../../src/tasks/index.js';
import { executorOf } from '../../src/vision/input.js';
import type { ImageSource } from '../../src/vision/source.js';
import { diff, videoOf } from './page-util.js';

const counts = { pixelReads: 0, buffers: 0, textures: 0, bindGroups: 0 };
for (const proto of [CanvasRenderingContext2D.prototype, OffscreenCanvasRenderingContext2D.prototype]) {
  const get = proto.getImageData;
  proto.getImageData = function (this: CanvasRenderingContext2D, ...a: Parameters<typeof get>) {
    counts.pixelReads++;
    return get.apply(this, a);
  } as typeof get;
}
const dev = GPUDevice.prototype;
for (const [name, key] of [['createBuffer', 'buffers'], ['createTexture', 'textures'], ['createBindGroup', 'bindGroups']] as const) {
  const f = dev[name] as (...a: unknown[]) => unknown;
  (dev as unknown as Record<string, unknown>)[name] = function (this: GPUDevice, ...a: unknown[]) {
    counts[key]++;
    return f.apply(this, a);
  };
}

// one device for every model (a task's two models must share one for its WebGPU chain)
const gpu = requestGpu();
const models = new Map<string, Promise<Model>>();
const model = (file: string) => {
  let m = models.get(file);
  if (!m) models.set(file, (m = gpu.then((g) => load(`/models/${file}`, { backend: 'webgpu', gpu: g }))));
  return m;
};

async function photo(name: 'hand' | 'astronaut'): Promise<ImageBitmap> {
  const blob = await (await fetch(`/fixtures/photos/${name}.png`)).blob();
  return createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
}


/** What the CPU sees of a source: the reference task gets these pixels. */
function pixelsOf(s: CanvasImageSource, w: number, h: number): ImageData {
  const ctx = new OffscreenCanvas(w, h).getContext('2d')!;
  ctx.drawImage(s, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

export type SourceKind = 'bitmap' | 'canvas' | 'offscreen' | 'video' | 'videoframe';
export type TaskName = 'face' | 'hand' | 'pose';

async function source(kind: SourceKind, img: ImageBitmap): Promise<{ source: ImageSource; px: ImageData; close(): void }> {
  const [w, h] = [img.width, img.height];
  if (kind === 'bitmap') return { source: img, px: pixelsOf(img, w, h), close: () => undefined };
  if (kind === 'offscreen') {
    const c = new OffscreenCanvas(w, h);
    c.getContext('2d')!.drawImage(img, 0, 0);
    return { source: c, px: pixelsOf(c, w, h), close: () => undefined };
  }
  const c = document.createElement('canvas');
  [c.width, c.height] = [w, h];
  c.getContext('2d')!.drawImage(img, 0, 0);
  if (kind === 'canvas') return { source: c, px: pixelsOf(c, w, h), close: () => undefined };
  const video = await videoOf(c);
  if (kind === 'video') return { source: video, px: pixelsOf(video, video.videoWidth, video.videoHeight), close: () => (video.srcObject as MediaStream).getTracks().forEach((t) => t.stop()) };
  const frame = new VideoFrame(video, { timestamp: 0 });
  const px = pixelsOf(frame, frame.displayWidth, frame.displayHeight);
  return {
    source: frame,
    px,
    close: () => {
      frame.close();
      (video.srcObject as MediaStream).getTracks().forEach((t) => t.stop());
    },
  };
}

type Run = (img: ImageSource, video: number | undefined) => Promise<unknown>;
interface Task {
  run: Run;
  stats: { readbacks: number };
  dispose(): void;
}

async function makeTask(name: TaskName): Promise<Task> {
  const wrap = (t: { detect(i: ImageSource): Promise<unknown>; detectForVideo(i: ImageSource, ts: number): Promise<unknown>; stats: { readbacks: number }; dispose(): void }): Task => ({
    run: (i, v) => (v === undefined ? t.detect(i) : t.detectForVideo(i, v)),
    stats: t.stats,
    dispose: () => t.dispose(),
  });
  if (name === 'face') return wrap(await createFaceDetector(await model('face_detection_short_range.tflite')));
  if (name === 'hand') return wrap(await createHandLandmarker({ detector: await model('palm_detection_full.tflite'), landmarker: await model('hand_landmark_full.tflite') }, { numHands: 2 }));
  return wrap(await createPoseLandmarker({ detector: await model('pose_detection.tflite'), landmarker: await model('pose_landmark_lite.tflite') }));
}


const snapshot = () => ({ ...counts });
const since = (c: typeof counts) => ({ pixelReads: counts.pixelReads - c.pixelReads, buffers: counts.buffers - c.buffers, textures: counts.textures - c.textures, bindGroups: counts.bindGroups - c.bindGroups });

/**
 * One image, then three video frames (tracking), fed `kind` and fed its pixels as ImageData: the largest difference,
 * the results' sizes, what the source's frames cost (pixel reads and readbacks over all four; GPU objects created
 * after the first frame), and each path's milliseconds per frame over `timed` more video frames.
 */
export async function compare(name: TaskName, kind: SourceKind, timed = 0) {
  const img = await photo(name === 'hand' ? 'hand' : 'astronaut');
  const src = await source(kind, img);
  const [direct, upload] = [await makeTask(name), await makeTask(name)];
  const out = { maxDiff: 0, numbers: 0, mismatch: undefined as string | undefined, sizes: [] as number[], pixelReads: 0, readbacks: [] as number[], uploadReadbacks: [] as number[], createdAfterFirst: since(snapshot()), ms: { direct: 0, upload: 0 } };
  try {
    const before = snapshot();
    let afterFirst = snapshot();
    for (const video of [undefined, 0, 33, 66]) {
      const [r0, u0] = [direct.stats.readbacks, upload.stats.readbacks];
      const a = await direct.run(src.source, video);
      if (video === undefined) afterFirst = snapshot();
      const reads = counts.pixelReads;
      const b = await upload.run(src.px, video);
      counts.pixelReads = reads;
      out.readbacks.push(direct.stats.readbacks - r0);
      out.uploadReadbacks.push(upload.stats.readbacks - u0);
      const d = diff(a, b);
      out.maxDiff = Math.max(out.maxDiff, d.max);
      out.numbers += d.numbers;
      out.mismatch ??= d.mismatch;
      out.sizes.push(Array.isArray(a) ? a.length : 1);
    }
    out.pixelReads = since(before).pixelReads;
    // the reference task's objects are not counted: it ran between, so count the source's frames 2–4 once more alone,
    // once the kernels a model swaps in after its first call (Dispatch.upgrade: a bind group each, once) are in place
    await Promise.all([...models.values()].map(async (m) => executorOf(await m)?.upgraded()));
    afterFirst = snapshot();
    for (const video of [99, 133, 166]) await direct.run(src.source, video);
    out.createdAfterFirst = since(afterFirst);
    for (let i = 0; i < timed; i++) {
      for (const [t, s, k] of [[direct, src.source, 'direct'], [upload, src.px, 'upload']] as const) {
        const t0 = performance.now();
        await t.run(s, 200 + 33 * i);
        out.ms[k] += (performance.now() - t0) / timed;
      }
    }
  } finally {
    direct.dispose();
    upload.dispose();
    src.close();
  }
  return out;
}
