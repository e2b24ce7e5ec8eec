// The real-models page (demo/real-models.html) in headless Chromium with the fake camera:
// - photo: BlazeFace, MoveNet Lightning and selfie segmentation run by sepconv on WebGPU (SwiftShader) and on the
//   CPU, against TF.js (its CPU backend, its own image pipeline) on the same photo in the same page: face box
//   IoU ≥ 0.5, keypoints within 0.02 (normalised), mask IoU ≥ 0.9; TF.js's timing beside sepconv's is on its
//   fastest backend here (wasm), and the page says so;
// - webcam (--use-fake-device-for-media-stream): ≥ 30 frames per model, no growth of live GPU buffers after
//   the first frame, no long task over 50 ms on the main thread;
// - screenshots at 1280 and 375 px into test-artifacts/.
// The webcam runs on WebGPU; SEPCONV_WEBCAM_BACKENDS=webgpu,cpu adds the CPU backend (in its Worker: the same
// checks, long tasks included; test/cpu-worker-browser.test.ts holds the CPU backend's own long-task check).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelId } from '../demo/real/models.js';
import { ARTIFACTS, launchBrowser, startServer } from './support/browser.js';

const MODELS: ModelId[] = ['blazeface', 'movenet', 'selfie'];
const FRAMES = 30;
const WEBCAM_BACKENDS = (process.env.SEPCONV_WEBCAM_BACKENDS ?? 'webgpu').split(',') as ('webgpu' | 'cpu')[];


let env: { url: string; close(): Promise<void> };
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const srv = await startServer();
  const b = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  env = { url: srv.url, close: async () => (await b.close(), await srv.close()) };
  page = await b.browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (e) => pageErrors.push((e as Error).message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  const res = await page.goto(`${env.url}/demo/real-models.html?backend=webgpu`, { waitUntil: 'load' });
  expect(res?.ok()).toBe(true);
  await page.waitForFunction(() => window.__real?.status === 'ready', { timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await env?.close();
});

const pick = (p: Page) =>
  p.evaluate(() => {
    const s = window.__real!;
    return { backend: s.backend, webgpu: s.webgpu, adapter: s.adapter, errors: [...s.errors], gpuBuffers: s.gpuBuffers, webcam: s.webcam && { ...s.webcam, longTasks: [...s.webcam.longTasks], longTaskFrames: [...s.webcam.longTaskFrames] } };
  });

async function shot(name: string, width: number): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.setViewport({ width, height: 900 });
  await new Promise((r) => setTimeout(r, 300));
  await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  await page.setViewport({ width: 1280, height: 900 });
}

const clearErrors = () => page.evaluate(() => document.getElementById('errors-clear')!.click());

describe('real models on the photo, against TF.js', () => {
  for (const backend of ['webgpu', 'cpu'] as const)
    for (const id of MODELS)
      it(`${id} on ${backend}`, { timeout: 180_000 }, async () => {
        await clearErrors();
        await page.evaluate((b) => window.__real!.api.setBackend(b), backend);
        // TF.js runs once per model (its result does not depend on sepconv's backend); the CPU pass reuses it.
        await page.evaluate((id, tfjs) => window.__real!.api.runPhoto(id, { tfjs, repeats: 1 }), id, backend === 'webgpu');
        const s = await pick(page);
        expect(s.errors).toEqual([]);
        const timing = await page.evaluate((id) => {
          const r = window.__real!.photo[id]!;
          return { backend: r.sepconv.backend, ms: r.sepconv.medianMs, first: r.sepconv.firstMs, load: r.sepconv.loadMs, tfjs: r.tfjs?.medianMs, tfjsBackend: r.tfjs?.backend, path: r.inputPath, upload: r.upload };
        }, id);
        expect(timing.backend).toBe(backend);
        expect(timing.path).toBe(backend === 'webgpu' ? 'gpu' : 'cpu');
        // TF.js is timed on its fastest backend here: wasm (SwiftShader is a software adapter, so no TF.js GPU backend is tried).
        if (backend === 'webgpu') expect(timing.tfjsBackend).toMatch(/^wasm, SIMD, \d+ threads?$/);
        const c = await page.evaluate((id) => window.__real!.api.compareWithTfjs(id), id);
        console.log(`[real-models] photo ${id} ${backend}: load ${timing.load.toFixed(0)} ms, first ${timing.first.toFixed(0)} ms, run ${timing.ms.toFixed(0)} ms${timing.tfjs ? `, TF.js (${timing.tfjsBackend}) ${timing.tfjs.toFixed(0)} ms` : ''} (input ${timing.path}${timing.upload ? `/${timing.upload}` : ''}); vs TF.js ${JSON.stringify(c)}`);
        if (id === 'blazeface') {
          expect(c.faces![0]).toBeGreaterThanOrEqual(1);
          expect(c.faces![1]).toBeGreaterThanOrEqual(1);
          expect(c.faceIou).toBeGreaterThanOrEqual(0.5);
        } else if (id === 'movenet') {
          // every keypoint TF.js scores ≥ 0.3 (the drawn ones); the unsure ones are printed above
          expect(c.confident).toBeGreaterThanOrEqual(8);
          expect(c.maxKeypointDelta).toBeLessThanOrEqual(0.02);
        }
        else expect(c.maskIou).toBeGreaterThanOrEqual(0.9);
        if (backend === 'webgpu') await shot(`real-models-photo-${id}`, 1280);
        if (backend === 'cpu' && id === 'selfie') await shot('real-models-photo-selfie', 375);
      });
});

