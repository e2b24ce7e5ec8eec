// The 306-config Conv sweep again, in headless Chromium (SwiftShader WebGPU), one test per configuration.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepResult } from './pages/sweep.js';
import { sweepPageResults } from './support/browser.js';
import { ATOL, CONFIGS, RTOL } from './support/conv-sweep.js';

let results = new Map<string, SweepResult>();

describe(`Conv sweep in Chromium (|gpu - ref| <= ${ATOL} + ${RTOL}·|ref|)`, () => {
  beforeAll(async () => {
    results = await sweepPageResults<SweepResult>('/test/pages/sweep.html', 400_000);
  }, 420_000);

  it.each(CONFIGS.map((c) => [c.name] as const))('%s', (name) => {
    const r = results.get(name);
    expect(r, 'config did not run').toBeDefined();
    expect(r!.error).toBeUndefined();
    expect(r!.bad, `max err ${r!.maxErr}`).toBe(-1);
  });
});
