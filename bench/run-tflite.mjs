#!/usr/bin/env node
// `npm run bench:tflite`: the four MediaPipe .tflite models run by sepconv (webgpu; cpu in its worker at its default
// threads and at 1) and by LiteRT.js (webgpu; wasm: threaded XNNPACK on 2 threads, the page being cross-origin
// isolated; wasm-1t: its single-thread build) in one headless Chromium, one fresh browser per (engine, backend),
// the same photo input. Prints medians (output read back in every run), per model sepconv's best over LiteRT.js's
// best and sepconv's CPU at 1 thread over LiteRT.js's single-thread build; writes bench-tflite-results.json.
//
//   node bench/run-tflite.mjs [--only=sepconv/cpu,litert/wasm,...] [--models=face_detection_short_range,...]
//                             [--row-s=4] [--out=bench-tflite-results.json] [--profile]
// --profile: instead of the table, sepconv webgpu's per-node GPU time (timestamp queries) of each model, the
// slowest nodes and the sum by op against the whole run's wall time; --profile-all: every node, in run order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer';
import { browserPath, CHROME_FLAGS, parseArgv, ROOT, startBenchServer } from './browser.mjs';

const argv = parseArgv();
const ALL_ENGINES = [
  ['sepconv', 'webgpu'],
  // the adapter presented as hardware: the tiled (hardware-path) kernels on SwiftShader
  ['sepconv', 'webgpu-tiled'],
  ['sepconv', 'cpu'],
  ['sepconv', 'cpu-1t'],
  ['litert', 'webgpu'],
  ['litert', 'wasm'],
  ['litert', 'wasm-1t'],
];
const ALL_MODELS = [
  { name: 'face_detection_short_range', path: '/node_modules/@mediapipe/face_detection/face_detection_short_range.tflite', range: [-1, 1] },
  { name: 'face_detection_full_range', path: '/node_modules/@mediapipe/face_detection/face_detection_full_range.tflite', range: [-1, 1] },
  { name: 'selfie_segmentation', path: '/node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite', range: [0, 1] },
  { name: 'selfie_segmentation_landscape', path: '/node_modules/@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite', range: [0, 1] },
];
const only = argv.only ? String(argv.only).split(',') : undefined;
const ENGINES = ALL_ENGINES.filter(([e, b]) => !only || only.includes(`${e}/${b}`) || only.includes(e));
const MODELS = argv.models ? ALL_MODELS.filter((m) => String(argv.models).split(',').includes(m.name)) : ALL_MODELS;
const ROW_MS = Number(argv['row-s'] ?? 4) * 1000;
const OUT_FILE = resolve(ROOT, String(argv.out ?? 'bench-tflite-results.json'));
const T0 = Date.now();
const say = (s) => process.stderr.write(`[bench:tflite ${((Date.now() - T0) / 1000).toFixed(0).padStart(3)}s] ${s}\n`);

// As bench/run.mjs's browser, plus Node's Dawn setting (src/gpu/device.ts): no zero-fill of workgroup arrays.
const FLAGS = [...CHROME_FLAGS, '--enable-dawn-features=disable_workgroup_init'];

function startServer() {
  // Scan the page's imports at start-up, so no late dependency discovery reloads it mid-measurement.
  return startBenchServer({ cacheName: '.vite-bench-tflite', optimizeDeps: { entries: ['bench/tflite.html'], exclude: ['@litertjs/core'] } });
}

