// The CPU engine's elementwise kernels (c/elementwise.c) on the Add, Mul and Sigmoid nodes of MediaPipe's selfie
// segmenter (256²) and the Add/Relu of its face detector, against the old engine (runCpu on a one-node graph), one
// thread. Prints per distinct node shape the median µs and GB/s (bytes read + written) of both, and the arena's
// minimum and CPU µs per call (steadier on a loaded machine). 4-D runtime inputs sit in the arena NHWC.
//   node scripts/vite-run.mjs /bench/arena-elementwise.ts [runs=201]
import { readFileSync } from 'node:fs';
import { load } from '../src/node.js';
import type { ResolvedGraph, ResolvedNode } from '../src/graph/resolve.js';
import { sizeOf, type Tensor } from '../src/tensor.js';
import { runCpu } from '../src/cpu/run.js';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import { instantiateKernels, kernelMemory, kernelModule } from '../src/cpu/arena/module.js';
import type { Slot } from '../src/cpu/arena/types.js';

const MODELS = ['selfie_segmentation/selfie_segmentation.tflite', 'face_detection/face_detection_short_range.tflite'];
const OPS = new Set(['Add', 'Mul', 'Sigmoid', 'Relu']);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fill = (a: Float32Array) => a.forEach((_, i) => (a[i] = Math.sin(i * 0.37) * 3));

function timeIt(runs: number, f: () => void): { med: number; min: number; cpu: number } {
  for (let i = 0; i < 5; i++) f();
  const t: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { med: median(t) * 1e3, min: Math.min(...t) * 1e3, cpu: (c.user + c.system) / runs };
}

/** The node on the new engine, inputs in place, its calls bound once: only the calls are timed. */
function arenaRunner(rg: ResolvedGraph, rn: ResolvedNode): () => void {
  const kernel = ARENA_KERNELS.get(rn.node.op)!;
  const have = rn.node.inputs.map((name, i) => (name && !rg.constants.has(name) ? (rn.inputShapes[i]!.length === 4 ? 'nhwc' as const : 'plain' as const) : undefined));
  const layouts = kernel.layouts(rn, have);
  if (!layouts) throw new Error(`${rn.node.name}: declined`);
  const mem = kernelMemory(64 << 20, false);
  const ex = instantiateKernels(kernelModule(false), mem);
  let top = ((ex.__heap_base.value as number) + 15) & ~15;
  const take = (n: number) => ((top += (n * 4 + 31) & ~15), top - ((n * 4 + 31) & ~15));
  const slot = (shape: readonly number[], layout: 'nhwc' | 'plain'): Slot => {
    const s = { offset: take(sizeOf(shape)), shape, layout };
    fill(new Float32Array(mem.buffer, s.offset, sizeOf(shape)));
    return s;
  };
  const ins = rn.inputShapes.map((s, i) => (have[i] ? slot(s, layouts.inputs[i] ?? have[i]!) : undefined));
  const outs = rn.outputShapes.map((s, i) => slot(s, layouts.outputs[i]!));
  const calls = kernel.build({
    node: rn, input: (i) => ins[i], output: (i) => outs[i]!,
    constant: (i) => (rg.constants.get(rn.node.inputs[i]!) as Tensor | undefined)?.data,
    weights: (d) => {
      const at = take(d.length);
      new Float32Array(mem.buffer, at, d.length).set(d);
      return at;
    },
  });
  const bound = calls.map((c) => {
    const fn = ex[c.fn]!;
    const args = c.tiles === undefined ? c.args : [...c.args, 0, c.tiles];
    return () => fn(...args);
  });
  return () => bound.forEach((f) => f());
}

/** The node alone through the old engine's runCpu. */
function oldRunner(rg: ResolvedGraph, rn: ResolvedNode): () => void {
  const inputs: Record<string, Tensor> = {};
  const inputShapes = new Map<string, number[]>();
  rn.node.inputs.forEach((name, i) => {
    if (!name || rg.constants.has(name)) return;
    const shape = [...rn.inputShapes[i]!];
    const data = new Float32Array(sizeOf(shape));
    fill(data);
    inputs[name] = { shape, data };
    inputShapes.set(name, shape);
  });
  const one = {
    ...rg, nodes: [rn], inputShapes,
    graph: { ...rg.graph, inputs: [...inputShapes].map(([name, shape]) => ({ name, shape })), outputs: [rn.node.outputs[0]!] },
  } as unknown as ResolvedGraph;
  return () => void runCpu(one, inputs);
}

export async function main(argv: string[]): Promise<void> {
  const runs = Number(argv[0] ?? 201);
  for (const file of MODELS) {
    const model = await load(new Uint8Array(readFileSync(`node_modules/@mediapipe/${file}`)), { backend: 'cpu', numThreads: 1, worker: false });
    const rg = (model as unknown as { inner: { graph: ResolvedGraph } }).inner.graph;
    console.log(file.split('/')[1]);
    const seen = new Set<string>();
    let sumNew = 0;
    let sumOld = 0;
    for (const rn of rg.nodes) {
      if (!OPS.has(rn.node.op)) continue;
      const shape = `${rn.node.op} ${rn.inputShapes.map((s) => s.join('x')).join(' · ')}`;
      const bytes = 4 * [...rn.inputShapes, ...rn.outputShapes].reduce((n, s) => n + sizeOf(s), 0);
      const tNew = timeIt(runs, arenaRunner(rg, rn));
      const tOld = timeIt(runs, oldRunner(rg, rn));
      sumNew += tNew.med;
      sumOld += tOld.med;
      if (seen.has(shape)) continue;
      seen.add(shape);
      console.log(`  ${shape.padEnd(34)} new ${tNew.med.toFixed(1).padStart(7)} µs ${(bytes / tNew.med / 1e3).toFixed(2).padStart(6)} GB/s   old ${tOld.med.toFixed(1).padStart(7)} µs ${(bytes / tOld.med / 1e3).toFixed(2).padStart(6)} GB/s   old/new ${(tOld.med / tNew.med).toFixed(2).padStart(5)}   (new min ${tNew.min.toFixed(1)} CPU ${tNew.cpu.toFixed(1)} µs)`);
    }
    console.log(`  all such nodes of the model: new ${sumNew.toFixed(0)} µs, old ${sumOld.toFixed(0)} µs`);
    model.dispose();
  }
}