describe('real models on the fake webcam', () => {
  for (const backend of WEBCAM_BACKENDS)
    for (const id of MODELS)
      it(`${id} on ${backend}: ≥ ${FRAMES} frames, no GPU buffer growth, no long task > 50 ms`, { timeout: 300_000 }, async () => {
        await clearErrors();
        await page.evaluate((b) => window.__real!.api.setBackend(b), backend);
        await page.evaluate((id, n) => window.__real!.api.startWebcam(id, n), id, FRAMES);
        // Polled from here: one waitForFunction longer than Puppeteer's protocol timeout would fail on its own.
        for (let t = Date.now(); Date.now() - t < 280_000; ) {
          await new Promise((r) => setTimeout(r, 1000));
          const done = await page.evaluate(() => {
            const s = window.__real!;
            return s.errors.length > 0 || (!!s.webcam && !s.webcam.running);
          });
          if (done) break;
        }
        const s = await pick(page);
        expect(s.errors).toEqual([]);
        const w = s.webcam!;
        console.log(
          `[real-models] webcam ${id} ${w.backend}: ${w.frames} frames, ${w.fps.toFixed(2)} fps, ${w.latencyMs.toFixed(0)} ms per frame (median of the last 30), input ${w.inputPath}${w.upload ? `/${w.upload}` : ''}${w.maskPath ? `, mask ${w.maskPath}` : ''}; GPU buffers ${w.gpuBuffersAfterFirst} after frame 1, ${w.gpuBuffers} after frame ${w.frames}; longest task ${Math.max(0, ...w.longTasks).toFixed(0)} ms (${w.longTasks.length} over 50 ms, after frame(s) ${w.longTaskFrames.join(', ') || '—'})`,
        );
        expect(w.backend).toBe(backend);
        expect(w.frames).toBeGreaterThanOrEqual(FRAMES);
        expect(w.gpuBuffers).toBe(w.gpuBuffersAfterFirst);
        // Frame 1 is the warm-up (first run of the loop's buffers and pipelines); from frame 2 on, no long task.
        expect(w.longTasks.filter((t, i) => t > 50 && (w.longTaskFrames[i] ?? 0) >= 2)).toEqual([]);
        if (id === 'selfie' || id === 'movenet') await shot(`real-models-webcam-${id}`, id === 'selfie' ? 375 : 1280);
        await page.evaluate(() => window.__real!.api.stopWebcam());
        const after = await pick(page);
        expect(after.webcam!.running).toBe(false);
      });

  it.each([
    ['NotFoundError', /No camera was found/],
    ['NotAllowedError', /Camera access was denied/],
  ])('camera error %s reaches the error panel', { timeout: 60_000 }, async (name, message) => {
    await clearErrors();
    await page.evaluate((name) => {
      const md = navigator.mediaDevices;
      const original = md.getUserMedia.bind(md);
      md.getUserMedia = () => Promise.reject(new DOMException('refused', name));
      (window as { __restore?: () => void }).__restore = () => (md.getUserMedia = original);
    }, name);
    await page.click('[data-testid="rm-cam"]');
    await page.waitForFunction(() => window.__real!.errors.length > 0, { timeout: 30_000 });
    const s = await pick(page);
    expect(s.errors[0]).toMatch(message);
    expect(await page.$eval('[data-testid="errors"]', (el) => !(el as HTMLElement).hidden)).toBe(true);
    await page.evaluate(() => {
      (window as { __restore?: () => void }).__restore!();
      document.getElementById('errors-clear')!.click();
    });
  });

  it('a model that fails to load reaches the error panel and the page keeps working', { timeout: 60_000 }, async () => {
    await clearErrors();
    await page.evaluate(async () => {
      const api = window.__real!.api;
      const url = api.models.selfie!.url;
      api.models.selfie!.url = '/models/missing-model.json';
      try {
        // a backend switch releases the loaded models: selfie is loaded again, from the bad URL
        await api.setBackend('webgpu');
        await api.setBackend('cpu');
        await api.runPhoto('selfie', { tfjs: false, repeats: 1 });
      } finally {
        api.models.selfie!.url = url;
      }
    });
    const s = await pick(page);
    expect(s.errors.length).toBe(1);
    expect(s.errors[0]).toMatch(/Could not load Selfie segmentation from \/models\/missing-model\.json/);
    await page.evaluate(() => document.getElementById('errors-clear')!.click());
    await page.evaluate(() => window.__real!.api.runPhoto('selfie', { tfjs: false, repeats: 1 }));
    expect((await pick(page)).errors).toEqual([]);
    // the 404 of the missing model is the only console error the page may show
    expect(pageErrors.filter((e) => !/404|Not Found/i.test(e))).toEqual([]);
  });
});
