// The held-out MediaPipe models (@mediapipe/hands, pose, face_mesh): inputs from the astronaut photo and their
// LiteRT.js (wasm) outputs, run in Chromium by tflite-run-ref.ts and cached under
// node_modules/.cache/sepconv-mediapipe-ref keyed by the model's and the input's bytes and the page's source.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from '../../src/model.js';
import { createFaceDetector } from '../../src/tasks/index.js';
import { ROOT } from './browser.js';
import { mediapipeModel } from '../../scripts/mediapipe-assets.js';
import { decodePng } from './photo.js';
import { resizeBilinear } from './tflite-input.js';
import { liteRtOutputs, type RefOutput } from './tflite-run-ref.js';
import { PHOTO, TFLITE_MODELS, modelBytes } from './tflite-ref.js';

export interface MediapipeCase {
  pkg: string;
  file: string;
  /** Pixel range [lo, hi] MediaPipe feeds the model. */
  range: [number, number];
  /** The model sees the face crop (face landmark models) rather than the whole photo. */
  faceCrop?: boolean;
}

export const HELD_OUT: MediapipeCase[] = [
  { pkg: 'hands', file: 'hand_landmark_full.tflite', range: [0, 1] },
  { pkg: 'hands', file: 'hand_landmark_lite.tflite', range: [0, 1] },
  { pkg: 'hands', file: 'palm_detection_full.tflite', range: [0, 1] },
  { pkg: 'hands', file: 'palm_detection_lite.tflite', range: [0, 1] },
  { pkg: 'pose', file: 'pose_detection.tflite', range: [-1, 1] },
  { pkg: 'pose', file: 'pose_landmark_lite.tflite', range: [0, 1] },
  { pkg: 'pose', file: 'pose_landmark_full.tflite', range: [0, 1] },
  { pkg: 'face_mesh', file: 'face_landmark.tflite', range: [0, 1], faceCrop: true },
];
/** Too slow for the suite: `npm run test:mediapipe-heavy`. */
export const HEAVY: MediapipeCase[] = [{ pkg: 'pose', file: 'pose_landmark_heavy.tflite', range: [0, 1] }];

const photo = () => decodePng(readFileSync(join(ROOT, PHOTO)));

/**
 * The face crop MediaPipe's face mesh would see: the short-range face detector's box on the photo (CPU), made
 * square and enlarged 1.5× about its centre (face_detection_front_detection_to_roi's scale), no rotation.
 */
export async function faceCropBox(): Promise<{ x: number; y: number; side: number }> {
  const { width, height, rgb } = photo();
  const short = TFLITE_MODELS.find((c) => c.file.endsWith('face_detection_short_range.tflite'))!;
  const det = await createFaceDetector(modelBytes(short), { backend: 'cpu' });
  try {
    const faces = await det.detect({ data: rgb, width, height });
    if (faces.length !== 1) throw new Error(`the face detector found ${faces.length} faces in the photo, expected 1`);
    const b = faces[0]!.box;
    const side = 1.5 * Math.max(b.width, b.height);
    return { x: b.x + b.width / 2 - side / 2, y: b.y + b.height / 2 - side / 2, side };
  } finally {
    det.dispose();
  }
}

/** The photo's square region `box` resampled bilinearly (pixel centres, edges clamped) to size×size, NHWC in [lo, hi]. */
export function cropInput(box: { x: number; y: number; side: number }, size: number, [lo, hi]: [number, number]): Float32Array {
  const { width: sw, height: sh, rgb } = photo();
  const out = new Float32Array(size * size * 3);
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const fx = clamp(box.x + ((x + 0.5) * box.side) / size - 0.5, sw);
      const fy = clamp(box.y + ((y + 0.5) * box.side) / size - 0.5, sh);
      const [x0, y0] = [Math.floor(fx), Math.floor(fy)];
      const [x1, y1] = [Math.min(x0 + 1, sw - 1), Math.min(y0 + 1, sh - 1)];
      const [dx, dy] = [fx - x0, fy - y0];
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => rgb[(yy * sw + xx) * 3 + c]!;
        const v = (1 - dy) * ((1 - dx) * p(y0, x0) + dx * p(y0, x1)) + dy * ((1 - dx) * p(y1, x0) + dx * p(y1, x1));
        out[(y * size + x) * 3 + c] = lo + ((hi - lo) * v) / 255;
      }
    }
  return out;
}

/** The model's input: the photo (or its face crop) resized to the model's [1, H, W, 3] input. */
export async function caseInput(c: MediapipeCase, shape: readonly number[]): Promise<Float32Array> {
  const [, h, w] = shape as [number, number, number];
  if (c.faceCrop) return cropInput(await faceCropBox(), h, c.range);
  const { width, height, rgb } = photo();
  return resizeBilinear(rgb, width, height, w, h, c.range[0], c.range[1]);
}

const CACHE = join(ROOT, 'node_modules', '.cache', 'sepconv-mediapipe-ref');

/** LiteRT.js outputs per case (same order), from the cache or computed now in Chromium. */
export async function mediapipeReferences(cases: readonly { bytes: Uint8Array; input: { shape: number[]; data: Float32Array } }[]): Promise<RefOutput[][]> {
  mkdirSync(CACHE, { recursive: true });
  const keys = cases.map((c) => {
    const h = createHash('sha256');
    h.update(c.bytes);
    h.update(JSON.stringify(c.input.shape));
    h.update(new Uint8Array(c.input.data.buffer, c.input.data.byteOffset, c.input.data.byteLength));
    h.update(readFileSync(join(ROOT, 'test/pages/tflite-run.ts')));
    return join(CACHE, `${h.digest('hex').slice(0, 20)}.json`);
  });
  const missing = cases.map((_, i) => i).filter((i) => !existsSync(keys[i]!));
  if (missing.length) {
    const got = await liteRtOutputs(missing.map((i) => ({ bytes: cases[i]!.bytes, inputs: [cases[i]!.input] })));
    missing.forEach((i, k) =>
      writeFileSync(keys[i]!, JSON.stringify(got[k]!.map((o) => ({ ...o, data: Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength).toString('base64') })))),
    );
  }
  return keys.map((f) =>
    (JSON.parse(readFileSync(f, 'utf8')) as { name: string; shape: number[]; data: string }[]).map((o) => {
      const b = Buffer.from(o.data, 'base64');
      return { name: o.name, shape: o.shape, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
    }),
  );
}

/** The case's model bytes and its input shape (read by loading it on the CPU). */
export async function caseModel(c: MediapipeCase): Promise<{ bytes: Uint8Array; shape: number[] }> {
  const bytes = mediapipeModel(c.pkg, c.file);
  const m = await load(bytes, { backend: 'cpu' });
  const shape = [...m.inputs[0]!.shape];
  m.dispose();
  return { bytes, shape };
}
