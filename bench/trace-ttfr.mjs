// Where sepconv's WebGPU time to first result goes, in headless Chromium: every shader module, pipeline compile,
// buffer write, submit and map of a bench row's load + first run, on a timeline from the row's start.
//   node bench/trace-ttfr.mjs [--workloads=conv3x3,dsc,mobilenet_v2] [--repeat=1] [--events] [--isolated] [--threads]
//                             [--plain --tag=T] [--no-warmup] [--dump=PREFIX] [--cpuprofile=PREFIX]
// --dump: each pipeline's WGSL, entry point and constants, as PREFIX.<workload>.<rep>.json (to compile variants alone);
// --cpuprofile: the page's JS samples (100 µs) over each row, as PREFIX.<workload>.<rep>.cpuprofile
import puppeteer from 'puppeteer';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserPath, CHROME_FLAGS, parseArgv, ROOT, startBenchServer } from './browser.mjs';

const argv = parseArgv();
const WORKLOADS = String(argv.workloads ?? 'conv3x3,dsc,mobilenet_v2').split(',');
const REPEAT = Number(argv.repeat ?? 1);
const manifest = JSON.parse(readFileSync(join(ROOT, 'bench/models/manifest.json'), 'utf8')).workloads;
const spec = (w) => {
  const e = manifest[w];
  return { name: w, model: `/bench/models/${e.model}`, input: `/bench/models/${e.input}`, output: `/bench/models/${e.output}`, inputName: e.input_name, outputName: e.output_name, inputShape: e.input_shape, outputShape: e.output_shape };
};
const WARMUP = { name: 'warmup', model: '/fixtures/conv_regular_3x8_k3/model.onnx', input: '/fixtures/conv_regular_3x8_k3/input.npy', output: '/fixtures/conv_regular_3x8_k3/output.npy', inputName: 'input', outputName: 'output', inputShape: [1, 3, 17, 13], outputShape: [1, 8, 17, 13] };

/** CPU ms per thread name of the browser's GPU process (Linux /proc), to see which threads compile. */
function gpuThreads(rootPid) {
  const kids = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).flatMap((c) => [c, ...kids(c)]);
    } catch {
      return [];
    }
  };
  const gpu = kids(rootPid).find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--type=gpu-process');
    } catch {
      return false;
    }
  });
  const out = {};
  if (!gpu) return out;
  for (const t of readdirSync(`/proc/${gpu}/task`)) {
    try {
      const st = readFileSync(`/proc/${gpu}/task/${t}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/${gpu}/task/${t}/comm`, 'utf8').trim();
      out[`${name}#${t}`] = ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {}
  }
  return out;
}

/** Runs in the page: wraps the WebGPU calls that can cost time at load and records each as [what, start, end]. */
function instrument() {
  const ev = (window.__trace = []);
  const wrap = (proto, name, tag) => {
    const f = proto[name];
    proto[name] = function (...a) {
      const t = performance.now();
      const r = f.apply(this, a);
      const label = tag(a, this);
      if (r && typeof r.then === 'function') {
        const e = [label, t, performance.now(), NaN];
        ev.push(e);
        return r.then((v) => ((e[3] = performance.now()), v));
      }
      ev.push([label, t, performance.now()]);
      return r;
    };
  };
  const code = (window.__code = new WeakMap());
  const descs = (window.__descs = []);
  const cm = GPUDevice.prototype.createShaderModule;
  GPUDevice.prototype.createShaderModule = function (d) {
    const m = cm.call(this, d);
    code.set(m, d.code);
    return m;
  };
  const cp = GPUDevice.prototype.createComputePipelineAsync;
  GPUDevice.prototype.createComputePipelineAsync = function (d) {
    descs.push({ label: d.label, code: code.get(d.compute.module), entryPoint: d.compute.entryPoint, constants: d.compute.constants });
    return cp.call(this, d);
  };
  wrap(GPUDevice.prototype, 'createShaderModule', (a) => `module ${a[0].label ?? ''} (${a[0].code.length} ch)`);
  wrap(GPUDevice.prototype, 'createComputePipelineAsync', (a) => `pipeline ${a[0].label ?? ''}`);
  wrap(GPUDevice.prototype, 'createComputePipeline', (a) => `pipeline(sync) ${a[0].label ?? ''}`);
  wrap(GPUDevice.prototype, 'createBindGroup', () => 'bindGroup');
  wrap(GPUDevice.prototype, 'createBuffer', (a) => `buffer ${a[0].size}`);
  wrap(GPUQueue.prototype, 'writeBuffer', (a) => `write ${a[4] ?? a[2].byteLength ?? ''}`);
  wrap(GPUQueue.prototype, 'submit', () => 'submit');
  wrap(GPUBuffer.prototype, 'mapAsync', () => 'mapAsync');
  wrap(GPUShaderModule.prototype, 'getCompilationInfo', () => 'compilationInfo');
}

