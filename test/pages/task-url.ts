// load() in the browser on model URLs: a .tflite served by the dev server, the same model inside a .task bundle
// (a blob: URL of bytes the Node test built), with progress, and a failed request. Runs on the CPU backend; the outputs go
// back to the Node test, which compares them with its own run.
import { load } from '../../src/index.js';

export interface UrlRun {
  outputs: Record<string, number[]>;
  progress: [number, number][];
}

async function runUrl(url: string, input: number[], shape: number[], taskEntry?: string): Promise<UrlRun> {
  const progress: [number, number][] = [];
  const m = await load(url, { backend: 'cpu', taskEntry, onProgress: (got, total) => progress.push([got, total]) });
  const out = await m.run({ [m.inputs[0]!.name]: { shape, data: Float32Array.from(input) } });
  m.dispose();
  return { outputs: Object.fromEntries([...out].map(([k, v]) => [k, Array.from(v.data)])), progress };
}

export const runTfliteUrl = (url: string, input: number[], shape: number[]) => runUrl(url, input, shape);

export async function runTaskBytes(b64: string, entry: string, input: number[], shape: number[]): Promise<UrlRun> {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes]));
  try {
    return await runUrl(url, input, shape, entry);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function errorOf(url: string): Promise<{ name: string; code: string; message: string }> {
  try {
    await load(url, { backend: 'cpu' });
    return { name: 'none', code: '', message: '' };
  } catch (e) {
    return { name: (e as Error).name, code: (e as { code?: string }).code ?? '', message: (e as Error).message };
  }
}
