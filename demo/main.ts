// The demo page: wires the controls to demo/bench.ts, renders tables and charts, and exposes every figure on
// window.__demo for the browser tests.
import { requestGpu, type AdapterSummary, type GpuContext } from '../src/gpu/device.js';
import type { Backend } from '../src/model.js';
import type { NetworkComparison } from '../src/summary/compare.js';
import {
  benchLayer,
  DEFAULT_SWEEP,
  layerCounts,
  measureSweep,
  PRESETS,
  runWholeModel,
  Stopped,
  sweepCost,
  type LayerConfig,
  type LayerCounts,
  type LayerResult,
  type ModelResult,
  type Progress,
  type Stats,
  type SweepOptions,
  type SweepTiming,
} from './bench.js';
import { chartSummary, layerChart, runsChart, sweepBars } from './charts.js';
import mobilenetUrl from './models/mobilenet_v2_035.onnx?url';
import tinyUrl from './models/tiny_inverted_residual.onnx?url';

const BUNDLED: Record<string, { url: string; name: string }> = {
  mobilenet: { url: mobilenetUrl, name: 'MobileNetV2 ×0.35 (mobilenet_v2_035.onnx)' },
  tiny: { url: tinyUrl, name: 'Two inverted-residual blocks (tiny_inverted_residual.onnx)' },
};

export interface DemoState {
  /** 'starting' until WebGPU detection is done; 'running' during a task; 'ready' otherwise. */
  status: 'starting' | 'ready' | 'running';
  task?: string;
  webgpu: { available: boolean; notice: string; adapter?: AdapterSummary };
  backend: Backend;
  counts?: LayerCounts;
  last?: LayerResult;
  sweep: { cost?: NetworkComparison; timing?: SweepTiming[] };
  model?: ModelResult;
  errors: string[];
  charts: ReturnType<typeof chartSummary>;
}

const demo: DemoState = {
  status: 'starting',
  webgpu: { available: false, notice: '' },
  backend: 'cpu',
  sweep: {},
  errors: [],
  charts: {},
};
declare global {
  interface Window {
    /** The page's state, read by test/demo.test.ts and test/demo-browsers.test.ts. */
    __demo?: DemoState;
  }
}
window.__demo = demo;

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document): T => {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`demo markup is missing ${sel}`);
  return el;
};

// ---------- formatting ----------

