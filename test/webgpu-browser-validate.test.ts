// The validation harness (optimised graph, as load() runs it) on every fixture and whole-model runs on WebGPU where
// PyTorch's output is stored, in headless Chromium (demo/validate.html); each whole-model run must have been
// answered by the GPU (test/support/on-gpu.ts), not by the CPU.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FixtureValidation } from '../demo/validate.js';
import { expectWebGpu, openPage } from './support/browser.js';
import { listFixtures } from './support/fixtures.js';

let results = new Map<string, FixtureValidation>();
const fixtures = listFixtures();

describe('validation page in Chromium', () => {
  beforeAll(async () => {
    const { page, errors, screenshot } = await openPage('/demo/validate.html');
    await expectWebGpu(page);
    await page.waitForFunction(() => (window as { __validate?: unknown }).__validate !== undefined, { timeout: 400_000, polling: 1000 });
    const out = (await page.evaluate(() => (window as unknown as { __validate: { results: FixtureValidation[]; error?: string } }).__validate)) as {
      results: FixtureValidation[];
      error?: string;
    };
    await screenshot('validate-page');
    if (out.error) throw new Error(`validation page failed: ${out.error}`);
    expect(errors).toEqual([]);
    results = new Map(out.results.map((r) => [r.name, r]));
  }, 420_000);

  it.each(fixtures.map((f) => [f.name, f.output !== null] as const))('%s: every layer and the whole model pass', (name, stored) => {
    const r = results.get(name);
    expect(r, 'fixture did not run').toBeDefined();
    expect(r!.error).toBeUndefined();
    expect(r!.report!.optimized).toBe(true);
    const failed = r!.report!.layers.filter((l) => !l.pass).map((l) => `${l.node} (${l.op}) maxAbs=${l.maxAbsError}`);
    expect(failed).toEqual([]);
    if (!stored) {
      expect(r!.wholeModel).toBeUndefined();
      return;
    }
    expect(r!.wholeModel!.notOnGpu).toBeUndefined();
    expect(r!.wholeModel!.pass, `max abs ${r!.wholeModel!.maxAbs}`).toBe(true);
  });
});
