// The image input helper's cost per frame in headless Chromium (640×480 canvas → 256×256×3, median of BENCH_RUNS
// frames): one GPU pass from a canvas, an ImageBitmap and pixels in memory, a canvas read on the CPU then
// writeTexture, and a CPU round trip. `npm run bench:vision`. A benchmark: it prints figures and asserts only that
// every figure was measured (test/vision-browser.test.ts holds the correctness checks).
import { expect, it } from 'vitest';
import { expectWebGpu, openPage } from '../test/support/browser.js';
import type * as VisionPage from '../test/pages/vision-input.js';

const frames = Number(process.env.BENCH_RUNS ?? 20);

it('cost per frame: one GPU pass vs a CPU round trip (640×480 → 256×256×3)', async () => {
  const { page, errors } = await openPage(`/test/pages/vision-input.html?t=${Math.random()}`);
  await expectWebGpu(page);
  await page.waitForFunction(() => (window as { __vision?: unknown }).__vision, { timeout: 60_000 });
  const b = await page.evaluate((n) => (window as { __vision?: typeof VisionPage }).__vision!.bench(n), frames);
  console.log(
    `[vision-input] per frame, median of ${b.frames}: GPU pass from the canvas ${b.gpuMs.toFixed(2)} ms (from an ImageBitmap ${b.gpuBitmapMs.toFixed(2)} ms, ` +
      `from pixels in memory ${b.gpuPixelsMs.toFixed(2)} ms, canvas read on the CPU then writeTexture ${b.gpuCpuUploadMs.toFixed(2)} ms), ` +
      `CPU round trip ${b.cpuRoundTripMs.toFixed(2)} ms (${(b.cpuRoundTripMs / b.gpuMs).toFixed(1)}×)`,
  );
  expect(b.frames).toBe(frames);
  for (const ms of [b.gpuMs, b.gpuBitmapMs, b.gpuPixelsMs, b.gpuCpuUploadMs, b.cpuRoundTripMs]) expect(Number.isFinite(ms)).toBe(true);
  expect(errors).toEqual([]);
});
