// GpuMaskRenderer then GpuLandmarkRenderer on a WebGPU canvas in headless Chromium (test/pages/gpu-canvas.ts), read
// back through a 2-D canvas in the task that drew: the same checks as the texture (test/gpu-overlay-browser.test.ts)
// and Dawn (test/gpu-overlay.test.ts) runs of the scene. This Chromium's default WebGPU adapter (Dawn on Vulkan
// SwiftShader) cannot present to a canvas: the GPU process finds no shared-image backing for a WebGPU swap chain
// ("Could not find SharedImageBackingFactory ... WebgpuSwapChainTexture") and the canvas reads back transparent.
// WebGPU on Dawn's OpenGL ES backend over ANGLE's SwiftShader (the flags below) shares GL images with the compositor,
// and the canvas reads back what was drawn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer } from './support/browser.js';
import { overlayChecks } from './support/overlay-checks.js';
import type { Page } from 'puppeteer';

type CanvasPage = typeof import('./pages/gpu-canvas.js');
const FLAGS = ['--use-angle=swiftshader', '--use-webgpu-adapter=opengles', '--enable-features=WebGPUOpenGLES'];

let close: (() => Promise<void>) | undefined;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  const srv = await startServer();
  const b = await launchBrowser(FLAGS).catch(async (e: unknown) => {
    await srv.close();
    throw e;
  });
  close = async () => {
    await b.close();
    await srv.close();
  };
  page = await b.browser.newPage();
  page.on('pageerror', (err) => errors.push(`page error: ${(err as Error).message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console.error: ${m.text()}`));
  await page.goto(`${srv.url}/test/pages/gpu-canvas.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => (window as { __overlay?: unknown }).__overlay, { timeout: 60_000 });
}, 120_000);
afterAll(async () => close?.());

describe('GPU overlays on a WebGPU canvas in Chromium', () => {
  it('mask, then boxes, hand and pose skeletons on the canvas: pixels against the coordinates, no buffers after frame 1', { timeout: 180_000 }, async () => {
    const r = await page.evaluate(() => (window as { __overlay?: CanvasPage }).__overlay!.run());
    expect(r.gpuErrors).toEqual([]);
    expect(r.format).toBe('rgba8unorm');
    overlayChecks(`Chromium canvas (${r.adapter || 'Dawn OpenGL ES on ANGLE SwiftShader'})`, r);
    expect(errors).toEqual([]);
  });
});
