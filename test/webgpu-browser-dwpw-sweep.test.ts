// The fused depthwise -> pointwise sweep again, in headless Chromium (SwiftShader WebGPU): every config on the
// fused (tiled) kernel, one test per config.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepResult } from './pages/sweep.js';
import { sweepPageResults } from './support/browser.js';
import { ATOL, RTOL } from './support/conv-sweep.js';
import { DWPW_CONFIGS } from './support/dwpw-sweep.js';

let results = new Map<string, SweepResult>();

describe(`fused depthwise -> pointwise sweep in Chromium (|gpu - ref| <= ${ATOL} + ${RTOL}·|ref|)`, () => {
  beforeAll(async () => {
    results = await sweepPageResults<SweepResult>('/test/pages/dwpw-sweep.html', 560_000);
  }, 580_000);

  it.each(DWPW_CONFIGS.map((c) => [c.name] as const))('%s', (name) => {
    const r = results.get(name);
    expect(r, 'config did not run').toBeDefined();
    expect(r!.error).toBeUndefined();
    expect(r!.bad, `max err ${r!.maxErr}`).toBe(-1);
  });
});