function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([p.finally(() => clearTimeout(timer)), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: timed out after ${ms / 1000} s`)), ms)))]);
}

async function printProfile(page, m, backend) {
  const p = await withTimeout(page.evaluate((s) => window.__tfliteBench.profile(s), { model: m.path, range: m.range, backend }), 240_000, `profile ${m.name}`);
  const sum = p.layers.reduce((a, l) => a + l.ms, 0);
  const byOp = new Map();
  for (const l of p.layers) {
    const e = byOp.get(l.op) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += l.ms;
    byOp.set(l.op, e);
  }
  const lines = [`${m.name} (${backend}): whole run ${p.wholeMs.toFixed(1)} ms wall; ${p.dispatches} nodes, ${backend.startsWith("cpu") ? "layer" : "GPU"} sum ${sum.toFixed(1)} ms (${p.source})`];
  for (const [op, e] of [...byOp].sort((a, b) => b[1].ms - a[1].ms)) lines.push(`  ${op.padEnd(22)} ${String(e.n).padStart(4)} nodes ${e.ms.toFixed(2).padStart(8)} ms`);
  lines.push('  slowest:');
  for (const l of [...p.layers].sort((a, b) => b.ms - a.ms).slice(0, 8)) lines.push(`    ${l.ms.toFixed(2).padStart(7)} ms ${l.op} ${l.node}`);
  if (argv['profile-all']) for (const l of p.layers) lines.push(`    ${l.ms.toFixed(2).padStart(7)} ms ${l.op} ${l.node}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main() {
  const server = await startServer();
  const results = { generatedAt: new Date().toISOString(), rows: [] };
  try {
    for (const [engine, backend] of ENGINES) {
      const userDataDir = mkdtempSync(join(tmpdir(), 'sepconv-bench-tflite-'));
      const browser = await puppeteer.launch({ executablePath: browserPath(), headless: true, args: [...FLAGS, `--user-data-dir=${userDataDir}`], protocolTimeout: 600_000 });
      try {
        const page = await browser.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e.message ?? e)));
        page.on('console', (msg) => msg.type() === 'error' && !/INFO: |WARNING: /.test(msg.text()) && errors.push(msg.text()));
        await page.goto(`${server.url}/bench/tflite.html`, { waitUntil: 'load', timeout: 120_000 });
        await page.waitForFunction(() => window.__tfliteBench !== undefined, { timeout: 120_000 }).catch((e) => {
          throw new Error(`${e.message}; page errors: ${errors.join(' | ')}`);
        });
        for (const m of MODELS) {
          if (argv.profile) {
            await printProfile(page, m, backend);
            continue;
          }
          const row = { engine, backend, model: m.name };
          results.rows.push(row);
          const spec = { engine, backend, model: m.path, range: m.range, budgetMs: ROW_MS, minRuns: 3, maxRuns: 200 };
          try {
            Object.assign(row, await withTimeout(page.evaluate((s) => window.__tfliteBench.row(s), spec), 240_000, `${engine}/${backend} ${m.name}`));
            say(`${engine}/${backend} ${m.name}: load ${row.loadMs.toFixed(0)} ms, first ${row.firstMs.toFixed(0)} ms, settled +${row.settleMs.toFixed(0)} ms, median ${row.medianMs.toFixed(1)} ms, min ${row.minMs.toFixed(1)} ms (${row.runs} runs), max|y| ${row.checksum.toFixed(3)}`);
          } catch (e) {
            row.error = String(e.message ?? e).split('\n')[0];
            say(`${engine}/${backend} ${m.name}: ERROR ${row.error} ${errors.slice(-2).join(' | ')}`);
          }
        }
      } finally {
        await browser.close().catch(() => undefined);
        rmSync(userDataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
  }
  if (argv.profile) return;
  const fmt = (v) => (v == null ? '—' : v.toFixed(1));
  const lines = ['', `| model | ${ENGINES.map(([e, b]) => `${e} ${b}`).join(' | ')} | sepconv best / LiteRT.js best | CPU best / CPU best | CPU 1t / 1t |`, `|---|${ENGINES.map(() => '---:').join('|')}|---:|---:|---:|`];
  const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');
  for (const m of MODELS) {
    const rows = ENGINES.map(([e, b]) => results.rows.find((r) => r.engine === e && r.backend === b && r.model === m.name));
    const best = (eng, backends) => Math.min(...rows.filter((r) => r?.engine === eng && r.medianMs != null && (!backends || backends.includes(r.backend))).map((r) => r.medianMs));
    const one = (eng, b) => rows.find((r) => r?.engine === eng && r.backend === b)?.medianMs;
    lines.push(`| ${m.name} | ${rows.map((r) => (r?.error ? 'error' : fmt(r?.medianMs))).join(' | ')} | ${ratio(best('sepconv'), best('litert'))} | ${ratio(best('sepconv', ['cpu', 'cpu-1t']), best('litert', ['wasm', 'wasm-1t']))} | ${ratio(one('sepconv', 'cpu-1t'), one('litert', 'wasm-1t'))} |`);
  }
  lines.push('', 'steady medians in ms, output read back to the CPU in each run; lower is better; ratio < 1: sepconv faster');
  for (const r of results.rows.filter((r) => r.error)) lines.push(`- ${r.engine}/${r.backend} ${r.model}: ${r.error}`);
  lines.push('', 'where each row ran:', ...[...new Set(results.rows.filter((r) => r.detail).map((r) => `- ${r.engine}/${r.backend}: ${r.detail.replace(/; \d+ nodes$/, '')}`))]);
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(OUT_FILE, JSON.stringify(results, null, 2));
  say(`wrote ${OUT_FILE}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
