// Reference inputs/outputs for the four MediaPipe .tflite models from LiteRT.js (wasm/XNNPACK CPU path) in
// headless Chromium (test/pages/tflite-ref.ts), cached under node_modules/.cache/sepconv-tflite-ref keyed by
// the model's, the photo's and the page's bytes: delete the folder (or change any of them) to recompute.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, openPage } from './browser.js';

export interface TfliteModelCase {
  /** Path under node_modules/@mediapipe. */
  file: string;
  /** Pixel range [lo, hi] the model expects (MediaPipe's own preprocessing). */
  range: [number, number];
}

export const TFLITE_MODELS: TfliteModelCase[] = [
  { file: 'face_detection/face_detection_short_range.tflite', range: [-1, 1] },
  { file: 'face_detection/face_detection_full_range.tflite', range: [-1, 1] },
  { file: 'selfie_segmentation/selfie_segmentation.tflite', range: [0, 1] },
  { file: 'selfie_segmentation/selfie_segmentation_landscape.tflite', range: [0, 1] },
];

export const PHOTO = 'fixtures/photos/astronaut.png';

export interface Reference {
  input: { shape: number[]; data: Float32Array };
  outputs: { name: string; shape: number[]; data: Float32Array }[];
  engine: string;
}

const CACHE = join(ROOT, 'node_modules', '.cache', 'sepconv-tflite-ref');
const fromB64 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

export function modelBytes(c: TfliteModelCase): Uint8Array {
  return new Uint8Array(readFileSync(join(ROOT, 'node_modules/@mediapipe', c.file)));
}

function key(c: TfliteModelCase): string {
  const h = createHash('sha256');
  h.update(modelBytes(c));
  h.update(readFileSync(join(ROOT, PHOTO)));
  for (const f of ['test/pages/tflite-ref.ts', 'test/support/tflite-input.ts']) h.update(readFileSync(join(ROOT, f)));
  h.update(JSON.stringify(c.range));
  return h.digest('hex').slice(0, 16);
}

/** The LiteRT.js (wasm) reference of each model, from the cache or computed now in Chromium. */
export async function references(cases: TfliteModelCase[]): Promise<Map<string, Reference>> {
  mkdirSync(CACHE, { recursive: true });
  const out = new Map<string, Reference>();
  const missing: TfliteModelCase[] = [];
  for (const c of cases) {
    const f = join(CACHE, `${c.file.replace(/\W/g, '_')}-${key(c)}.json`);
    if (existsSync(f)) out.set(c.file, parse(JSON.parse(readFileSync(f, 'utf8'))));
    else missing.push(c);
  }
  if (missing.length) {
    const { page, errors } = await openPage('/test/pages/tflite-ref.html');
    await page.waitForFunction(() => (window as unknown as { __tfliteRef?: unknown }).__tfliteRef !== undefined, { timeout: 120_000 });
    for (const c of missing) {
      const raw = await page.evaluate(
        (model, photo, lo, hi) =>
          (window as unknown as { __tfliteRef: typeof import('../pages/tflite-ref.js') }).__tfliteRef.runReference(model, photo, lo, hi, 'wasm'),
        `/node_modules/@mediapipe/${c.file}`,
        `/${PHOTO}`,
        c.range[0],
        c.range[1],
      );
      writeFileSync(join(CACHE, `${c.file.replace(/\W/g, '_')}-${key(c)}.json`), JSON.stringify(raw));
      out.set(c.file, parse(raw));
    }
    const fatal = errors.filter((e) => !/INFO: |WARNING: /.test(e));
    if (fatal.length) throw new Error(`the LiteRT.js page reported errors:\n${fatal.join('\n')}`);
    await page.close();
  }
  return out;
}

function parse(raw: { input: string; inputShape: number[]; outputs: { name: string; shape: number[]; data: string }[]; accelerator: string }): Reference {
  return {
    input: { shape: raw.inputShape, data: fromB64(raw.input) },
    outputs: raw.outputs.map((o) => ({ name: o.name, shape: o.shape, data: fromB64(o.data) })),
    engine: `LiteRT.js ${raw.accelerator}`,
  };
}

/** max |a − b| and the tolerance 1e-4 · max(1, max |ref|) it is held to. */
export function compare(got: Float32Array, ref: Float32Array): { maxAbs: number; tol: number; maxRef: number } {
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  return { maxAbs, tol: 1e-4 * Math.max(1, maxRef), maxRef };
}
