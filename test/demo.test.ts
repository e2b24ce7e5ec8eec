// The demo page (index.html + demo/) in headless Chromium: WebGPU (SwiftShader) and, with navigator.gpu
// removed, the CPU fallback. A missing browser or WebGPU fails here (see support/browser.ts); nothing skips.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { describe, expect, it } from 'vitest';
import type { DemoState } from '../demo/main.js';
import { GraphBuilder } from '../src/builder.js';
import { loadOnnx } from '../src/onnx/import.js';
import { compareLayer, compareNetwork } from '../src/summary/compare.js';
import { summary } from '../src/summary/summary.js';
import { expectWebGpu, openPage, ROOT } from './support/browser.js';

const TOL = 1e-4;

// SwiftShader compiles each depthwise pipeline in seconds, so the WebGPU cases get generous limits.
const LONG = 240_000;

/** A fresh URL per page: the shared browser's cache would answer a repeated "/" with 304. */
const demoUrl = () => `/?t=${Math.random().toString(36).slice(2)}`;

/** What the page should report for a bundled model, computed here with the engine's own importer and summary(). */
function expectedModel(file: string) {
  const g = loadOnnx(readFileSync(join(ROOT, 'demo/models', file)));
  const inputs: Record<string, number[]> = {};
  for (const i of g.inputs) if (!g.initializers.has(i.name)) inputs[i.name] = i.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const s = summary(g, inputs);
  return { inputs, params: s.totalParams, macs: s.totalMacs };
}

async function runModel(page: Page, which: string, repeats: number): Promise<NonNullable<DemoState['model']>> {
  await page.select('[data-testid="model-select"]', which);
  await setField(page, 'model-form', 'repeats', repeats);
  await page.click('[data-testid="run-model"]');
  await page.waitForFunction(
    () => {
      const d = window.__demo!;
      return d.status === 'ready' && (d.errors.length > 0 || !!d.model);
    },
    { timeout: LONG - 30_000, polling: 250 },
  );
  const s = await state(page);
  expect(s.errors).toEqual([]);
  const m = s.model!;
  for (const t of [m.parseMs, m.loadMs, m.firstRunMs, m.steady.median, m.gflops]) expect(t).toBeGreaterThan(0);
  expect(m.steadyMs).toHaveLength(repeats);
  expect(m.accuracy.maxAbsError).toBeLessThanOrEqual(TOL);
  expect(m.accuracy.pass).toBe(true);
  expect(m.layers.length).toBe(m.nodes);
  expect(m.layers.every((l) => Number.isFinite(l.ms) && l.ms >= 0)).toBe(true);
  expect(s.charts['model-chart']?.points).toBe(m.layers.length);
  expect(await paintedPixels(page, 'model-chart')).toBeGreaterThan(1000);
  const figures = await page.$eval('[data-testid="model-figures"]', (el) => (el as HTMLElement).innerText);
  expect(figures).toContain(m.macs.toLocaleString('en-US'));
  return m;
}

const state = (page: Page) => page.evaluate(() => window.__demo!) as Promise<DemoState>;

async function waitReady(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => window.__demo?.status === 'ready', { timeout, polling: 200 });
}

