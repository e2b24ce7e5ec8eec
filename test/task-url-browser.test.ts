// load(url) in headless Chromium: a .tflite URL with progress, a deflated .task bundle (DecompressionStream) from a
// blob: URL with taskEntry, and a failed request as a FetchError; outputs equal to the same model run in Node.
import { describe, expect, it } from 'vitest';
import { load } from '../src/model.js';
import type * as TaskPage from './pages/task-url.js';
import { openPage } from './support/browser.js';
import { TFLITE_MODELS, compare, modelBytes } from './support/tflite-ref.js';
import { buildZip } from './support/zip-build.js';

const c = TFLITE_MODELS[0]!;
const shape = [1, 128, 128, 3];
const input = Array.from({ length: 128 * 128 * 3 }, (_, i) => Math.sin(i * 0.61));

describe('model URLs and .task bundles in Chromium', () => {
  it('a .tflite URL and a deflated .task blob: URL load and match Node; a failed request is a FetchError', async () => {
    const bytes = modelBytes(c);
    const node = await load(bytes, { backend: 'cpu' });
    const want = await node.run({ input: { shape, data: Float32Array.from(input) } });
    node.dispose();
    const task = buildZip([
      { name: 'a.tflite', data: bytes, method: 'deflate' },
      { name: 'b.tflite', data: bytes },
    ]).bytes;
    const { page, errors } = await openPage('/test/pages/task-url.html');
    await page.waitForFunction(() => (window as unknown as { __taskUrl?: unknown }).__taskUrl !== undefined, { timeout: 120_000 });
    type W = { __taskUrl: typeof TaskPage };
    const fromUrl = await page.evaluate((u, x, s) => (window as unknown as W).__taskUrl.runTfliteUrl(u, x, s), `/node_modules/@mediapipe/${c.file}`, input, shape);
    const fromTask = await page.evaluate((b, x, s) => (window as unknown as W).__taskUrl.runTaskBytes(b, 'a.tflite', x, s), Buffer.from(task).toString('base64'), input, shape);
    // Vite's dev server answers unknown paths with its index.html (200): said as such, not as a broken ONNX file
    const fallback = await page.evaluate(() => (window as unknown as W).__taskUrl.errorOf('/no/such/model.tflite'));
    const missing = await page.evaluate(() => {
      const url = URL.createObjectURL(new Blob([new Uint8Array(8)]));
      URL.revokeObjectURL(url);
      return (window as unknown as W).__taskUrl.errorOf(url);
    });
    await page.close();
    for (const run of [fromUrl, fromTask]) {
      for (const [k, v] of want) {
        // the browser's CPU kernels (wasm SIMD) and Node's sum in other orders: 1e-4 of the output's range
        const { maxAbs, tol } = compare(Float32Array.from(run.outputs[k]!), v.data);
        expect(maxAbs, k).toBeLessThanOrEqual(tol);
      }
      expect(run.progress.at(-1)![0]).toBe(run === fromUrl ? bytes.length : task.length);
    }
    expect(fromUrl.progress[0]).toEqual([0, bytes.length]);
    expect(missing, missing.message).toMatchObject({ name: 'FetchError', code: 'FETCH' });
    expect(missing.message).toMatch(/^cannot fetch "blob:http:\/\/[^"]+": /);
    expect(fallback).toMatchObject({ name: 'ModelFormatError', message: '"/no/such/model.tflite" is an HTML or XML page, not a model (a server\'s error or fallback page?)' });
    expect(errors.filter((e) => !/blob:/.test(e))).toEqual([]);
  }, 180_000);
});
