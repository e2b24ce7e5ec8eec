// The demo pages (index.html, demo/validate.html) in every engine through test/support/browsers.ts: no errors,
// results shown, screenshots at 1280 and 375 px. Smoke cases run in all three engines; the heavy one (the bundled
// MobileNetV2 on the CPU) in Firefox only (Chromium's full demo is test/demo.test.ts). Where an engine gives no
// WebGPU adapter (Firefox ESR 153, WebKitGTK 2.50 here) the test asserts the CPU path and the page's notice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoState } from '../demo/main.js';
import { startServer } from './support/browser.js';
import { ENGINES, launch, type EngineName, type XBrowser, type XPage } from './support/browsers.js';

const TOL = 1e-4;
let server: Awaited<ReturnType<typeof startServer>> | undefined;

beforeAll(async () => {
  server = await startServer();
}, 60_000);
afterAll(async () => server?.close());

const demoState = (page: XPage) => page.evaluate(() => window.__demo!);

/** Runs a bundled model on the CPU through the page's own controls and returns what the page published. */
async function runBundled(page: XPage, which: string, repeats: number): Promise<NonNullable<DemoState['model']>> {
  await page.evaluate(
    (model: string, n: number) => {
      const cpu = document.querySelector<HTMLInputElement>('input[name="backend"][value="cpu"]')!;
      cpu.checked = true;
      cpu.dispatchEvent(new Event('change', { bubbles: true }));
      const sel = document.querySelector<HTMLSelectElement>('[data-testid="model-select"]')!;
      sel.value = model;
      sel.dispatchEvent(new Event('change', { bubbles: true }));
      const rep = document.querySelector<HTMLInputElement>('[data-testid="model-form"] input[name="repeats"]')!;
      rep.value = String(n);
      rep.dispatchEvent(new Event('input', { bubbles: true }));
      rep.dispatchEvent(new Event('change', { bubbles: true }));
      document.querySelector<HTMLButtonElement>('[data-testid="run-model"]')!.click();
    },
    which,
    repeats,
  );
  await page.waitFor(() => {
    const d = window.__demo!;
    return d.status === 'ready' && (d.errors.length > 0 || !!d.model);
  }, 120_000);
  const s = await demoState(page);
  expect(s.errors).toEqual([]);
  const m = s.model!;
  expect(m.backend).toBe('cpu');
  expect(m.steadyMs).toHaveLength(repeats);
  // Firefox and WebKit clamp performance.now() to whole milliseconds here: a sub-millisecond run reads 0.
  for (const t of [...m.steadyMs, m.steady.median]) expect(Number.isFinite(t) && t >= 0).toBe(true);
  expect(m.accuracy.pass).toBe(true);
  expect(m.accuracy.maxAbsError).toBeLessThanOrEqual(TOL);
  expect(m.layers.length).toBe(m.nodes);
  expect(s.charts['model-chart']?.points).toBe(m.layers.length);
  const figures = await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="model-figures"]')!.innerText);
  expect(figures).toContain(m.macs.toLocaleString('en-US'));
  return m;
}

