import { describe, expect, it } from 'vitest';
import { expectWebGpu, openPage } from './support/browser.js';
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
});