const int = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)} %`;
const shape = (s: readonly number[]) => s.join('×');
function ms(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x < 1) return `${x.toFixed(3)} ms`;
  if (x < 10) return `${x.toFixed(2)} ms`;
  if (x < 100) return `${x.toFixed(1)} ms`;
  return `${Math.round(x).toLocaleString('en-US')} ms`;
}
const msRange = (s: Stats) => `${ms(s.min)} – ${ms(s.max)}`;
const msIqr = (s: Stats) => `${ms(s.p25)} – ${ms(s.p75)}`;
const gflops = (x: number) => (Number.isFinite(x) ? `${x.toPrecision(3)} GFLOP/s` : '—');
const sci = (x: number) => (x === 0 ? '0' : x.toExponential(2));
function text(tag: string, content: string, cls?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls) el.className = cls;
  return el;
}

// ---------- errors ----------

function showError(e: unknown, context: string): void {
  const err = e as Error;
  const msg = `${context}: ${err?.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err?.message ?? String(e)}`;
  demo.errors.push(msg);
  const li = document.createElement('li');
  li.textContent = msg;
  $('#errors-list').append(li);
  $('#errors').hidden = false;
  console.warn('[demo]', msg, e);
}

window.addEventListener('error', (ev) => showError(ev.error ?? ev.message, 'Unexpected error'));
window.addEventListener('unhandledrejection', (ev) => showError(ev.reason, 'Unexpected error'));
$('#errors-clear').addEventListener('click', () => {
  $('#errors-list').replaceChildren();
  $('#errors').hidden = true;
  demo.errors = [];
});

// ---------- WebGPU ----------

let gpu: GpuContext | undefined;

function setNotice(message: string, kind: 'info' | 'warn'): void {
  const n = $('#notice');
  n.textContent = message;
  n.className = `notice ${kind}`;
  n.hidden = !message;
  demo.webgpu.notice = message;
}

function setBackendChoice(b: Backend): void {
  demo.backend = b;
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="backend"]')) r.checked = r.value === b;
}

function markGpuUnavailable(status: string, notice: string): void {
  gpu = undefined;
  demo.webgpu.available = false;
  $('#gpu-status').textContent = status;
  $('#gpu-status').className = 'gpu-status off';
  $<HTMLInputElement>('input[name="backend"][value="webgpu"]').disabled = true;
  setBackendChoice('cpu');
  setNotice(notice, 'warn');
}

async function detectGpu(): Promise<void> {
  const nav = navigator as Navigator & { gpu?: GPU };
  if (!nav.gpu) {
    markGpuUnavailable('Not available', 'WebGPU is not available in this browser (navigator.gpu is missing), so everything on this page runs on the CPU.');
    return;
  }
  try {
    gpu = await requestGpu();
  } catch (e) {
    markGpuUnavailable('Failed to start', `WebGPU failed to start (${(e as Error).message}), so everything on this page runs on the CPU.`);
    return;
  }
  if (!gpu) {
    markGpuUnavailable('No adapter', 'This browser has WebGPU but returned no GPU adapter, so everything on this page runs on the CPU.');
    return;
  }
  const info = gpu.info;
  demo.webgpu = { available: true, notice: '', adapter: info };
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' · ') || 'unnamed adapter';
  $('#gpu-status').textContent = `${name}${info.features.includes('timestamp-query') ? ' · timestamp queries' : ''}`;
  $('#gpu-status').className = 'gpu-status on';
  setBackendChoice('webgpu');
  if (info.isSoftware)
    setNotice(
      `The WebGPU adapter is a software emulation (${name}). WebGPU timings here measure a CPU pretending to be a GPU, not GPU speed; on this machine the CPU backend is usually faster.`,
      'info',
    );
  gpu.device.lost.then((lost) => {
    if (lost.reason === 'destroyed') return;
    markGpuUnavailable('Device lost', `The GPU device was lost (${lost.message || lost.reason}); the page now runs on the CPU. Reload to try WebGPU again.`);
  });
}

for (const r of document.querySelectorAll<HTMLInputElement>('input[name="backend"]'))
  r.addEventListener('change', () => r.checked && (demo.backend = r.value as Backend));

// ---------- tasks: one at a time, with progress and a stop button ----------

let busy = false;
const runButtons = () => document.querySelectorAll<HTMLButtonElement>('button.primary');

const nextFrame = () =>
  new Promise<void>((resolve) => {
    let done = false;
    const go = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    requestAnimationFrame(go);
    setTimeout(go, 50); // rAF does not fire in background tabs
  });

async function runTask<T>(name: string, panel: string, work: (p: Progress) => Promise<T>): Promise<T | undefined> {
  if (busy) return undefined;
  busy = true;
  demo.status = 'running';
  demo.task = name;
  const box = $(`#${panel}-progress`);
  const bar = $<HTMLProgressElement>('progress', box);
  const label = $('.progress-text', box);
  const stop = $<HTMLButtonElement>(`#${panel}-stop`);
  const ctrl = new AbortController();
  const onStop = () => ctrl.abort();
  stop.addEventListener('click', onStop);
  stop.disabled = false;
  runButtons().forEach((b) => (b.disabled = true));
  box.hidden = false;
  bar.value = 0;
  label.textContent = 'Starting…';
  const progress: Progress = {
    signal: ctrl.signal,
    async step(done, total, what) {
      bar.value = total ? Math.min(1, done / total) : 0;
      label.textContent = what;
      await nextFrame();
    },
  };
  try {
    await nextFrame();
    return await work(progress);
  } catch (e) {
    if (e instanceof Stopped) label.textContent = 'Stopped.';
    else showError(e, name);
    return undefined;
  } finally {
    stop.removeEventListener('click', onStop);
    stop.disabled = true;
    runButtons().forEach((b) => (b.disabled = false));
    if (!ctrl.signal.aborted) box.hidden = true;
    busy = false;
    demo.task = undefined;
    demo.status = 'ready';
    demo.charts = chartSummary();
  }
}

