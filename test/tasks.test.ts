// The vision task layer (src/tasks) against a float64 implementation of MediaPipe's published decoding written
// here, fed with LiteRT.js's raw outputs for the same input (test/support/tflite-ref.ts): the astronaut photo
// (512², so MediaPipe's letterbox equals the plain resize the reference page does). A second image (two copies side
// by side: two faces, letterboxed) is checked against the same decoding of sepconv's CPU raw outputs.
// Acceptance: boxes IoU ≥ 0.98, keypoints within 1 px of the source image, masks IoU ≥ 0.99.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError, TaskModelError } from '../src/errors.js';
import { load } from '../src/model.js';
import { createFaceDetector, createImageSegmenter, ssdAnchors, FACE_DETECTORS, type FaceDetection } from '../src/tasks/index.js';
import { GpuMaskRenderer } from '../src/vision/mask.js';
import { getTestDevice } from './support/gpu.js';
import { maskIou, refAnchorCentres, refDetections } from './support/ssd-ref.js';
import { decodePng } from './support/photo.js';
import { TFLITE_MODELS, modelBytes, references, PHOTO, type Reference } from './support/tflite-ref.js';

const SHORT = 'face_detection/face_detection_short_range.tflite';
const FULL = 'face_detection/face_detection_full_range.tflite';
const SELFIE = 'selfie_segmentation/selfie_segmentation.tflite';
const bytesOf = (file: string) => modelBytes(TFLITE_MODELS.find((c) => c.file === file)!);

let refs: Map<string, Reference>;
const photo = decodePng(readFileSync(PHOTO));
const pixels = { data: photo.rgb, width: photo.width, height: photo.height };
/** Two copies side by side: 1024×512. */
const pair = (() => {
  const { width: w, height: h, rgb } = photo;
  const out = new Uint8Array(2 * w * h * 3);
  for (let y = 0; y < h; y++)
    for (let k = 0; k < 2; k++) out.set(rgb.subarray(y * w * 3, (y + 1) * w * 3), (y * 2 * w + k * w) * 3);
  return { data: out, width: 2 * w, height: h };
})();

beforeAll(async () => {
  refs = await references(TFLITE_MODELS.filter((c) => [SHORT, FULL, SELFIE].includes(c.file)));
}, 300_000);

/** LiteRT.js's selfie mask resized to the photo (bilinear, half-pixel centres, edges clamped). */
function selfieWant(): Float32Array {
  const ref = refs.get(SELFIE)!.outputs[0]!;
  const [mh, mw] = [ref.shape[1]!, ref.shape[2]!];
  const want = new Float32Array(photo.width * photo.height);
  for (let y = 0; y < photo.height; y++)
    for (let x = 0; x < photo.width; x++) {
      const u = Math.min(Math.max(((x + 0.5) * mw) / photo.width - 0.5, 0), mw - 1);
      const v = Math.min(Math.max(((y + 0.5) * mh) / photo.height - 0.5, 0), mh - 1);
      const [x0, y0] = [Math.floor(u), Math.floor(v)];
      const [x1, y1] = [Math.min(x0 + 1, mw - 1), Math.min(y0 + 1, mh - 1)];
      const m = (yy: number, xx: number) => ref.data[yy * mw + xx]!;
      want[y * photo.width + x] = (1 - (v - y0)) * ((1 - (u - x0)) * m(y0, x0) + (u - x0) * m(y0, x1)) + (v - y0) * ((1 - (u - x0)) * m(y1, x0) + (u - x0) * m(y1, x1));
    }
  return want;
}

// --- MediaPipe's decoding in float64, written out for these models (fixed-size anchors, reverse output order) ---
interface RefDet {
  box: [number, number, number, number]; // xmin, ymin, xmax, ymax (model-normalised)
  score: number;
  kp: number[];
}

/** Anchor centres of [stride, anchors per cell] layers on a size² input. */
const anchorCentres = (size: number, layers: [number, number][]) => refAnchorCentres(layers.map(([stride, per]) => [Math.ceil(size / stride), per]));

