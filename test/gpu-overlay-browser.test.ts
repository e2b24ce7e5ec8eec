// GpuMaskRenderer then GpuLandmarkRenderer on one rgba8unorm texture in headless Chromium (WebGPU on SwiftShader),
// FRAMES frames of a moving scene (test/support/overlay-run.ts), read back: the pixels against the coordinates
// (test/support/overlay-scene.ts checkPixels: inside a primitive its colour, opaque; outside all of them the mask's
// premultiplied colour at alpha 0.5 in the left half, transparent in the right; a landmark that is not visible leaves
// its place empty), and no buffer created on the device after frame 1 (the primitives' buffer is reused).
// The target is a texture: this Chromium's default WebGPU adapter (Dawn on Vulkan SwiftShader) cannot present a canvas
// (no shared-image backing for its swap chain); test/gpu-canvas-browser.test.ts draws the same scene on a canvas with
// WebGPU on Dawn's OpenGL ES backend. test/gpu-overlay.test.ts runs the same scene on Dawn.
import { describe, expect, it } from 'vitest';
import { expectWebGpu, openPage } from './support/browser.js';
import { overlayChecks } from './support/overlay-checks.js';

type OverlayPage = typeof import('./pages/gpu-overlay.js');

describe('GPU landmark overlay in Chromium', () => {
  it('mask, then boxes, hand and pose skeletons on one texture: pixels against the coordinates, no buffers after frame 1', { timeout: 180_000 }, async () => {
    const { page, errors } = await openPage(`/test/pages/gpu-overlay.html?t=${Math.random()}`);
    await expectWebGpu(page);
    await page.waitForFunction(() => (window as { __overlay?: unknown }).__overlay, { timeout: 60_000 });
    const r = await page.evaluate(() => (window as { __overlay?: OverlayPage }).__overlay!.run());
    expect(r.gpuErrors).toEqual([]);
    overlayChecks(`Chromium (${r.adapter})`, r);
    expect(errors).toEqual([]);
  });
});