const server = await startBenchServer({ cacheName: '.vite-trace', optimizeDeps: { noDiscovery: true, entries: ['bench/index.html'], include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'pbf'], exclude: ['onnxruntime-web'] } });
try {
  for (let rep = 0; rep < REPEAT; rep++) {
    const dir = mkdtempSync(join(tmpdir(), 'sepconv-trace-'));
    const browser = await puppeteer.launch({ executablePath: browserPath(), headless: true, args: [...CHROME_FLAGS, `--user-data-dir=${dir}`], protocolTimeout: 600_000 });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/bench/index.html`, { waitUntil: 'load' });
      await page.waitForFunction(() => window.__bench !== undefined, { timeout: 120_000 });
      if (!argv.plain) await page.evaluate(instrument);
      await page.evaluate(() => window.__bench.init('sepconv', 'webgpu'));
      const none = { budgetMs: 0, minRuns: 0, maxRuns: 0, hardStopAfterMs: 0 };
      // the bench's warm-up row (a tiny conv) compiles pipelines later rows may share; --no-warmup leaves it out
      if (!argv['no-warmup']) await page.evaluate((s, o) => window.__bench.row(s, o), WARMUP, none);
      const line = [];
      for (const w of WORKLOADS) {
        const s = spec(w);
        await page.evaluate((s) => window.__bench.macs(s), s); // fetches the files before the clock starts
        const cpu0 = gpuThreads(browser.process().pid);
        let cdp;
        if (argv.cpuprofile) { cdp = await page.target().createCDPSession(); await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 100 }); await cdp.send('Profiler.start'); }
        const { t0, r, ev } = await page.evaluate(async (s, o) => {
          if (window.__trace) window.__trace.length = window.__descs.length = 0;
          const t0 = performance.now();
          const r = await window.__bench.row(s, o);
          return { t0, r, ev: window.__trace ?? [] };
        }, s, { budgetMs: 0, minRuns: 3, maxRuns: 3, hardStopAfterMs: 60_000 });
        if (cdp) { const { profile } = await cdp.send('Profiler.stop'); writeFileSync(`${argv.cpuprofile}.${w}.${rep}.cpuprofile`, JSON.stringify(profile)); }
        const cpu1 = gpuThreads(browser.process().pid);
        const busy = Object.entries(cpu1).map(([k, v]) => [k, v - (cpu0[k] ?? 0)]).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v.toFixed(0)}`);
        if (argv.threads) console.log(`  GPU process CPU ms by thread (load + 4 runs): ${busy.join(', ')}`);
        if (argv.plain) {
          line.push(`${w} ${r.ttfrMs.toFixed(0)} (${r.loadMs.toFixed(0)}) ${r.times.map((t) => t.toFixed(0)).join('/')}`);
          continue;
        }
        const rel = (t) => (Number.isFinite(t) ? (t - t0).toFixed(1) : '?');
        const sum = (re) => ev.filter((e) => re.test(e[0])).reduce((a, e) => a + (e[2] - e[1]), 0);
        const pipes = ev.filter((e) => e[0].startsWith('pipeline '));
        const mods = ev.filter((e) => e[0].startsWith('module '));
        const first = ev[0];
        console.log(`\n== ${w} (rep ${rep}): load ${r.loadMs.toFixed(1)}  ttfr ${r.ttfrMs.toFixed(1)}  steady ${r.times.map((t) => t.toFixed(1)).join(',')}`);
        console.log(`  first GPU call at ${rel(first?.[1])}; modules ${mods.length} (${sum(/^module /).toFixed(1)} ms sync); pipelines ${pipes.length}, ` +
          `first start ${rel(pipes[0]?.[1])}, last end ${rel(Math.max(...pipes.map((p) => p[3])))}; writes ${sum(/^write /).toFixed(1)} ms sync; ` +
          `bindGroups ${sum(/^bindGroup/).toFixed(1)} ms; buffers ${sum(/^buffer /).toFixed(1)} ms`);
        for (const p of pipes) console.log(`  ${rel(p[1])} -> ${rel(p[3])} (${(p[3] - p[1]).toFixed(0)} ms)  ${p[0]}`);
        const subs = ev.filter((e) => e[0] === 'submit' || e[0] === 'mapAsync');
        for (const e of subs) console.log(`  ${rel(e[1])}${e[3] !== undefined ? ` -> ${rel(e[3])}` : ''}  ${e[0]}`);
        if (argv.dump) writeFileSync(`${argv.dump}.${w}.${rep}.json`, JSON.stringify(await page.evaluate(() => window.__descs)));
        if (argv.isolated) {
          const iso = await page.evaluate(async () => {
            const adapter = await navigator.gpu.requestAdapter();
            const device = await adapter.requestDevice({ requiredFeatures: [...adapter.features].filter((f) => f === 'subgroups') });
            const out = [];
            for (const d of window.__descs.splice(0)) {
              const t = performance.now();
              const module = device.createShaderModule({ code: d.code });
              await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: d.entryPoint, constants: d.constants } });
              out.push([d.label, performance.now() - t]);
            }
            device.destroy();
            return out;
          });
          for (const [l, ms] of iso) console.log(`  isolated ${ms.toFixed(0)} ms  ${l}`);
        }
        if (argv.events) for (const e of ev) console.log(`    ${rel(e[1])} ${rel(e[2])} ${e[3] !== undefined ? rel(e[3]) : ''} ${e[0]}`);
      }
      if (argv.plain) console.log(`${argv.tag ?? ''} ${line.join(' | ')}  load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await server.close();
}
