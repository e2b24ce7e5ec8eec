// The benchmark page's API (window.__bench), called by bench/run.mjs through Puppeteer. One page holds one
// (engine, backend) pair; the driver opens a fresh page for each pair so runtimes never share state.
import { requestGpu, summarizeAdapter } from '../src/gpu/device.js';
import { readNpy } from '../src/io/npy.js';
import { load } from '../src/model.js';
import { loadOnnx } from '../src/onnx/import.js';
import { layerType, summary } from '../src/summary/summary.js';
import { makeEngine, threads, type Engine, type Runner, type WorkloadSpec } from './engines.js';
import { microbench } from './micro.js';
import { settle } from './support/settle.js';
import { isTfjsModel, photoInput, type MultiRunner, type TfjsModelSpec } from './tfjs-models.js';

/** A workload as the driver describes it: URLs under the dev server, raw float32 (.bin) or .npy data. */
export interface WorkloadFiles extends WorkloadSpec {
  model: string;
  input: string;
  output: string;
}

export interface RowOptions {
  /** Stop steady runs once this much time has been spent on them (after minRuns). */
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
  /** No new steady run starts this long after the row began (the driver's own timeout is later). */
  hardStopAfterMs: number;
}

export interface RowResult {
  ttfrMs: number;
  /** From the first result until the engine's steady kernels were in place (Runner.settled); the steady runs follow. */
  settleMs: number;
  loadMs: number;
  times: number[];
  medianMs: number | null;
  minMs: number | null;
  maxAbsDiff: number | null;
  detail?: string;
  note?: string;
  /** TF.js-model rows: every output of the last run (model order), for the driver's comparison across engines. */
  outputs?: { name: string; data: number[] }[];
}

/** A row's figures from its steady-run times (median, min, and a note when fewer than minRuns fit). */
function rowResult(
  ttfrMs: number, settleMs: number, loadMs: number, times: number[], minRuns: number, detail: string | undefined,
  extra: Pick<RowResult, 'maxAbsDiff' | 'outputs'>,
): RowResult {
  return {
    ttfrMs,
    settleMs,
    loadMs,
    times,
    medianMs: times.length ? median(times) : null,
    minMs: times.length ? Math.min(...times) : null,
    detail,
    note: times.length < minRuns ? `only ${times.length} steady run(s) fit in the time limit` : undefined,
    ...extra,
  };
}

const log = (s: string) => {
  const el = document.getElementById('log');
  if (el) el.textContent += s + '\n';
};
const setStatus = (s: string) => {
  const el = document.getElementById('status');
  if (el) el.textContent = s;
};

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function fetchFloats(url: string): Promise<Float32Array> {
  const b = await fetchBytes(url);
  if (url.endsWith('.npy')) return readNpy(b, url).data;
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** Every engine's output must match the reference, |out − ref| ≤ atol + rtol·|ref| elementwise, or the row is an error. */
export const BENCH_TOLERANCE = { atol: 1e-3, rtol: 1e-3 };

/** The first element outside BENCH_TOLERANCE, described, or undefined. */
function outOfTolerance(a: Float32Array, ref: Float32Array): string | undefined {
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(a[i]! - ref[i]!);
    if (!(d <= BENCH_TOLERANCE.atol + BENCH_TOLERANCE.rtol * Math.abs(ref[i]!)))
      return `output[${i}] = ${a[i]}, reference ${ref[i]} (|diff| ${d} > ${BENCH_TOLERANCE.atol} + ${BENCH_TOLERANCE.rtol}·|ref|)`;
  }
  return undefined;
}