/** Decode (sigmoid, clip 100, min score) and weighted NMS at IoU 0.3. */
function refDecode(boxes: ArrayLike<number>, scores: ArrayLike<number>, size: number, layers: [number, number][], minScore: number): RefDet[] {
  return refDetections(boxes, scores, anchorCentres(size, layers), { numKeypoints: 6, size, minScore, iou: 0.3 }) as RefDet[];
}

/** Model-normalised → source pixels for a centred letterbox of a w×h image into a size² input. */
function refProject(d: RefDet, size: number, w: number, h: number): { box: number[]; kp: number[] } {
  const s = Math.min(size / w, size / h);
  const dw = Math.max(1, Math.min(size, Math.round(w * s)));
  const dh = Math.max(1, Math.min(size, Math.round(h * s)));
  const ox = Math.floor((size - dw) / 2);
  const oy = Math.floor((size - dh) / 2);
  const px = (nx: number) => ((nx * size - ox) * w) / dw;
  const py = (ny: number) => ((ny * size - oy) * h) / dh;
  return { box: [px(d.box[0]), py(d.box[1]), px(d.box[2]), py(d.box[3])], kp: d.kp.map((v, j) => (j % 2 ? py(v) : px(v))) };
}

function boxIou(a: number[], b: number[]): number {
  const iw = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const ih = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  const area = (r: number[]) => (r[2]! - r[0]!) * (r[3]! - r[1]!);
  return iw <= 0 || ih <= 0 ? 0 : (iw * ih) / (area(a) + area(b) - iw * ih);
}

function expectMatches(got: FaceDetection[], want: { box: number[]; kp: number[] }[], what: string): void {
  expect(got.length, `${what}: number of faces`).toBe(want.length);
  const sorted = [...got].sort((p, q) => p.box.x - q.box.x);
  const wsorted = [...want].sort((p, q) => p.box[0]! - q.box[0]!);
  sorted.forEach((g, i) => {
    const w = wsorted[i]!;
    const gb = [g.box.x, g.box.y, g.box.x + g.box.width, g.box.y + g.box.height];
    expect(boxIou(gb, w.box), `${what}: face ${i} box IoU`).toBeGreaterThanOrEqual(0.98);
    g.keypoints.forEach((k, j) => {
      expect(Math.hypot(k.x - w.kp[2 * j]!, k.y - w.kp[2 * j + 1]!), `${what}: face ${i} keypoint ${k.name}`).toBeLessThanOrEqual(1);
    });
  });
}

const LAYERS: Record<string, [number, number][]> = { [SHORT]: [[8, 2], [16, 6]], [FULL]: [[4, 1]] };
const SIZE: Record<string, number> = { [SHORT]: 128, [FULL]: 192 };
const MIN_SCORE: Record<string, number> = { [SHORT]: 0.5, [FULL]: 0.6 };

describe('SSD anchors', () => {
  it('match the published grids (896 and 2304 anchors, centres as MediaPipe places them)', () => {
    for (const [file, key] of [[SHORT, 'short'], [FULL, 'full']] as const) {
      const a = ssdAnchors(FACE_DETECTORS[key].anchors);
      const c = anchorCentres(SIZE[file]!, LAYERS[file]!);
      expect(a.length / 4).toBe(c.length / 2);
      for (let i = 0; i < c.length / 2; i++) {
        expect(a[4 * i]).toBeCloseTo(c[2 * i]!, 6);
        expect(a[4 * i + 1]).toBeCloseTo(c[2 * i + 1]!, 6);
      }
    }
  });
});

