#!/usr/bin/env node
// npm run bench:device — the real-GPU check, ready to run on any machine with the repo installed:
//   0. the counted traffic model of the hardware path (bench/traffic.ts): bytes the regular convs (gathered vs planned
//      tile) and each dispatch of MobileNetV2 1.0
//      and the MediaPipe face detector loads and stores, against the compulsory traffic (any adapter, SwiftShader too)
//   1. Node + Dawn (npm `webgpu`, Vulkan): adapter, hardware-path kernels' GFLOP/s and GB/s, MobileNetV2 end to end
//   2. headless Chromium: sepconv webgpu and onnxruntime-web webgpu on MobileNetV2 on the same adapter (bench/run.mjs)
// Whole run <= 5 minutes plus the traffic count's 4 (each part is killed at its share). Flags: --traffic-only,
// --no-traffic, --node-only, --browser-only.
// No GPU here: both halves run on SwiftShader (Vulkan ICD shipped with Chromium / Dawn), which is the CI-free form.
// On a real GPU: have a Vulkan driver installed (Node picks the first Vulkan adapter; set VK_ICD_FILENAMES to
// choose one) and, for the browser half, a Chromium whose WebGPU uses it.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const TOTAL_S = 290;
const t0 = Date.now();
const left = () => TOTAL_S - (Date.now() - t1) / 1000;

function run(label, argv, limitS) {
  return new Promise((done) => {
    process.stdout.write(`\n=== ${label} (limit ${limitS.toFixed(0)} s)\n`);
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: 'inherit' });
    const timer = setTimeout(() => {
      process.stdout.write(`\n(${label}: stopped at its ${limitS.toFixed(0)} s limit)\n`);
      child.kill('SIGKILL');
    }, limitS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
}

if (!args.includes('--no-traffic') && !args.includes('--node-only') && !args.includes('--browser-only')) {
  await run('counted global-memory traffic, hardware path (Node, Dawn)', [join(ROOT, 'scripts', 'vite-run.mjs'), '/bench/traffic.ts'], 240);
}
if (args.includes('--traffic-only')) process.exit(0);
const t1 = Date.now();
if (!args.includes('--browser-only')) {
  const s = args.includes('--node-only') ? left() - 5 : 140;
  await run('Node (Dawn)', [join(ROOT, 'scripts', 'vite-run.mjs'), '/bench/device.ts', `--budget-s=${Math.round(s - 25)}`], s);
}
if (!args.includes('--node-only')) {
  const s = left() - 5;
  await run('headless Chromium: sepconv vs onnxruntime-web, webgpu', [join(ROOT, 'bench', 'run.mjs'),
    '--only=sepconv/webgpu,onnxruntime-web/webgpu', '--workloads=mobilenet_v2', '--no-profile', `--budget-s=${Math.round(s - 20)}`, '--row-s=5',
    '--out=bench-device-results.json'], s);
}
process.stdout.write(`\nbench:device done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
