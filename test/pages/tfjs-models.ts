// TF.js graph models run by the package in Chromium: load(model.json URL) fetches the shards relative to it;
// the Node test (test/tfjs-browser.test.ts) hands in the photo input and checks the outputs against TF.js's CPU
// backend in Node (its cached reference).
import { load, type Backend } from '../../src/model.js';

const fromBase64 = (s: string) => {
  const bin = atob(s);
  const b = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
  return b;
};

function toBase64(a: Float32Array | Int32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface PageRun {
  backend: string;
  loadMs: number;
  firstMs: number;
  steadyMs: number;
  progress: [number, number][];
  outputs: { name: string; shape: number[]; int: boolean; data: string }[];
}

/** Loads `url` on `backend`, runs the given NHWC input twice (first and steady), returns every output. */
export async function run(url: string, backend: Backend, inputName: string, shape: number[], int: boolean, input: string): Promise<PageRun> {
  const raw = fromBase64(input);
  const f32 = new Float32Array(raw.buffer);
  const data = int ? Int32Array.from(f32) : f32;
  const progress: [number, number][] = [];
  const t0 = performance.now();
  const model = await load(url, { backend, onProgress: (a, b) => progress.push([a, b]) });
  const loadMs = performance.now() - t0;
  try {
    await model.predict({ [inputName]: { shape, data } as never });
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    const out = await model.predict({ [inputName]: { shape, data } as never });
    const steadyMs = performance.now() - t1;
    return {
      backend: model.backend,
      loadMs,
      firstMs,
      steadyMs,
      progress,
      outputs: model.outputs.map((o) => {
        const t = out.get(o.name)!;
        return { name: o.name, shape: [...t.shape], int: t.data instanceof Int32Array, data: toBase64(t.data) };
      }),
    };
  } finally {
    model.dispose();
  }
}