describe.each(['cpu', 'webgpu'] as const)('vision tasks on %s', (backend) => {
  const opts = async () => (backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });

  it.each([SHORT, FULL])('face detector %s: astronaut vs LiteRT.js outputs decoded in float64', async (file) => {
    const ref = refs.get(file)!;
    const [boxes, scores] = [ref.outputs.find((o) => o.shape[2] === 16)!, ref.outputs.find((o) => o.shape[2] === 1)!];
    const want = refDecode(boxes.data, scores.data, SIZE[file]!, LAYERS[file]!, MIN_SCORE[file]!).map((d) => refProject(d, SIZE[file]!, photo.width, photo.height));
    expect(want.length).toBeGreaterThanOrEqual(1);
    const det = await createFaceDetector(bytesOf(file), await opts());
    try {
      expect(det.model.backend).toBe(backend);
      expectMatches(await det.detect(pixels), want, `${file} ${backend}`);
      expectMatches(await det.detect(pixels), want, `${file} ${backend}, second frame`);
      // WebGPU: decode and NMS on the GPU, one readback of the final detections per frame (2 + 32 × 17 floats)
      const raw = SIZE[file] === 128 ? (896 * 17) * 4 : (2304 * 17) * 4;
      expect(det.stats).toEqual({ frames: 2, gpuDecoded: backend === 'webgpu' ? 2 : 0, bytesReadBack: 2 * (backend === 'webgpu' ? 2192 : raw), readbacks: backend === 'webgpu' ? 2 : 0, decodeMs: expect.any(Number) });
    } finally {
      det.dispose();
    }
  }, 300_000);

  it('face detector: two faces in a letterboxed 1024×512 image, against the float64 decoding of the raw outputs', async () => {
    // faces a quarter of the input's height are beyond the short-range model: the full-range one finds both
    const det = await createFaceDetector(bytesOf(FULL), await opts());
    try {
      const found = await det.detect(pair);
      // the raw tensors for the same letterboxed input, from the CPU engine (checked against LiteRT.js elsewhere)
      const raw = await load(bytesOf(FULL), { backend: 'cpu' });
      const { imageToTensor } = await import('../src/vision/input.js');
      const x = imageToTensor(pair, { width: 192, height: 192, resize: 'letterbox', scale: 2 / 255, mean: 1 });
      const outs = await raw.run({ [raw.inputs[0]!.name]: { shape: x.shape, data: x.data as Float32Array } });
      raw.dispose();
      const t = [...outs.values()];
      const want = refDecode(t.find((o) => o.shape[2] === 16)!.data, t.find((o) => o.shape[2] === 1)!.data, 192, LAYERS[FULL]!, 0.6).map((d) => refProject(d, 192, pair.width, pair.height));
      expect(want.length).toBe(2);
      expectMatches(found, want, `pair ${backend}`);
      expect(found.filter((f) => f.box.x + f.box.width / 2 < 512).length).toBe(1);
    } finally {
      det.dispose();
    }
  }, 300_000);

  it('image segmenter: astronaut mask vs LiteRT.js output resized to the photo (IoU at 0.5)', async () => {
    const want = selfieWant();
    const seg = await createImageSegmenter(bytesOf(SELFIE), await opts());
    try {
      const mask = await seg.segment(pixels);
      expect([mask.width, mask.height]).toEqual([photo.width, photo.height]);
      expect(want.filter((m) => m >= 0.5).length / want.length, 'the reference finds a person').toBeGreaterThan(0.1);
      expect(maskIou(mask.confidence, want)).toBeGreaterThanOrEqual(0.99);
    } finally {
      seg.dispose();
    }
  }, 300_000);
});