// ---------- one layer ----------

const layerForm = $<HTMLFormElement>('#layer-form');
const presetSelect = $<HTMLSelectElement>('select[name="preset"]', layerForm);
for (const p of PRESETS) presetSelect.append(new Option(p.label, p.id));
presetSelect.append(new Option('Custom', 'custom'));

const numField = (form: HTMLFormElement, name: string) => $<HTMLInputElement>(`input[name="${name}"]`, form);
const LAYER_FIELDS = ['cin', 'cout', 'k', 'h', 'w', 'stride', 'padding', 'batch'] as const;

function applyPreset(id: string): void {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) return;
  for (const f of LAYER_FIELDS) numField(layerForm, f).value = String(p[f]);
  numField(layerForm, 'bias').checked = p.bias;
  updateLayerCounts();
}

function readLayer(): LayerConfig {
  const v = (f: string) => numField(layerForm, f).valueAsNumber;
  return { cin: v('cin'), cout: v('cout'), k: v('k'), h: v('h'), w: v('w'), stride: v('stride'), padding: v('padding'), batch: v('batch'), bias: numField(layerForm, 'bias').checked };
}

function readRuns(form: HTMLFormElement): { warmup: number; repeats: number } {
  const w = form.querySelector<HTMLInputElement>('input[name="warmup"]');
  const warmup = w ? w.valueAsNumber : 1;
  const repeats = numField(form, 'repeats').valueAsNumber;
  if (!Number.isInteger(warmup) || warmup < 1) throw new RangeError('warm-up runs must be an integer ≥ 1');
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError('timed runs must be an integer ≥ 1');
  return { warmup, repeats };
}

/** Browsers coarsen performance.now() to 0.1 ms unless the page is cross-origin isolated. */
function timerNote(smallest: number): string {
  if (globalThis.crossOriginIsolated || smallest >= 2) return '';
  return 'The browser rounds this page’s timer to 0.1 ms (it is not cross-origin isolated), so sub-millisecond times are coarse.';
}

type Row = [label: string, regular: string, separable: string, ratio: string, cls?: string];

function renderLayerTable(rows: Row[]): void {
  const body = $('#layer-table tbody');
  body.replaceChildren(
    ...rows.map(([label, r, s, ratio, cls]) => {
      const tr = document.createElement('tr');
      if (cls) tr.className = cls;
      const th = text('th', label);
      th.setAttribute('scope', 'row');
      tr.append(th, text('td', r, 'num'), text('td', s, 'num'), text('td', ratio, 'num'));
      return tr;
    }),
  );
}

function countRows(c: LayerCounts, bias: boolean): Row[] {
  return [
    ['Output shape', shape(c.outputShape), shape(c.outputShape), ''],
    ['Layers', `${c.k}×${c.k} conv`, `dw ${c.k}×${c.k} + pw 1×1`, ''],
    ['Parameters', int(c.regular.params), int(c.separable.params), pct(c.separable.params / c.regular.params), 'key'],
    ['  depthwise / pointwise', '', `${int(c.separable.depthwise.params)} / ${int(c.separable.pointwise.params)}`, '', 'minor'],
    ['Mult-adds', int(c.regular.macs), int(c.separable.macs), pct(c.separable.macs / c.regular.macs), 'key'],
    ['  depthwise / pointwise', '', `${int(c.separable.depthwise.macs)} / ${int(c.separable.pointwise.macs)}`, '', 'minor'],
    [`Theory: 1/N + 1/k²${bias ? ' (ignores bias)' : ''}`, '', '', pct(c.theoreticalRatio)],
  ];
}