/** Sets a number field and fires the events a user's typing would. */
async function setField(page: Page, form: string, name: string, value: number): Promise<void> {
  await page.$eval(
    `[data-testid="${form}"] input[name="${name}"]`,
    (el, v) => {
      const input = el as HTMLInputElement;
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    value,
  );
}

/** Painted pixels of a canvas (alpha > 0): a Chart.js chart that drew nothing has none. */
function paintedPixels(page: Page, testid: string): Promise<number> {
  return page.$eval(`[data-testid="${testid}"]`, (el) => {
    const c = el as HTMLCanvasElement;
    if (!c.width || !c.height) return 0;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  });
}

async function runLayer(page: Page, timeout = 90_000): Promise<NonNullable<DemoState['last']>> {
  const before = (await state(page)).last?.seq ?? 0;
  await page.click('[data-testid="run-layer"]');
  await page.waitForFunction(
    (prev) => {
      const d = window.__demo!;
      return d.status === 'ready' && (d.errors.length > 0 || (d.last?.seq ?? 0) > prev);
    },
    { timeout, polling: 250 },
    before,
  );
  const s = await state(page);
  expect(s.errors).toEqual([]);
  return s.last!;
}

function expectTimings(side: NonNullable<DemoState['last']>['regular'], repeats: number): void {
  expect(side.wallMs).toHaveLength(repeats);
  for (const t of side.wallMs) expect(Number.isFinite(t) && t >= 0).toBe(true);
  for (const t of [side.wall.median, side.wall.max, side.firstRunMs, side.loadMs, side.timeMs, side.gflops]) {
    expect(Number.isFinite(t)).toBe(true);
    expect(t).toBeGreaterThan(0);
  }
  expect(side.wall.min).toBeLessThanOrEqual(side.wall.p25);
  expect(side.wall.p25).toBeLessThanOrEqual(side.wall.median);
  expect(side.wall.median).toBeLessThanOrEqual(side.wall.p75);
  expect(side.wall.p75).toBeLessThanOrEqual(side.wall.max);
}

describe('demo page', () => {
  it('runs the small preset on WebGPU: exact counts, timings, GPU-vs-CPU error, charts, screenshots', async () => {
    const { page, errors, screenshot } = await openPage(demoUrl());
    await page.setViewport({ width: 1280, height: 800 });
    await expectWebGpu(page);
    await waitReady(page);
    let s = await state(page);
    expect(s.webgpu.available).toBe(true);
    expect(s.backend).toBe('webgpu');
    expect(await page.$eval('[data-testid="backend-webgpu"]', (el) => (el as HTMLInputElement).checked)).toBe(true);

    await page.select('[data-testid="preset"]', 'small');
    await setField(page, 'layer-form', 'repeats', 5);
    const last = await runLayer(page);

    // The small preset: 8 -> 16, 3x3, padding 1 on 1x8x32x32, no bias.
    expect(last.config).toMatchObject({ cin: 8, cout: 16, k: 3, h: 32, w: 32, stride: 1, padding: 1, batch: 1, bias: false, backend: 'webgpu', repeats: 5 });
    const cmp = compareLayer(8, 16, 3, { h: 32, padding: 1, bias: false });
    expect(last.regular.params).toBe(cmp.regular.params);
    expect(last.regular.macs).toBe(cmp.regular.macs);
    expect(last.separable.params).toBe(cmp.separable.params);
    expect(last.separable.macs).toBe(cmp.separable.macs);
    expect(last.regular.params).toBe(8 * 16 * 9);
    expect(last.regular.macs).toBe(8 * 16 * 9 * 32 * 32);
    expect(last.theoreticalRatio).toBeCloseTo(1 / 16 + 1 / 9, 12);
    expect(last.macRatio).toBeCloseTo(cmp.macRatio, 12);
    expect(last.regular.outputShape).toEqual([1, 16, 32, 32]);
    expect(last.separable.outputShape).toEqual([1, 16, 32, 32]);

    expect(last.regular.backend).toBe('webgpu');
    expect(last.separable.backend).toBe('webgpu');
    expectTimings(last.regular, 5);
    expectTimings(last.separable, 5);
    expect(last.speedup).toBeCloseTo(last.regular.timeMs / last.separable.timeMs, 9);
    for (const side of [last.regular, last.separable]) {
      expect(side.accuracy.reference).toBe('WebGPU vs CPU');
      expect(side.accuracy.maxAbsError).toBeLessThanOrEqual(TOL);
      expect(side.accuracy.pass).toBe(true);
    }

    // The table shows the same exact figures the test computed.
    const table = await page.$eval('[data-testid="layer-table"]', (el) => (el as HTMLElement).innerText);
    expect(table).toContain(cmp.regular.macs.toLocaleString('en-US'));
    expect(table).toContain(cmp.separable.macs.toLocaleString('en-US'));
    expect(table).toContain('wall-clock');

    // Charts: the per-run chart and the three sweep charts exist and drew something.
    s = await state(page);
    expect(s.charts['layer-chart']).toMatchObject({ type: 'line', datasets: 2, points: 10 });
    expect(s.charts['sweep-params']?.points).toBe(12);
    expect(s.charts['sweep-macs']?.points).toBe(12);
    expect(await paintedPixels(page, 'layer-chart')).toBeGreaterThan(1000);
    expect(await paintedPixels(page, 'sweep-chart-params')).toBeGreaterThan(1000);

    // The sweep table is the cost model's default pyramid (128x128, 3x3, 32 channels, 6 steps).
    const net = compareNetwork({ inputSize: 128, k: 3, startChannels: 32, steps: 6 });
    expect(s.sweep.cost?.steps.map((x) => [x.regular.params, x.separable.params, x.regular.macs, x.separable.macs])).toEqual(
      net.steps.map((x) => [x.regular.params, x.separable.params, x.regular.macs, x.separable.macs]),
    );

    await screenshot('demo-1280x800');
    // Width only: isMobile would make Puppeteer reload the page and lose the results.
    await page.setViewport({ width: 375, height: 800 });
    await new Promise((r) => setTimeout(r, 300));
    // Nothing wider than the phone: wide tables scroll inside their own box.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot('demo-375x800');
    expect(errors).toEqual([]);
    await page.close();
  }, LONG);

  it('measures a small network sweep and runs the small bundled model on WebGPU', async () => {
    const { page, errors, screenshot } = await openPage(demoUrl());
    await page.setViewport({ width: 1280, height: 800 });
    await waitReady(page);

    await setField(page, 'sweep-form', 'inputSize', 16);
    await setField(page, 'sweep-form', 'startChannels', 4);
    await setField(page, 'sweep-form', 'steps', 2);
    await setField(page, 'sweep-form', 'repeats', 2);
    await page.click('[data-testid="measure-sweep"]');
    await page.waitForFunction(
      () => {
        const d = window.__demo!;
        return d.status === 'ready' && (d.errors.length > 0 || !!d.sweep.timing);
      },
      { timeout: 90_000, polling: 250 },
    );
    let s = await state(page);
    expect(s.errors).toEqual([]);
    const net = compareNetwork({ inputSize: 16, k: 3, startChannels: 4, steps: 2 });
    expect(s.sweep.cost?.steps.map((x) => [x.cin, x.cout, x.size, x.regular.macs, x.separable.macs])).toEqual(
      net.steps.map((x) => [x.cin, x.cout, x.size, x.regular.macs, x.separable.macs]),
    );
    expect(s.sweep.timing).toHaveLength(2);
    for (const t of s.sweep.timing!) {
      expect(t.regular.median).toBeGreaterThan(0);
      expect(t.separable.median).toBeGreaterThan(0);
    }
    expect(s.charts['sweep-time']).toMatchObject({ datasets: 2, points: 4 });
    expect(await paintedPixels(page, 'sweep-chart-time')).toBeGreaterThan(1000);

    // The small bundled model: MobileNetV2 itself compiles ~17 depthwise pipelines, minutes on SwiftShader.
    const m = await runModel(page, 'tiny', 3);
    const want = expectedModel('tiny_inverted_residual.onnx');
    expect(m.backend).toBe('webgpu');
    expect(m.accuracy.reference).toBe('WebGPU vs CPU');
    expect(m.inputShapes).toEqual(want.inputs);
    expect(m.params).toBe(want.params);
    expect(m.macs).toBe(want.macs);
    expect(Object.values(m.outputShapes)).toEqual([[2, 8, 20, 20]]);
    await screenshot('demo-model-1280x800');
    expect(errors).toEqual([]);
    await page.close();
  }, LONG);

  it('without WebGPU says so and runs on the CPU (batch 2, with bias)', async () => {
    const { page, errors, screenshot } = await openPage(demoUrl());
    await page.evaluateOnNewDocument(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await page.reload({ waitUntil: 'load' });
    await page.setViewport({ width: 1280, height: 800 });
    await waitReady(page);
    const s = await state(page);
    expect(s.webgpu.available).toBe(false);
    expect(s.backend).toBe('cpu');
    const notice = await page.$eval('[data-testid="notice"]', (el) => ({ text: (el as HTMLElement).innerText, hidden: (el as HTMLElement).hidden }));
    expect(notice.hidden).toBe(false);
    expect(notice.text).toMatch(/WebGPU is not available.*runs on the CPU/);
    expect(await page.$eval('[data-testid="backend-webgpu"]', (el) => (el as HTMLInputElement).disabled)).toBe(true);

    // A custom layer: 16 -> 32, 3x3, stride 2, padding 1, batch 2, bias.
    await page.select('[data-testid="preset"]', 'small');
    for (const [name, v] of [['cin', 16], ['cout', 32], ['h', 48], ['w', 40], ['stride', 2], ['batch', 2], ['repeats', 5]] as const)
      await setField(page, 'layer-form', name, v);
    await page.$eval('[data-testid="layer-form"] input[name="bias"]', (el) => {
      (el as HTMLInputElement).checked = true;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const last = await runLayer(page);
    expect(last.config).toMatchObject({ cin: 16, cout: 32, k: 3, h: 48, w: 40, stride: 2, padding: 1, batch: 2, bias: true, backend: 'cpu' });

    const shape = [2, 16, 48, 40];
    const rb = new GraphBuilder('r', { init: 'zeros' });
    rb.output(rb.conv2d(rb.input('input', shape), 16, 32, 3, { stride: 2, padding: 1, bias: true }));
    const sb = new GraphBuilder('s', { init: 'zeros' });
    sb.output(sb.separableConv2d(sb.input('input', shape), 16, 32, 3, { stride: 2, padding: 1, bias: true }));
    const reg = summary(rb.build());
    const sep = summary(sb.build());
    expect(last.regular.params).toBe(reg.totalParams);
    expect(last.regular.macs).toBe(reg.totalMacs);
    expect(last.separable.params).toBe(sep.totalParams);
    expect(last.separable.macs).toBe(sep.totalMacs);
    expect(last.regular.outputShape).toEqual([2, 32, 24, 20]);

    for (const side of [last.regular, last.separable]) {
      expect(side.backend).toBe('cpu');
      expectTimings(side, 5);
      expect(side.accuracy.reference).toBe('CPU fast kernels vs CPU reference kernels');
      expect(side.accuracy.maxAbsError).toBeLessThanOrEqual(TOL);
    }
    expect(last.timeSource).toBe('wall-clock');

    // The bundled MobileNetV2 on the CPU, with per-layer CPU times.
    const m = await runModel(page, 'mobilenet', 3);
    const want = expectedModel('mobilenet_v2_035.onnx');
    expect(m.backend).toBe('cpu');
    expect(m.inputShapes).toEqual({ input: [1, 3, 64, 64] });
    expect(m.inputShapes).toEqual(want.inputs);
    expect(m.params).toBe(want.params);
    expect(m.macs).toBe(want.macs);
    expect(Object.values(m.outputShapes)).toEqual([[1, 10]]);
    expect(m.layerSource).toMatch(/^CPU time per layer/);

    // A broken local file: the failure is shown in the page's error panel, not only in the console.
    const junk = join(mkdtempSync(join(tmpdir(), 'sepconv-demo-')), 'not-a-model.onnx');
    writeFileSync(junk, 'this is not an ONNX protobuf');
    const input = await page.$('[data-testid="model-file"]');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(junk);
    await page.click('[data-testid="run-model"]');
    await page.waitForFunction(() => window.__demo!.errors.length > 0, { timeout: 30_000 });
    const panel = await page.$eval('[data-testid="errors"]', (el) => ({ hidden: (el as HTMLElement).hidden, text: (el as HTMLElement).innerText }));
    expect(panel.hidden).toBe(false);
    expect(panel.text).toMatch(/Whole model: .*ModelFormatError/);
    await screenshot('demo-no-webgpu-1280x800');
    expect(errors).toEqual([]);
    await page.close();
  }, LONG);
});