describe.each(ENGINES)('demo in %s', (engine: EngineName) => {
  let xb: XBrowser | undefined;
  beforeAll(async () => {
    xb = await launch(engine);
  }, 60_000);
  afterAll(async () => xb?.close());

  it('index.html: WebGPU or the CPU notice, a bundled model run on the CPU, screenshots at 1280 and 375 px', async () => {
    const page = await xb!.newPage();
    try {
      await page.goto(`${server!.url}/?t=${engine}`);
      await page.waitFor(() => window.__demo?.status === 'ready', 60_000);
      const s = await demoState(page);
      const notice = await page.evaluate(() => {
        const n = document.querySelector<HTMLElement>('[data-testid="notice"]')!;
        return { hidden: n.hidden, text: n.innerText };
      });
      const offered = await page.evaluate(() => 'gpu' in navigator && !!(navigator as Navigator & { gpu?: unknown }).gpu);
      console.log(`[demo] ${engine} (${xb!.version}): navigator.gpu ${offered ? 'present' : 'absent'}; page says WebGPU ${s.webgpu.available ? `available (${s.webgpu.adapter?.vendor} ${s.webgpu.adapter?.architecture})` : 'unavailable'}; notice: ${notice.hidden ? '(none)' : notice.text}`);
      if (engine === 'chromium') {
        // SwiftShader: an adapter, flagged as software emulation.
        expect(s.webgpu.available).toBe(true);
        expect(s.webgpu.adapter?.isSoftware).toBe(true);
        expect(notice.text).toMatch(/software emulation/);
      } else {
        expect(offered).toBe(false);
        expect(s.webgpu.available).toBe(false);
        expect(s.backend).toBe('cpu');
        expect(notice.hidden).toBe(false);
        expect(notice.text).toMatch(/WebGPU is not available in this browser .*runs on the CPU/);
        expect(await page.evaluate(() => document.querySelector<HTMLInputElement>('[data-testid="backend-webgpu"]')!.disabled)).toBe(true);
      }
      const heavy = engine === 'firefox';
      const m = await runBundled(page, heavy ? 'mobilenet' : 'tiny', 3);
      console.log(`[demo] ${engine} ${m.name} on the CPU: median ${m.steady.median.toFixed(1)} ms over 3, max |err| ${m.accuracy.maxAbsError.toExponential(2)}`);
      if (heavy) expect(Object.values(m.outputShapes)).toEqual([[1, 10]]);
      else expect(Object.values(m.outputShapes)).toEqual([[2, 8, 20, 20]]);
      for (const w of [1280, 375]) {
        await page.screenshot(`demo-${engine}-${w}`, w);
        // The page must not scroll sideways (wide tables scroll inside their own boxes).
        const { client, scroll, wide } = await page.evaluate(() => {
          const client = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll<HTMLElement>('body *')]
            .filter((e) => {
              if (e.getBoundingClientRect().right <= client + 1) return false;
              // Inside a box that scrolls sideways, it does not widen the page.
              for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (/auto|scroll|hidden/.test(getComputedStyle(a).overflowX)) return false;
              return true;
            })
            .slice(0, 4)
            .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${e.className}` : ''} to ${Math.round(e.getBoundingClientRect().right)} px`);
          return { client, scroll: document.documentElement.scrollWidth, wide };
        });
        console.log(`[demo] ${engine} at ${w} px: page width ${client}, content width ${scroll}`);
        // Known: WebKitGTK at its 447 px minimum reports a 482 px document after a model run although no element
        // outside a sideways-scrolling box reaches past 447 px (logged above, not asserted there).
        if (engine !== 'webkit') expect(scroll, `wider than the page: ${wide.join('; ')}`).toBeLessThanOrEqual(client);
        else expect(wide, 'elements wider than the page').toEqual([]);
        // MiniBrowser's window stops at 447 px (its toolbar); the others give the page the width asked for.
        expect(client).toBeLessThanOrEqual(engine === 'webkit' ? Math.max(w, 447) : w);
      }
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it('demo/validate.html: validates on WebGPU where there is an adapter, else shows why it cannot', async () => {
    const page = await xb!.newPage();
    try {
      await page.goto(`${server!.url}/demo/validate.html?only=seed_separable_3x32_k3&t=${engine}`);
      await page.waitFor(() => (window as { __validate?: unknown }).__validate !== undefined, 120_000);
      const v = await page.evaluate(() => (window as unknown as { __validate: { results: { name: string; error?: string; report?: { pass: boolean } }[]; error?: string } }).__validate);
      const shown = await page.evaluate(() => `${document.getElementById('status')?.textContent ?? ''} | ${document.getElementById('error')?.textContent ?? ''}`);
      console.log(`[demo] ${engine} validate.html: ${shown}`);
      if (engine === 'chromium') {
        expect(v.error).toBeUndefined();
        expect(v.results.map((r) => [r.name, r.error, r.report?.pass])).toEqual([['seed_separable_3x32_k3', undefined, true]]);
      } else {
        expect(v.error).toBe('WebGPU is not available in this browser: validation needs it');
        expect(shown).toContain(v.error);
      }
      for (const w of [1280, 375]) {
        await page.screenshot(`validate-${engine}-${w}`, w);
        const [client, scroll] = await page.evaluate(() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]);
        expect(scroll, `validate.html at ${w} px`).toBeLessThanOrEqual(client);
      }
      if (engine === 'chromium') expect(page.errors).toEqual([]);
      else expect(page.errors.filter((e) => !e.includes(v.error!))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);
});