function updateLayerCounts(): void {
  const line = $('#layer-shape');
  try {
    const cfg = readLayer();
    const c = layerCounts(cfg);
    demo.counts = c;
    line.textContent = `Input ${shape(c.inputShape)} → output ${shape(c.outputShape)}`;
    line.classList.remove('warn');
    if (!demo.last) renderLayerTable(countRows(c, cfg.bias));
  } catch (e) {
    demo.counts = undefined;
    line.textContent = `Cannot build this layer: ${(e as Error).message}`;
    line.classList.add('warn');
  }
}

function renderLayerResult(r: LayerResult): void {
  const counts = layerCounts(r.config);
  const reg = r.regular;
  const sep = r.separable;
  const clock = r.timeSource === 'GPU timestamps' ? 'GPU time' : 'wall-clock';
  const err = (a: LayerResult['regular']['accuracy']) => `${sci(a.maxAbsError)} ${a.pass ? '✓' : '✗ over tolerance'}`;
  const rows: Row[] = [
    ...countRows(counts, r.config.bias),
    [`Time, median (wall-clock)`, ms(reg.wall.median), ms(sep.wall.median), pct(sep.wall.median / reg.wall.median), 'key'],
    ['  min – max', msRange(reg.wall), msRange(sep.wall), '', 'minor'],
    ['  IQR (25th – 75th pct)', msIqr(reg.wall), msIqr(sep.wall), '', 'minor'],
  ];
  if (reg.gpu && sep.gpu)
    rows.push(['GPU time, median (timestamps)', ms(reg.gpu.median), ms(sep.gpu.median), pct(sep.gpu.median / reg.gpu.median), 'key']);
  rows.push(
    [`Measured speedup (${clock})`, '', '', `${r.speedup.toFixed(2)}×${r.speedup < 1 ? ' (separable slower)' : ''}`, r.speedup >= 1 ? 'key good' : 'key bad'],
    [`Achieved GFLOP/s (2·MACs ÷ ${clock})`, gflops(reg.gflops), gflops(sep.gflops), ''],
    ['Load + compile', ms(reg.loadMs), ms(sep.loadMs), ''],
    ['First run', ms(reg.firstRunMs), ms(sep.firstRunMs), ''],
    [`Max |error|, ${reg.accuracy.reference}`, err(reg.accuracy), err(sep.accuracy), '', reg.accuracy.pass && sep.accuracy.pass ? '' : 'bad'],
    ['Ran on', reg.backend, sep.backend, ''],
  );
  renderLayerTable(rows);
  const notes = [
    `${r.config.repeats} timed runs after ${r.config.warmup} warm-up run${r.config.warmup > 1 ? 's' : ''}, same random input for both.`,
    r.timeSource === 'wall-clock'
      ? `Times are wall-clock around model.run()${r.config.backend === 'webgpu' ? ', including the upload of the input and the readback of the output' : ''}.`
      : 'Speedup and GFLOP/s use GPU timestamps; wall-clock is shown for comparison.',
    timerNote(Math.min(reg.wall.median, sep.wall.median)),
    `Error tolerance ${r.tolerance.atol} abs + ${r.tolerance.rtol} rel.`,
  ];
  if (reg.backend !== r.config.backend || sep.backend !== r.config.backend) notes.push(`Warning: asked for ${r.config.backend} but ran on the CPU: ${reg.backendReason}.`);
  $('#layer-note').textContent = notes.filter(Boolean).join(' ');
  $('#layer-placeholder').hidden = true;
  $('#layer-chart-box').hidden = false;
  runsChart($<HTMLCanvasElement>('#layer-chart'), `Each timed run (wall-clock, ${r.config.backend === 'webgpu' ? 'WebGPU' : 'CPU'})`, reg.wallMs, sep.wallMs);
}

