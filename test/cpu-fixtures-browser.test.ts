// The CPU engine as Chromium runs it (the wasm arena engine with relaxed_madd, which Node 20 lacks: there the
// fixtures test the multiply-then-add kernels) on every PyTorch fixture with a stored output, against PyTorch's
// output with the fixture's own tolerance (numpy.allclose rule).
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureRun } from './pages/cpu-fixtures.js';
import { openPage } from './support/browser.js';
import { compareToFixture, describeComparison, listFixtures, loadFixture } from './support/fixtures.js';

type Api = { kernels(): Promise<{ wasm: boolean; relaxed: boolean }>; run(name: string): Promise<FixtureRun> };
let page: Page;
let errors: string[];
const fixtures = listFixtures();

beforeAll(async () => {
  ({ page, errors } = await openPage('/test/pages/cpu-fixtures.html'));
  await page.waitForFunction(() => (window as unknown as { __cpuFixtures?: unknown }).__cpuFixtures !== undefined, { timeout: 60_000 });
}, 120_000);

afterAll(() => expect(errors).toEqual([]));

describe('CPU engine in Chromium vs PyTorch', () => {
  it('compiles the wasm SIMD kernels with relaxed madd', async () => {
    expect(await page.evaluate(() => (window as unknown as { __cpuFixtures: Api }).__cpuFixtures.kernels())).toEqual({ wasm: true, relaxed: true });
  });

  it.each(fixtures.map((f) => [f.name, f.atol, f.rtol] as const))('%s (atol %s, rtol %s)', async (name) => {
    const r = await page.evaluate((n) => (window as unknown as { __cpuFixtures: Api }).__cpuFixtures.run(n), name);
    expect(r.error).toBeUndefined();
    expect(r.engine).toBe('wasm');
    const b = Buffer.from(r.data!, 'base64');
    const fx = loadFixture(name);
    const c = compareToFixture(fx, { shape: r.shape!, data: new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) });
    expect(c.ok, describeComparison(name, c, fx.atol, fx.rtol)).toBe(true);
  });
});
