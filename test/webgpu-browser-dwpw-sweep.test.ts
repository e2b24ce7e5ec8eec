// The fused depthwise -> pointwise sweep again, in headless Chromium (SwiftShader WebGPU): every config on both
// kernel variants, one test per config and variant.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepResult } from './pages/sweep.js';
import { expectWebGpu, openPage } from './support/browser.js';
import { ATOL, RTOL } from './support/conv-sweep.js';
import { DWPW_CONFIGS } from './support/dwpw-sweep.js';

let results = new Map<string, SweepResult>();

describe(`fused depthwise -> pointwise sweep in Chromium (|gpu - ref| <= ${ATOL} + ${RTOL}·|ref|)`, () => {
  beforeAll(async () => {
    const { page, errors } = await openPage('/test/pages/dwpw-sweep.html');
    await expectWebGpu(page);
    await page.waitForFunction(() => (window as { __sweep?: unknown }).__sweep !== undefined, { timeout: 560_000, polling: 1000 });
    const out = (await page.evaluate(() => (window as unknown as { __sweep: { results: SweepResult[]; error?: string } }).__sweep)) as {
      results: SweepResult[];
      error?: string;
    };
    if (out.error) throw new Error(`sweep page failed: ${out.error}`);
    expect(errors).toEqual([]);
    results = new Map(out.results.map((r) => [r.name, r]));
  }, 580_000);

  it.each(DWPW_CONFIGS.flatMap((c) => ['tiled', 'direct'].map((v) => [`${c.name} ${v}`] as const)))('%s', (name) => {
    const r = results.get(name);
    expect(r, 'config did not run').toBeDefined();
    expect(r!.error).toBeUndefined();
    expect(r!.bad, `max err ${r!.maxErr}`).toBe(-1);
  });
});