layerForm.addEventListener('input', (ev) => {
  const t = ev.target as HTMLElement;
  if (t === presetSelect) return;
  if (LAYER_FIELDS.includes((t as HTMLInputElement).name as (typeof LAYER_FIELDS)[number]) || (t as HTMLInputElement).name === 'bias') {
    presetSelect.value = 'custom';
    demo.last = undefined;
    updateLayerCounts();
  }
});
presetSelect.addEventListener('change', () => {
  demo.last = undefined;
  applyPreset(presetSelect.value);
});
layerForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  let cfg: LayerConfig;
  let runs: { warmup: number; repeats: number };
  try {
    cfg = readLayer();
    runs = readRuns(layerForm);
    layerCounts(cfg);
  } catch (e) {
    showError(e, 'One layer');
    return;
  }
  const r = await runTask('One layer', 'layer', (progress) => benchLayer(cfg, { backend: demo.backend, gpu: demo.backend === 'webgpu' ? gpu : undefined, ...runs, progress }));
  if (r) {
    demo.last = r;
    renderLayerResult(r);
    demo.charts = chartSummary();
  }
});

// ---------- network sweep ----------

const sweepForm = $<HTMLFormElement>('#sweep-form');
for (const [k, v] of Object.entries(DEFAULT_SWEEP)) numField(sweepForm, k).value = String(v);

function readSweep(): SweepOptions {
  const v = (f: string) => numField(sweepForm, f).valueAsNumber;
  return { inputSize: v('inputSize'), k: v('k'), startChannels: v('startChannels'), steps: v('steps') };
}

function renderSweep(): void {
  const n = demo.sweep.cost;
  if (!n) return;
  const t = demo.sweep.timing;
  const head = ['Step', 'Channels', 'H×W', 'Regular params', 'Separable params', 'Size', 'Regular MACs', 'Separable MACs', 'Cost', 'Theory'];
  if (t) head.push('Regular time', 'Separable time', 'Speedup');
  const th = document.createElement('tr');
  th.append(...head.map((h) => text('th', h)));
  $('#sweep-table thead').replaceChildren(th);
  $('#sweep-table tbody').replaceChildren(
    ...n.steps.map((s, i) => {
      const tr = document.createElement('tr');
      const cells = [String(s.step), `${s.cin}→${s.cout}`, `${s.size}×${s.size}`, int(s.regular.params), int(s.separable.params), pct(s.paramRatio), int(s.regular.macs), int(s.separable.macs), pct(s.macRatio), pct(s.theoretical)];
      if (t) {
        const m = t[i];
        cells.push(m ? ms(m.regular.median) : '—', m ? ms(m.separable.median) : '—', m ? `${(m.regular.median / m.separable.median).toFixed(2)}×` : '—');
      }
      tr.append(...cells.map((c, j) => text('td', c, j > 0 ? 'num' : '')));
      return tr;
    }),
  );
  const foot = document.createElement('tr');
  const totals = ['Total', '', '', int(n.total.regular.params), int(n.total.separable.params), pct(n.total.paramPct / 100), int(n.total.regular.macs), int(n.total.separable.macs), pct(n.total.macPct / 100), ''];
  if (t) {
    const rt = t.reduce((s, x) => s + x.regular.median, 0);
    const st = t.reduce((s, x) => s + x.separable.median, 0);
    totals.push(ms(rt), ms(st), `${(rt / st).toFixed(2)}×`);
  }
  foot.append(...totals.map((c, j) => text('td', c, j > 0 ? 'num' : '')));
  $('#sweep-table tfoot').replaceChildren(foot);
  const o = n.options;
  $('#sweep-note').textContent =
    `${o.k}×${o.k} convolutions, ${o.steps} steps from ${o.inputSize}×${o.inputSize} and ${o.startChannels} channels. ` +
    `On average the separable layer has ${n.avgParamPct.toFixed(1)} % of the parameters and ${n.avgMacPct.toFixed(1)} % of the mult-adds (theory ${n.avgTheoreticalPct.toFixed(1)} %).` +
    (t
      ? ` Times: median of the timed runs per layer (${t[0]?.timeSource ?? 'wall-clock'}, ${demo.backend === 'webgpu' ? 'WebGPU' : 'CPU'}). ${t[0]?.timeSource === 'wall-clock' ? timerNote(Math.min(...t.map((x) => x.separable.median))) : ''}`
      : ' Press “Measure time” to time every step on the chosen backend.');
  const labels = n.steps.map((s) => [`${s.cin}→${s.cout}`, `${s.size}²`]);
  sweepBars($<HTMLCanvasElement>('#sweep-params'), 'Size (parameters)', 'params', labels, n.steps.map((s) => s.regular.params), n.steps.map((s) => s.separable.params), true);
  sweepBars($<HTMLCanvasElement>('#sweep-macs'), 'Cost (mult-adds)', 'MACs', labels, n.steps.map((s) => s.regular.macs), n.steps.map((s) => s.separable.macs), true);
  sweepBars(
    $<HTMLCanvasElement>('#sweep-time'),
    t ? `Measured time (${t[0]?.timeSource ?? 'wall-clock'} median)` : 'Measured time (not measured yet)',
    'ms',
    labels,
    n.steps.map((_, i) => t?.[i]?.regular.median ?? null),
    n.steps.map((_, i) => t?.[i]?.separable.median ?? null),
    false,
  );
  demo.charts = chartSummary();
}

