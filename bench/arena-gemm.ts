// The CPU engine's GEMM family on the pointwise convs of MediaPipe's face detectors (128², 192²) and selfie segmenter (256²):
// median µs and GFLOP/s per layer shape for each microkernel shape of c/gemm.c, against runCpu on a one-node graph
// of the same node (the JavaScript kernels since the old wasm engine retired). One thread.
//
//   node scripts/vite-run.mjs /bench/arena-gemm.ts [reps=15] [--only=substring] [--shapes=4x8ls] [--new]  (--new: without runCpu)
//   node bench/run-arena-gemm.mjs [same arguments]          (in headless Chromium: bench/arena-gemm.html)
// In Node 20 relaxed SIMD is missing: every multiply-add is a multiply then an add (see c/sc.h); Chromium has it,
// and `node --experimental-wasm-relaxed-simd scripts/vite-run.mjs …` gives Node 20 the same.
import { load } from '../src/index.js';
import type { ResolvedGraph, ResolvedNode } from '../src/graph/resolve.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { runCpuRunner, timeInterleaved } from './support/arena-node.js';
import { instantiateKernels, kernelMemory, kernelModule, kernelModuleAsync } from '../src/cpu/arena/module.js';
import { pointwiseCalls } from '../src/cpu/arena/ops/conv-pointwise.js';
import { GEMM_SHAPES, type GemmShape } from '../src/cpu/arena/ops/gemm-panels.js';
import type { Call, Slot } from '../src/cpu/arena/types.js';
import type { Tensor } from '../src/tensor.js';

const MODELS = ['face_detection/face_detection_short_range.tflite', 'face_detection/face_detection_full_range.tflite', 'selfie_segmentation/selfie_segmentation.tflite'];
const label = (s: GemmShape) => `${s.mr}x${s.nr}${s.loadsplat ? 'ls' : ''}`;




const rand = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The node's arena calls on the microkernel `shape`, made ready to run. */
function arena(rn: ResolvedNode, constants: ResolvedGraph['constants'], shape: GemmShape): () => void {
  const mem = kernelMemory(64 << 20, false);
  const ex = instantiateKernels(kernelModule(false), mem);
  let top = kernelModule(false).heapBase;
  const take = (floats: number) => {
    const at = top;
    top = (top + floats * 4 + 16 + 15) & ~15;
    if (top > mem.buffer.byteLength) mem.grow(Math.ceil((top - mem.buffer.byteLength) / 65536));
    return at;
  };
  const put = (data: Float32Array) => {
    const at = take(data.length);
    new Float32Array(mem.buffer).set(data, at / 4);
    return at;
  };
  const slot = (shape: readonly number[]): Slot => ({ offset: put(rand(size(shape))), shape, layout: 'nhwc' });
  const ins = rn.inputShapes.map((s, i) => (constants.has(rn.node.inputs[i]!) ? undefined : slot(s)));
  const out = slot(rn.outputShapes[0]!);
  const calls: Call[] = pointwiseCalls({
    node: rn,
    input: (i) => ins[i],
    output: () => out,
    constant: (i) => (constants.get(rn.node.inputs[i]!) as Tensor | undefined)?.data,
    weights: put,
  }, shape);
  const run = calls.map((c) => {
    const fn = ex[c.fn]!;
    const args = [...c.args, 0, c.tiles ?? 0];
    return () => fn(...args);
  });
  return () => { for (const f of run) f(); };
}

/** The same node as a one-node graph on the old engine (runCpu, its fast wasm kernels). */

export async function main(argv: string[]): Promise<void> {
  const { readFileSync } = await import('node:fs');
  await bench(argv, async (path) => new Uint8Array(readFileSync(path)), console.log);
}

/** The same in a page (bench/arena-gemm.html): the printed lines. */
export async function browserMain(argv: string[]): Promise<string> {
  const lines: string[] = [];
  await bench(argv, async (path) => new Uint8Array(await (await fetch(`/${path}`)).arrayBuffer()), (l) => lines.push(l));
  return lines.join('\n');
}

async function bench(argv: string[], read: (path: string) => Promise<Uint8Array>, log: (line: string) => void): Promise<void> {
  const reps = Number(argv.find((a) => !a.startsWith('--')) ?? 15);
  const only = argv.find((a) => a.startsWith('--only='))?.slice(7);
  const pick = argv.find((a) => a.startsWith('--shapes='))?.slice(9).split(',');
  const newOnly = argv.includes('--new');
  const SHAPES = GEMM_SHAPES.filter((s) => !pick || pick.includes(label(s)));
  // the page inflates the module asynchronously: before any kernelModule(false)
  log(`relaxed SIMD: ${(await kernelModuleAsync(false)).relaxed}`);
  for (const file of MODELS) {
    const model = await load(await read(`node_modules/@mediapipe/${file}`), { backend: 'cpu', numThreads: 1, worker: false });
    const rg = model.graph as unknown as ResolvedGraph;
    const seen = new Map<string, ResolvedNode>();
    for (const rn of rg.nodes) {
      const a = rn.attrs as ConvAttrs;
      if (rn.node.op !== 'Conv' || a.group !== 1 || a.kernel[0] !== 1 || a.kernel[1] !== 1 || a.pads.some((p) => p)) continue;
      const [n, cin, h, w] = rn.inputShapes[0]!;
      const key = `${n}×${h}×${w}×${cin}→${rn.outputShapes[0]![1]} s${a.strides.join('')}${a.residual ? ' +res' : ''} ${a.act.kind}${a.post ? `/${a.post.kind}` : ''}`;
      if (!seen.has(key)) seen.set(key, rn);
    }
    log(`\n${file.split('/')[1]} — ${seen.size} pointwise conv shapes; µs (GFLOP/s)`);
    log(`${'layer (N×H×W×Cin→Cout)'.padEnd(40)} ${SHAPES.map((s) => label(s).padStart(15)).join('')} ${'old engine'.padStart(15)}`);
    const totals = new Array<number>(SHAPES.length + 1).fill(0);
    const mins = new Array<number>(SHAPES.length + 1).fill(0);
    for (const [key, rn] of seen) {
      if (only && !key.includes(only)) continue;
      const [, cout, ho, wo] = rn.outputShapes[0]!;
      const flops = 2 * rn.inputShapes[0]![0]! * ho! * wo! * cout! * rn.inputShapes[0]![1]!;
      const us = timeInterleaved([...SHAPES.map((s) => arena(rn, rg.constants, s)), ...(newOnly ? [] : [runCpuRunner(rg, rn)])], reps);
      us.forEach((u, i) => {
        totals[i]! += u.med;
        mins[i]! += u.min;
      });
      // the fastest call's GFLOP/s too: less hit than the median by a loaded machine
      log(`${key.padEnd(40)} ${us.map((u) => `${u.med.toFixed(1)} (${(flops / u.med / 1e3).toFixed(1)}; min ${(flops / u.min / 1e3).toFixed(1)})`.padStart(26)).join('')}`);
    }
    log(`${'sum of medians'.padEnd(40)} ${totals.map((u) => u.toFixed(1).padStart(15)).join('')}`);
    log(`${'sum of minima'.padEnd(40)} ${mins.map((u) => u.toFixed(1).padStart(15)).join('')}`);
  }
}
