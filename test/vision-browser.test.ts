// The image input helper in headless Chromium: every source type (HTMLImageElement, HTMLCanvasElement,
// OffscreenCanvas, ImageBitmap, ImageData, raw RGB pixels, HTMLVideoElement, VideoFrame) through the WebGPU pass
// (copyExternalImageToTexture / importExternalTexture, SwiftShader) and the CPU path, plus the full option matrix
// on a canvas, against the float64 reference (tolerances in test/support/vision-ref.ts). The cost per frame is a
// benchmark: `npm run bench:vision` (bench/run-vision-input.ts).
import { describe, expect, it } from 'vitest';
import { expectWebGpu, openPage } from './support/browser.js';

type VisionPage = typeof import('./pages/vision-input.js');

describe('image input helper in Chromium', () => {
  it('every source type, resize mode, layout and dtype matches the reference on WebGPU and the CPU', { timeout: 240_000 }, async () => {
    const { page, errors } = await openPage(`/test/pages/vision-input.html?t=${Math.random()}`);
    await expectWebGpu(page);
    await page.waitForFunction(() => (window as { __vision?: unknown }).__vision, { timeout: 60_000 });
    const timer = setInterval(() => void page.evaluate(() => document.getElementById('status')?.textContent).then((s) => console.log(`[vision-input] at: ${s}`)), 15_000);
    const { results, adapter } = await page.evaluate(() => (window as { __vision?: VisionPage }).__vision!.runAll(true)).finally(() => clearInterval(timer));
    const bad = results.filter((r) => !r.ok);
    console.log(`[vision-input] ${results.length} cases on ${adapter}; worst error of the non-video float cases ${Math.max(...results.filter((r) => !r.name.includes('int') && !r.name.includes('Video')).map((r) => r.maxErr)).toExponential(2)}`);
    console.log(`[vision-input] video paths: ${[...new Set(results.map((r) => /\(video via (\w+)\)/.exec(r.name)?.[1]).filter(Boolean))].join(', ')}`);
    expect(bad.map((r) => `${r.name}: ${r.first} (max ${r.maxErr}, ${r.bad} bad, ${r.inexact} inexact of ${r.n})`)).toEqual([]);
    // 8 sources × 3 option sets × 2 paths + 24 option cases × 2 paths
    expect(results.length).toBe(8 * 3 * 2 + 24 * 2);
    for (const src of ['HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'ImageData', 'pixels', 'HTMLVideoElement', 'VideoFrame'])
      for (const path of ['gpu', 'cpu']) expect(results.some((r) => r.name.startsWith(src) && r.name.includes(` ${path} `))).toBe(true);
    expect(errors).toEqual([]);
  });

});