/** While the user edits, an impossible sweep is explained next to the table; a run with one goes to the error panel. */
function updateSweepCost(): void {
  const note = $('#sweep-note');
  try {
    demo.sweep = { cost: sweepCost(readSweep()) };
    note.classList.remove('warn');
    renderSweep();
  } catch (e) {
    note.textContent = `Cannot build this sweep: ${(e as Error).message}`;
    note.classList.add('warn');
  }
}

sweepForm.addEventListener('change', (ev) => {
  if ((ev.target as HTMLInputElement).name !== 'repeats') updateSweepCost();
});
sweepForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  let runs: { warmup: number; repeats: number };
  try {
    demo.sweep = { cost: sweepCost(readSweep()) };
    runs = readRuns(sweepForm);
  } catch (e) {
    showError(e, 'Network sweep');
    return;
  }
  renderSweep();
  const cost = demo.sweep.cost!;
  const t = await runTask('Network sweep', 'sweep', (progress) => measureSweep(cost, { backend: demo.backend, gpu: demo.backend === 'webgpu' ? gpu : undefined, ...runs, progress }));
  if (t) {
    demo.sweep = { cost, timing: t };
    renderSweep();
  }
});

// ---------- whole model ----------

const modelForm = $<HTMLFormElement>('#model-form');

function figure(dl: HTMLElement, label: string, value: string, testid?: string): void {
  const dt = text('dt', label);
  const dd = text('dd', value);
  if (testid) dd.dataset.testid = testid;
  dl.append(dt, dd);
}