function maxAbsDiff(a: Float32Array, ref: Float32Array): number {
  if (a.length !== ref.length) throw new Error(`output has ${a.length} elements, the reference ${ref.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - ref[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

let engine: Engine | undefined;
const data = new Map<string, { onnx: Uint8Array; input: Float32Array; ref: Float32Array }>();

async function files(w: WorkloadFiles) {
  let d = data.get(w.name);
  if (!d) {
    const [onnx, input, ref] = await Promise.all([fetchBytes(w.model), fetchFloats(w.input), fetchFloats(w.output)]);
    d = { onnx, input, ref };
    data.set(w.name, d);
  }
  return d;
}

const api = {
  async info() {
    const env = { crossOriginIsolated: globalThis.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, wasmThreads: threads(), userAgent: navigator.userAgent };
    if (!navigator.gpu) return { ...env, error: 'navigator.gpu is undefined' };
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { ...env, error: 'requestAdapter() returned null' };
    return { ...env, adapter: summarizeAdapter(adapter) };
  },

  async micro() {
    const gpu = await requestGpu();
    if (!gpu) throw new Error('no WebGPU adapter');
    try {
      return await microbench(gpu.device);
    } finally {
      gpu.device.destroy();
    }
  },

  /** sepconv's own choice with backend 'auto' on this machine. */
  async auto(w: WorkloadFiles) {
    const { onnx } = await files(w);
    const m = await load(onnx, { backend: 'auto', inputShapes: { [w.inputName]: w.inputShape } });
    const r = { backend: m.backend, reason: m.reason, isSoftware: m.adapter?.isSoftware ?? null };
    m.dispose();
    return r;
  },

  /** Exact mult-adds (sepconv's summary), in total and per layer kind. */
  async macs(w: WorkloadFiles) {
    const { onnx } = await files(w);
    const rep = summary(loadOnnx(onnx), { [w.inputName]: w.inputShape });
    const byKind: Record<string, number> = {};
    for (const r of rep.rows) {
      const k = r.type.startsWith('Conv (depthwise') ? 'depthwise' : r.type === 'Conv (pointwise)' ? 'pointwise' : r.op === 'Conv' ? 'regular conv' : r.op;
      byKind[k] = (byKind[k] ?? 0) + r.macs;
    }
    return { totalMacs: rep.totalMacs, totalParams: rep.totalParams, byKind, layers: rep.rows.length, types: [...new Set(rep.rows.map((r) => r.type))] };
  },

  async init(engineName: string, backend: string): Promise<string> {
    setStatus(`init ${engineName}/${backend}`);
    engine = makeEngine(engineName, backend);
    const d = await engine.init();
    log(`${engineName}/${backend}: ${d}`);
    return d;
  },

  async row(w: WorkloadFiles | TfjsModelSpec, o: RowOptions): Promise<RowResult> {
    if (!engine) throw new Error('init() first');
    if (isTfjsModel(w)) return graphModelRow(engine, w, o);
    setStatus(`${engine.engine}/${engine.backend} ${w.name}`);
    const { onnx, input, ref } = await files(w);
    let runner: Runner | undefined;
    try {
      const t0 = performance.now();
      const hardStop = t0 + o.hardStopAfterMs;
      runner = await engine.load(onnx, w);
      const loadMs = performance.now() - t0;
      const first = await runner.run(input);
      const ttfrMs = performance.now() - t0;
      const settleMs = await settle(runner.settled);
      let diff = maxAbsDiff(first, ref);
      const times: number[] = [];
      const s0 = performance.now();
      let last: Float32Array | undefined;
      while (times.length < o.maxRuns) {
        const now = performance.now();
        if (times.length >= o.minRuns && now - s0 >= o.budgetMs) break;
        // Do not start a run that would likely end past the hard stop.
        if (now + (times.length ? times[times.length - 1]! : ttfrMs - loadMs) > hardStop) break;
        const t = performance.now();
        last = await runner.run(input);
        times.push(performance.now() - t);
      }
      if (last) diff = Math.max(diff, maxAbsDiff(last, ref));
      // A result is only reported when it is right and ran where its row says.
      const wrong = outOfTolerance(first, ref) ?? (last && outOfTolerance(last, ref));
      if (wrong) throw new Error(`${engine.engine}/${engine.backend} ${w.name}: accuracy out of tolerance: ${wrong}`);
      const elsewhere = runner.notOnBackend?.();
      if (elsewhere) throw new Error(`${engine.engine}/${engine.backend} ${w.name}: not every run was on ${engine.backend}: ${elsewhere}`);
      const res = rowResult(ttfrMs, settleMs, loadMs, times, o.minRuns, runner.detail, { maxAbsDiff: diff });
      log(`${engine.engine}/${engine.backend} ${w.name}: ttfr ${ttfrMs.toFixed(0)} ms, settled +${settleMs.toFixed(0)} ms, median ${res.medianMs?.toFixed(1)} ms over ${times.length}, maxAbsDiff ${diff.toExponential(2)}`);
      return res;
    } finally {
      runner?.dispose();
    }
  },

  /**
   * sepconv WebGPU per-layer view: every node of the optimised graph run alone (its own single-node executor,
   * so each time includes one submit and one readback), summed by layer kind.
   */
  async profile(w: WorkloadFiles, budgetMs: number) {
    const { onnx } = await files(w);
    const { fusionGain, profileLayers, profileLoad } = await import('./profile.js');
    const t0 = performance.now();
    const layers = await profileLayers(onnx, w, budgetMs / 2);
    const load = await profileLoad(onnx, w).catch((e: Error) => ({ error: e.message }));
    const left = budgetMs - (performance.now() - t0);
    const timeout = new Promise<{ error: string }>((r) => setTimeout(() => r({ error: `did not finish within the profile budget (${(left / 1000).toFixed(0)} s)` }), Math.max(0, left)));
    const fusion = await Promise.race([fusionGain(onnx, w, 1).catch((e: Error) => ({ error: e.message })), timeout]);
    return { ...layers, load, fusion };
  },
  layerType,
};

/** One TF.js graph model on the page's engine: load, first run, budgeted steady runs, all outputs returned. */
async function graphModelRow(e: Engine, w: TfjsModelSpec, o: RowOptions): Promise<RowResult> {
  if (!e.loadGraphModel) throw new Error(`${e.engine} cannot load TF.js graph models`);
  setStatus(`${e.engine}/${e.backend} ${w.name}`);
  const input = await photoInput(w);
  let runner: MultiRunner | undefined;
  try {
    const t0 = performance.now();
    const hardStop = t0 + o.hardStopAfterMs;
    runner = await e.loadGraphModel(w);
    const loadMs = performance.now() - t0;
    let last = await runner.run(input);
    const ttfrMs = performance.now() - t0;
    const settleMs = await settle(runner.settled);
    const times: number[] = [];
    const s0 = performance.now();
    while (times.length < o.maxRuns) {
      const now = performance.now();
      if (times.length >= o.minRuns && now - s0 >= o.budgetMs) break;
      if (now + (times.length ? times[times.length - 1]! : ttfrMs - loadMs) > hardStop) break;
      const t = performance.now();
      last = await runner.run(input);
      times.push(performance.now() - t);
    }
    const names = runner.outputNames;
    log(`${e.engine}/${e.backend} ${w.name}: ttfr ${ttfrMs.toFixed(0)} ms, settled +${settleMs.toFixed(0)} ms, median ${times.length ? median(times).toFixed(1) : '—'} ms over ${times.length}`);
    return rowResult(ttfrMs, settleMs, loadMs, times, o.minRuns, runner.detail, {
      maxAbsDiff: null,
      outputs: last.map((d, i) => ({ name: names[i]!, data: Array.from(d) })),
    });
  } finally {
    runner?.dispose();
  }
}

declare global {
  interface Window {
    __bench: typeof api;
  }
}
window.__bench = api;
setStatus('ready');