describe('image segmenter on WebGPU: the mask drawn from the GPU output buffer (segmentOnGpu + GpuMaskRenderer)', () => {
  it('equals LiteRT.js\'s mask resized to the photo; no output tensor is read back; the CPU backend refuses it', async () => {
    const gpu = await getTestDevice();
    const { device } = gpu;
    const seg = await createImageSegmenter(bytesOf(SELFIE), { backend: 'webgpu', gpu });
    const texture = device.createTexture({ size: [photo.width, photo.height], format: 'rgba8unorm', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
    const row = photo.width * 4;
    const read = device.createBuffer({ size: row * photo.height, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const renderer = new GpuMaskRenderer(device, texture);
    const runs = vi.spyOn(seg.model, 'run');
    try {
      const { mask, region } = await seg.segmentOnGpu(pixels);
      expect(region).toEqual({ x: 0, y: 0, w: mask.width, h: mask.height });
      // alpha 1, no threshold: each texel's alpha is the confidence at that photo pixel (rgba8: ½ / 255 rounding)
      await renderer.draw(mask, region, { alpha: 1 });
      expect(runs).not.toHaveBeenCalled();
      const enc = device.createCommandEncoder();
      enc.copyTextureToBuffer({ texture }, { buffer: read, bytesPerRow: row }, [photo.width, photo.height]);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const rgba = new Uint8Array(read.getMappedRange().slice(0));
      read.unmap();
      const got = Float32Array.from({ length: photo.width * photo.height }, (_, i) => rgba[4 * i + 3]! / 255);
      const want = selfieWant();
      const worst = got.reduce((w, g, i) => Math.max(w, Math.abs(g - want[i]!)), 0);
      const iou = maskIou(got, want);
      console.log(`segmenter webgpu → canvas texture: worst |alpha − LiteRT.js confidence| ${worst.toExponential(2)}, IoU ${iou.toFixed(5)}`);
      expect(worst).toBeLessThanOrEqual(2 / 255);
      expect(iou).toBeGreaterThanOrEqual(0.99);
    } finally {
      runs.mockRestore();
      renderer.dispose();
      texture.destroy();
      read.destroy();
      seg.dispose();
    }
    const cpu = await createImageSegmenter(bytesOf(SELFIE), { backend: 'cpu' });
    try {
      await expect(cpu.segmentOnGpu(pixels)).rejects.toThrow(InputError);
    } finally {
      cpu.dispose();
    }
  }, 300_000);
});

describe('SSD decode + weighted NMS kernel (shaders/ssd_decode.wgsl) vs the CPU decoding', () => {
  const rng = (seed: number) => () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  it.each([
    ['a few overlapping clusters', 1, 0.02, 32],
    ['many candidates, ties in score, capped output', 2, 0.6, 5],
    ['more candidates than the kernel keeps: overflow, decoded on the CPU instead', 3, 1.5, 32],
  ])('%s', async (_what, seed, passRate, maxOut) => {
    const { GpuSsdDecoder, MAX_CANDIDATES } = await import('../src/tasks/gpu-decode.js');
    const { decodeDetections, weightedNms } = await import('../src/tasks/index.js');
    const gpu = await getTestDevice();
    const p = FACE_DETECTORS.full;
    const n = p.decode.numBoxes;
    const r = rng(seed);
    const boxes = new Float32Array(n * 16).map((_, i) => (i % 16 === 2 || i % 16 === 3 ? 10 + 30 * r() : (r() - 0.5) * 20));
    // a score passes 0.6 with probability ~passRate; ties: scores drawn from a few values
    const scores = new Float32Array(n).map(() => (r() < passRate ? [1, 2, 3][Math.floor(r() * 3)]! : -3));
    const anchors = ssdAnchors(p.anchors);
    const buf = (data: Float32Array) => {
      const b = gpu.device.createBuffer({ size: data.byteLength, usage: 0x80 | 0x08 });
      gpu.device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const dec = await GpuSsdDecoder.create(gpu.device, buf(boxes), buf(scores), anchors, p, maxOut);
    try {
      const got = await dec.decode();
      const cands = decodeDetections(boxes, scores, anchors, p.decode);
      expect(got.overflow).toBe(cands.length > MAX_CANDIDATES);
      if (got.overflow) return;
      const want = weightedNms(cands, p.nmsIou).slice(0, maxOut);
      expect(want.length).toBeGreaterThan(0);
      expect(got.detections.length).toBe(want.length);
      got.detections.forEach((d, i) => {
        const w = want[i]!;
        expect(d.score).toBeCloseTo(w.score, 5);
        for (const k of ['xmin', 'ymin', 'xmax', 'ymax'] as const) expect(Math.abs(d[k] - w[k])).toBeLessThan(1e-5);
        d.keypoints.forEach((v, k) => expect(Math.abs(v - w.keypoints[k]!)).toBeLessThan(1e-5));
      });
      expect(dec.readbacks).toBe(1);
    } finally {
      dec.dispose();
    }
  }, 120_000);
});

describe('face detector: a lost device still answers', () => {
  it('frames after device.destroy() are answered on the CPU with the same faces', async () => {
    const { requestGpu } = await import('../src/gpu/device.js');
    const gpu = (await requestGpu())!;
    const det = await createFaceDetector(bytesOf(SHORT), { backend: 'webgpu', gpu });
    const cpu = await createFaceDetector(bytesOf(SHORT), { backend: 'cpu' });
    try {
      const want = await cpu.detect(pixels);
      const before = await det.detect(pixels);
      expect(det.stats.gpuDecoded).toBe(1);
      gpu.device.destroy();
      const after = [await det.detect(pixels), await det.detect(pixels)];
      expect(det.model.backend).toBe('cpu');
      expect(det.stats.gpuDecoded).toBe(1);
      expect(det.stats.frames).toBe(3);
      for (const got of [before, ...after]) {
        expect(got.length).toBe(want.length);
        got.forEach((f, i) => {
          const w = want[i]!;
          const gb = [f.box.x, f.box.y, f.box.x + f.box.width, f.box.y + f.box.height];
          expect(boxIou(gb, [w.box.x, w.box.y, w.box.x + w.box.width, w.box.y + w.box.height])).toBeGreaterThanOrEqual(0.98);
        });
      }
    } finally {
      det.dispose();
      cpu.dispose();
    }
  }, 300_000);
});

describe('vision tasks: bad input', () => {
  it('a 0×0 image, a non-increasing timestamp and a model that is not the task\'s are typed errors', async () => {
    const det = await createFaceDetector(bytesOf(SHORT), { backend: 'cpu' });
    try {
      await expect(det.detect({ data: new Uint8Array(0), width: 0, height: 0 })).rejects.toThrow(InputError);
      await expect(det.detect({ data: new Uint8Array(0), width: 0, height: 0 })).rejects.toThrow(/0×0/);
      await det.detectForVideo(pixels, 10);
      await expect(det.detectForVideo(pixels, 10)).rejects.toThrow(/not after the previous frame/);
    } finally {
      det.dispose();
    }
    await expect(createFaceDetector(bytesOf(SELFIE), { backend: 'cpu' })).rejects.toThrow(TaskModelError);
    await expect(createFaceDetector(bytesOf(SELFIE), { backend: 'cpu' })).rejects.toThrow(/input is \[1, 256, 256, 3\]/);
    await expect(createFaceDetector(bytesOf(SELFIE), { backend: 'cpu', variant: 'short' })).rejects.toThrow(/expected an output \[1, 896, 16\]/);
    await expect(createImageSegmenter(bytesOf(SHORT), { backend: 'cpu' })).rejects.toThrow(/expected an output \[1, H, W, 1\]/);
  }, 120_000);
});

describe('vision tasks: video smoothing and drawing', () => {
  it('smoothing moves a matched detection part of the way from the previous frame; off by default', async () => {
    const { DetectionSmoother } = await import('../src/tasks/smoothing.js');
    const at = (x: number) => ({ xmin: x, ymin: 0, xmax: x + 1, ymax: 1, score: 0.9, keypoints: new Float64Array([x, 0.5]) });
    const s = new DetectionSmoother(0.25);
    s.apply([at(0)]);
    const [moved] = s.apply([at(0.2)]);
    expect(moved!.xmin).toBeCloseTo(0.75 * 0.2, 12);
    expect(moved!.keypoints[0]).toBeCloseTo(0.75 * 0.2, 12);
    const [far] = s.apply([at(5)]);
    expect(far!.xmin).toBe(5);
    const off = new DetectionSmoother(0);
    off.apply([at(0)]);
    expect(off.apply([at(0.2)])[0]!.xmin).toBe(0.2);
    await expect(createFaceDetector(bytesOf(SHORT), { backend: 'cpu', smoothing: 1 })).rejects.toThrow(/smoothing must be in \[0, 1\)/);
  });

  it('drawDetections draws each box and keypoint at the canvas scale; maskToRgba tints confident pixels only', async () => {
    const { drawDetections, maskToRgba } = await import('../src/tasks/draw.js');
    const calls: string[] = [];
    const ctx = {
      strokeStyle: '', fillStyle: '', lineWidth: 0,
      beginPath: () => {},
      rect: (...a: number[]) => calls.push(`rect ${a.join(',')}`),
      arc: (x: number, y: number) => calls.push(`arc ${x},${y}`),
      stroke: () => {}, fill: () => {}, fillText: () => {},
    };
    drawDetections(ctx as never, [{ box: { x: 10, y: 20, width: 30, height: 40 }, score: 0.9, keypoints: [{ name: 'noseTip', x: 25, y: 35 }] }], { scale: 0.5 });
    expect(calls).toEqual(['rect 5,10,15,20', 'arc 12.5,17.5']);
    const rgba = maskToRgba({ width: 2, height: 1, confidence: Float32Array.from([0.2, 1]) }, [1, 2, 3], 0.5, 100);
    expect([...rgba.data]).toEqual([0, 0, 0, 0, 1, 2, 3, 100]);
    // the next frame's mask refills the same image: pixels that went below the threshold turn transparent again
    const again = maskToRgba({ width: 2, height: 1, confidence: Float32Array.from([0.75, Number.NaN]) }, [1, 2, 3], 0.5, 100, rgba);
    expect(again).toBe(rgba);
    expect([...again.data]).toEqual([1, 2, 3, 75, 0, 0, 0, 0]);
    expect(maskToRgba({ width: 1, height: 1, confidence: Float32Array.from([2]) }, [1, 2, 3], 0.5, 200, rgba).data).toEqual(Uint8ClampedArray.from([1, 2, 3, 255]));
  });

  it('resampleMask: bilinear with half-pixel centres and clamped edges, from a placed model mask to the source', async () => {
    const { resampleMask } = await import('../src/tasks/project.js');
    const [mw, mh, w, h] = [7, 5, 13, 11];
    const mask = Float32Array.from({ length: mw * mh }, (_, i) => Math.sin(i * 1.7) * 0.5 + 0.5);
    // the source letterboxed into the mask's middle rows (as a 13×11 photo in a square input)
    const p = { src: { x: 0, y: 0, w, h }, dst: { x: 0, y: 0.4, w: mw, h: 4.2 } };
    const got = resampleMask(mask, mw, mh, p as never, w, h);
    const coord = (k: number, n: number, d0: number, dLen: number, m: number) => Math.min(Math.max(d0 + ((k + 0.5) * dLen) / n - 0.5, 0), m - 1);
    let worst = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const [u, v] = [coord(x, w, 0, mw, mw), coord(y, h, 0.4, 4.2, mh)];
        const [x0, y0] = [Math.floor(u), Math.floor(v)];
        const [x1, y1] = [Math.min(x0 + 1, mw - 1), Math.min(y0 + 1, mh - 1)];
        const at = (i: number, j: number) => mask[j * mw + i]!;
        const want = (at(x0, y0) * (1 - (u - x0)) + at(x1, y0) * (u - x0)) * (1 - (v - y0)) + (at(x0, y1) * (1 - (u - x0)) + at(x1, y1) * (u - x0)) * (v - y0);
        worst = Math.max(worst, Math.abs(got[y * w + x]! - want));
      }
    expect(worst).toBeLessThan(1e-6);
  });

  it('drawPoseLandmarks draws the skeleton between visible landmarks only, at the canvas scale', async () => {
    const { drawPoseLandmarks, POSE_CONNECTIONS } = await import('../src/tasks/draw.js');
    const { POSE_LANDMARK_NAMES } = await import('../src/tasks/params.js');
    expect(new Set(POSE_CONNECTIONS.flat()).size).toBe(POSE_LANDMARK_NAMES.length);
    const calls: string[] = [];
    const ctx = {
      strokeStyle: '', fillStyle: '', lineWidth: 0,
      beginPath: () => {},
      moveTo: (x: number, y: number) => calls.push(`move ${x},${y}`),
      lineTo: (x: number, y: number) => calls.push(`line ${x},${y}`),
      arc: (x: number, y: number) => calls.push(`arc ${x},${y}`),
      rect: () => {}, stroke: () => {}, fill: () => {}, fillText: () => {},
    };
    // 11 (left shoulder) and 13 (left elbow) visible, 15 (left wrist) not: one line, two dots
    const landmarks = POSE_LANDMARK_NAMES.map((name, i) => ({ name, x: 2 * i, y: 4 * i, z: 0, visibility: i === 11 || i === 13 ? 0.9 : 0.3, presence: 1 }));
    drawPoseLandmarks(ctx as never, landmarks, { scale: 0.5 });
    expect(calls).toEqual(['move 11,22', 'line 13,26', 'arc 11,22', 'arc 13,26']);
    calls.length = 0;
    drawPoseLandmarks(ctx as never, landmarks, { minVisibility: 0.2 });
    expect(calls.filter((c) => c.startsWith('line')).length).toBe(POSE_CONNECTIONS.length);
  });
});