function renderModel(r: ModelResult): void {
  const dl = $('#model-figures');
  dl.replaceChildren();
  const shapes = (m: Record<string, number[]>) => Object.entries(m).map(([k, s]) => `${k} ${shape(s)}`).join(', ');
  figure(dl, 'Model', `${r.name} (${(r.bytes / 1e6).toFixed(2)} MB)`);
  figure(dl, 'Input → output', `${shapes(r.inputShapes)} → ${shapes(r.outputShapes)}`);
  figure(dl, 'Layers (after fusing)', int(r.nodes));
  figure(dl, 'Parameters', int(r.params));
  figure(dl, 'Mult-adds', int(r.macs));
  figure(dl, 'Parse ONNX', ms(r.parseMs));
  figure(dl, r.backend === 'webgpu' ? 'Load (incl. pipeline compile)' : 'Load (resolve + optimise)', ms(r.loadMs), 'model-load');
  figure(dl, 'First run', ms(r.firstRunMs), 'model-first');
  figure(dl, 'Steady latency (wall-clock median)', ms(r.steady.median), 'model-steady');
  figure(dl, '  min – max', msRange(r.steady));
  figure(dl, '  IQR (25th – 75th pct)', msIqr(r.steady));
  if (r.gpu) figure(dl, 'GPU time (timestamps, median)', ms(r.gpu.median));
  figure(dl, 'Achieved', gflops(r.gflops));
  figure(dl, `Max |error|, ${r.accuracy.reference}`, `${sci(r.accuracy.maxAbsError)} ${r.accuracy.pass ? '✓' : '✗ over tolerance'}`);
  figure(dl, 'Ran on', r.backend === 'webgpu' ? 'WebGPU' : `CPU (${r.backendReason})`);
  const box = $('#model-chart-box');
  box.hidden = false;
  box.style.height = `${Math.max(240, 60 + r.layers.length * 16)}px`;
  // Narrow screens: no op suffix, or Chart.js cuts the labels off (the tooltip has the full name).
  const narrow = box.clientWidth < 520;
  const labels = r.layers.map((l, i) => `${i + 1}. ${shortName(l.node, l.op)}${narrow ? '' : ` (${l.op})`}`);
  layerChart($<HTMLCanvasElement>('#model-chart'), r.layerSource[0]!.toUpperCase() + r.layerSource.slice(1), labels, r.layers.map((l) => l.ms), r.layers.map((l) => `${l.node} (${l.op})`));
  const total = r.layers.reduce((s, l) => s + l.ms, 0);
  $('#model-note').textContent =
    `Per-layer chart: ${r.layerSource}, summing to ${ms(total)}.` +
    (r.layerSource.startsWith('CPU') && r.backend === 'webgpu' ? ' The engine has no GPU per-layer profiler here, so these are CPU times of the same layers.' : '') +
    ' Symbolic input dimensions are set to 1.';
}

/** "/features/features.3/conv/conv.0/conv.0.0/Conv" -> "features.3/conv.0.0": drops the op and path parts that the next part repeats. */
function shortName(node: string, op: string): string {
  const parts = node.split('/').filter(Boolean);
  if (parts.length > 1 && parts[parts.length - 1]!.startsWith(op)) parts.pop();
  const kept = parts.filter((p, i) => !(parts[i + 1]?.startsWith(`${p}.`) ?? false));
  return kept.join('/') || node || op;
}

modelForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  let runs: { warmup: number; repeats: number };
  try {
    runs = readRuns(modelForm);
  } catch (e) {
    showError(e, 'Whole model');
    return;
  }
  const file = numField(modelForm, 'file').files?.[0];
  const choice = BUNDLED[$<HTMLSelectElement>('select[name="bundled"]', modelForm).value]!;
  const r = await runTask('Whole model', 'model', async (progress) => {
    await progress.step(0, 1, file ? `Reading ${file.name}` : 'Fetching the bundled model');
    let bytes: Uint8Array;
    if (file) bytes = new Uint8Array(await file.arrayBuffer());
    else {
      const res = await fetch(choice.url);
      if (!res.ok) throw new Error(`GET ${choice.url}: HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
    return runWholeModel(bytes, file ? file.name : choice.name, { backend: demo.backend, gpu: demo.backend === 'webgpu' ? gpu : undefined, warmup: 2, repeats: runs.repeats, progress });
  });
  if (r) {
    demo.model = r;
    renderModel(r);
    demo.charts = chartSummary();
  }
});

// ---------- start ----------

async function start(): Promise<void> {
  applyPreset(PRESETS[0]!.id);
  updateSweepCost();
  try {
    await detectGpu();
  } catch (e) {
    markGpuUnavailable('Failed to start', `WebGPU failed to start (${(e as Error).message}), so everything on this page runs on the CPU.`);
    showError(e, 'WebGPU');
  }
  demo.status = 'ready';
}

start().catch((e) => showError(e, 'Starting the demo'));
