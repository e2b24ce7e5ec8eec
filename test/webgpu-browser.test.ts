import { describe, expect, it } from 'vitest';
import { expectWebGpu, openPage } from './support/browser.js';
import type { LossResult } from './pages/device-loss.js';
import type { SmokeResult } from './pages/smoke.js';

describe('WebGPU in headless Chromium', () => {
  it('runs the saxpy smoke page through src/gpu/device.ts and matches the CPU', async () => {
    const { page, errors, screenshot } = await openPage('/test/pages/smoke.html');
    const adapterInfo = await expectWebGpu(page);
    await page.waitForFunction(() => (window as { __smoke?: unknown }).__smoke !== undefined, { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as unknown as { __smoke: SmokeResult }).__smoke)) as SmokeResult;
    await screenshot('webgpu-smoke');
    const { limits: _limits, ...adapter } = result.adapter ?? {};
    console.log('[webgpu-browser]', JSON.stringify({ adapterInfo, ...result, adapter }));

    expect(result.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result.n).toBe(10_001);
    expect(result.maxErr).toBeLessThanOrEqual(1e-5);
    expect(result.ok).toBe(true);
    expect(result.adapter?.isSoftware).toBe(/swiftshader/i.test(Object.values(adapterInfo).join(' ')));
  });

  it('device.destroy() mid-run in a page: runs before, during and after the loss all get the right answer', async () => {
    const { page, errors } = await openPage('/test/pages/device-loss.html');
    await expectWebGpu(page);
    await page.waitForFunction(() => (window as { __loss?: unknown }).__loss !== undefined, { timeout: 90_000, polling: 500 });
    const r = (await page.evaluate(() => (window as unknown as { __loss: LossResult }).__loss)) as LossResult;
    console.log('[webgpu-browser] device loss page:', JSON.stringify(r));
    expect(r.error).toBeUndefined();
    expect(r.maxErr).toHaveLength(7);
    r.maxErr.forEach((m, k) => expect(m, `run ${k}`).toBeLessThanOrEqual(1e-4));
    expect(r.backendBefore).toBe('webgpu');
    expect(r.backendAfter).toBe('cpu');
    expect(r.reason).toMatch(/lost/);
    expect(r.stats!.gpu + r.stats!.cpu).toBe(7);
    expect(r.stats!.deviceLost).toBe(r.stats!.cpu);
    expect(r.stats!.deviceLost).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([]);
  }, 120_000);
});
