// The 306-config Conv sweep again, in headless Chromium (SwiftShader WebGPU), one test per configuration.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepResult } from './pages/sweep.js';
import { expectWebGpu, openPage } from './support/browser.js';
import { ATOL, CONFIGS, RTOL } from './support/conv-sweep.js';

let results = new Map<string, SweepResult>();

describe(`Conv sweep in Chromium (|gpu - ref| <= ${ATOL} + ${RTOL}·|ref|)`, () => {
  beforeAll(async () => {
    const { page, errors } = await openPage('/test/pages/sweep.html');
    await expectWebGpu(page);
    await page.waitForFunction(() => (window as { __sweep?: unknown }).__sweep !== undefined, { timeout: 400_000, polling: 1000 });
    const out = (await page.evaluate(() => (window as unknown as { __sweep: { results: SweepResult[]; error?: string } }).__sweep)) as {
      results: SweepResult[];
      error?: string;
    };
    if (out.error) throw new Error(`sweep page failed: ${out.error}`);
    expect(errors).toEqual([]);
    results = new Map(out.results.map((r) => [r.name, r]));
  }, 420_000);

  it.each(CONFIGS.map((c) => [c.name] as const))('%s', (name) => {
    const r = results.get(name);
    expect(r, 'config did not run').toBeDefined();
    expect(r!.error).toBeUndefined();
    expect(r!.bad, `max err ${r!.maxErr}`).toBe(-1);
  });
});
