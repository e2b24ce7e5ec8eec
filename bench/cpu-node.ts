// `npm run bench:cpu-node`: the CPU engine in Node against native ONNX Runtime (onnxruntime-node, MLAS) on
// MobileNetV2 224² at 1 and 2 threads, in alternating blocks of runs (run by run, the two engines' thread pools,
// which both poll for work a while before sleeping, take each other's cores: 2 threads measured as slow as 1); then each model's memory plan
// (planned arena vs every activation laid end to end, and the packed weights) for MobileNetV2, the selfie
// segmenter and the face detector. onnxruntime-node is installed on first use into .cache/ort-node with
// --ignore-scripts (its install script downloads from nuget; the CPU binary ships in the package).
//
//   node scripts/vite-run.mjs /bench/cpu-node.ts [runs=30]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { load, type Model } from '../src/node.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { PLAN_RUNS, WARMUP } from '../src/cpu/thread-plan.js';

const ORT_VERSION = '1.31.1';
const ORT_DIR = resolve('.cache/ort-node');

/** Warm-up runs: past the thread plan's own warm-up and measurement (thread-plan.ts), so timed runs use its choice. */
const SKIP = WARMUP + PLAN_RUNS + 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function ort(): typeof import('onnxruntime-common') & { InferenceSession: { create(p: string, o: object): Promise<OrtSession> } } {
  if (!existsSync(join(ORT_DIR, 'node_modules/onnxruntime-node'))) {
    mkdirSync(ORT_DIR, { recursive: true });
    if (!existsSync(join(ORT_DIR, 'package.json'))) writeFileSync(join(ORT_DIR, 'package.json'), '{"name":"ort-node-bench","private":true}\n');
    console.log(`installing onnxruntime-node@${ORT_VERSION} into ${ORT_DIR} (--ignore-scripts)`);
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', `onnxruntime-node@${ORT_VERSION}`], { cwd: ORT_DIR, stdio: 'inherit' });
  }
  return createRequire(join(ORT_DIR, 'package.json'))('onnxruntime-node');
}

interface OrtSession {
  inputNames: string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array }>>;
}

function mb(b: number): string {
  return `${(b / 2 ** 20).toFixed(2)} MiB`;
}

export async function main(argv: string[]): Promise<void> {
  const runs = Number(argv[0] ?? 30);
  const path = 'bench/models/mobilenet_v2.onnx';
  if (!existsSync(path)) throw new Error(`${path} is missing: run /usr/bin/python3 scripts/make_bench_models.py mobilenet_v2`);
  const bytes = new Uint8Array(readFileSync(path));
  const x = new Float32Array(readFileSync('bench/models/mobilenet_v2.input.bin').buffer.slice(0));
  const O = ort();
  console.log(`MobileNetV2 224² (bench/models/mobilenet_v2.onnx), Node ${process.version}, median of 2 blocks of ${runs} runs per engine, each after ${SKIP} warm-up runs`);
  console.log('| threads | sepconv CPU (caller thread) | onnxruntime-node (MLAS) | ratio |');
  console.log('|---:|---:|---:|---:|');
  for (const threads of [1, 2]) {
    const m = await load(bytes, { backend: 'cpu', worker: false, numThreads: threads });
    if (!new RegExp(threads === 1 ? '1 thread' : `${threads} threads$`).test(m.reason)) throw new Error(`sepconv did not get ${threads} thread(s): ${m.reason}`);
    const s = await O.InferenceSession.create(path, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    const feed = { [s.inputNames[0]!]: new O.Tensor('float32', x, [1, 3, 224, 224]) };
    const name = m.inputs[0]!.name;
    const a: number[] = [];
    const b: number[] = [];
    const block = async (f: () => Promise<unknown>, into: number[]) => {
      for (let k = 0; k < SKIP + runs; k++) {
        const t0 = performance.now();
        await f();
        if (k >= SKIP) into.push(performance.now() - t0);
      }
    };
    for (let round = 0; round < 2; round++) {
      await block(() => m.run({ [name]: x }), a);
      await block(() => s.run(feed), b);
    }
    console.log(`| ${threads} | ${median(a).toFixed(2)} ms | ${median(b).toFixed(2)} ms | ${(median(a) / median(b)).toFixed(2)}× |   (${m.reason})`);
    m.dispose();
  }

  console.log('\nMemory plan of the CPU engine (one wasm memory per model)');
  console.log('| model | planned arena | all activations | ratio | packed weights | scratch | wasm memory | run in JavaScript |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  const models: [string, Uint8Array][] = [
    ['MobileNetV2 224²', bytes],
    ['selfie_segmentation 256²', new Uint8Array(readFileSync('node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite'))],
    ['face_detection_short_range 128²', new Uint8Array(readFileSync('node_modules/@mediapipe/face_detection/face_detection_short_range.tflite'))],
    ['face_detection_full_range 192²', new Uint8Array(readFileSync('node_modules/@mediapipe/face_detection/face_detection_full_range.tflite'))],
  ];
  for (const [label, b] of models) {
    const m: Model = await load(b, { backend: 'cpu', worker: false, numThreads: 1 });
    const s = new ArenaProgram(m.graph).stats;
    const js = Object.entries(s.fallbacks).map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
    console.log(`| ${label} | ${mb(s.arena)} | ${mb(s.activations)} | ${(s.arena / s.activations).toFixed(2)} | ${mb(s.weights)} | ${mb(s.scratch)} | ${mb(s.memory)} | ${js} |`);
    m.dispose();
  }
}
