// The CPU engine's regular convs (c/conv.c) and ConvTransposes (c/convt.c) on the layers of MediaPipe's face
// detector (short range) and selfie segmenter, against the old engine (runCpu on a one-node graph), one thread.
// Prints per layer median µs and GFLOP/s of both. Node 20 has no relaxed SIMD: madd is a call to mul+add there.
//   node scripts/vite-run.mjs /bench/arena-conv.ts [runs=51]
import { readFileSync } from 'node:fs';
import { load } from '../src/node.js';
import { resolve, type ResolvedGraph, type ResolvedNode } from '../src/graph/resolve.js';
import type { Tensor } from '../src/tensor.js';
import { runCpu } from '../src/cpu/run.js';
import { generalConv } from '../src/cpu/arena/ops/conv-general.js';
import { convTranspose } from '../src/cpu/arena/ops/convtranspose.js';
import { instantiateKernels, kernelMemory, kernelModule } from '../src/cpu/arena/module.js';
import type { ArenaKernel, Slot } from '../src/cpu/arena/types.js';

const MODELS = ['face_detection/face_detection_short_range.tflite', 'selfie_segmentation/selfie_segmentation.tflite'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Median and minimum wall µs of `runs` calls after 5 warm-up calls, and the process's CPU µs per call over them
 * (steadier than wall time on a loaded machine: time spent descheduled is not counted).
 */
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

/** The node on the new engine: inputs in place, weights packed once, then only the calls timed. */
function arenaRunner(rg: ResolvedGraph, rn: ResolvedNode, kernel: ArenaKernel): () => void {
  const have = rn.node.inputs.map((name, i) => (name && !rg.constants.has(name) ? (i === 0 || i === 3 ? 'nhwc' as const : 'plain' as const) : undefined));
  const layouts = kernel.layouts(rn, have);
  if (!layouts) throw new Error(`${rn.node.name}: declined`);
  const mem = kernelMemory(256 << 20, false);
  const ex = instantiateKernels(kernelModule(false), mem);
  let top = ((ex.__heap_base.value as number) + 15) & ~15;
  const take = (bytes: number) => ((top = (top + bytes + 31) & ~15), top - ((bytes + 31) & ~15));
  const slot = (shape: readonly number[]): Slot => {
    const s = { offset: take(size(shape) * 4), shape, layout: 'nhwc' as const };
    new Float32Array(mem.buffer, s.offset, size(shape)).forEach((_, i, a) => (a[i] = Math.sin(i * 0.37)));
    return s;
  };
  const ins = rn.inputShapes.map((s, i) => (have[i] ? slot(s) : undefined));
  const outs = rn.outputShapes.map(slot);
  const calls = kernel.build({
    node: rn, input: (i) => ins[i], output: (i) => outs[i]!,
    constant: (i) => (rg.constants.get(rn.node.inputs[i]!) as Tensor | undefined)?.data,
    weights: (d) => {
      const at = take(d.length * 4);
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
    const shape = rn.inputShapes[i]!;
    inputs[name] = { shape: [...shape], data: Float32Array.from({ length: size(shape) }, (_, k) => Math.sin(k * 0.37)) };
    inputShapes.set(name, [...shape]);
  });
  const one = {
    ...rg, nodes: [rn], inputShapes,
    graph: { ...rg.graph, inputs: [...inputShapes].map(([name, shape]) => ({ name, shape })), outputs: [rn.node.outputs[0]!] },
  } as unknown as ResolvedGraph;
  return () => void runCpu(one, inputs);
}

/** Layers of other networks' shapes (a one-node graph each), for the general path's throughput. */
const SYNTHETIC: { op: string; x: number[]; w: number[]; attrs: Record<string, unknown> }[] = [
  { op: 'Conv', x: [1, 32, 56, 56], w: [32, 32, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { op: 'Conv', x: [1, 16, 64, 64], w: [32, 16, 3, 3], attrs: { pads: [0, 0, 1, 1], strides: [2, 2] } },
  { op: 'Conv', x: [1, 64, 28, 28], w: [64, 32, 3, 3], attrs: { pads: [1, 1, 1, 1], group: 2 } },
  { op: 'ConvTranspose', x: [1, 32, 32, 32], w: [32, 16, 2, 2], attrs: { strides: [2, 2] } },
  { op: 'ConvTranspose', x: [1, 32, 32, 32], w: [32, 16, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 0, 0] } },
];

function syntheticGraph(c: (typeof SYNTHETIC)[number]): ResolvedGraph {
  const rand = (n: number) => ({ shape: [n], data: Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.71) * 0.3) });
  const cout = c.op === 'Conv' ? c.w[0]! : c.w[1]! * ((c.attrs.group as number | undefined) ?? 1);
  const initializers = new Map([['w', { ...rand(size(c.w)), shape: c.w }], ['b', rand(cout)]]);
  return resolve({
    name: 'one', opset: 17, inputs: [{ name: 'x', shape: c.x }], outputs: ['y'], initializers,
    nodes: [{ name: 'n', op: c.op, inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: c.attrs }],
  } as never);
}

export async function main(argv: string[]): Promise<void> {
  const runs = Number(argv[0] ?? 51);
  console.log(`relaxed SIMD (f32x4.relaxed_madd): ${kernelModule(false).relaxed ? 'yes' : 'no: madd is a call (run node with --experimental-wasm-relaxed-simd)'}`);
  const graphs: [string, ResolvedGraph, () => void][] = [];
  for (const file of MODELS) {
    const model = await load(new Uint8Array(readFileSync(`node_modules/@mediapipe/${file}`)), { backend: 'cpu', numThreads: 1, worker: false });
    graphs.push([file.split('/')[1]!, (model as unknown as { inner: { graph: ResolvedGraph } }).inner.graph, () => model.dispose()]);
  }
  graphs.push(['other shapes', { nodes: SYNTHETIC.map((c) => syntheticGraph(c).nodes[0]!) } as ResolvedGraph, () => {}]);
  for (const [title, rg0, dispose] of graphs) {
    console.log(title);
    for (const [k, rn] of rg0.nodes.entries()) {
      const rg = title === 'other shapes' ? syntheticGraph(SYNTHETIC[k]!) : rg0;
      const op = rn.node.op;
      const a = rn.attrs as { group: number; kernel: [number, number] };
      const cin = rn.inputShapes[0]![1]!;
      if (op === 'Conv' && (a.group === cin || (a.group === 1 && a.kernel[0] * a.kernel[1] === 1))) continue;
      if (op !== 'Conv' && op !== 'ConvTranspose') continue;
      const flops = 2 * (op === 'Conv' ? size(rn.outputShapes[0]!) * (cin / a.group) * a.kernel[0] * a.kernel[1] : rn.cost.macs);
      const tNew = timeIt(runs, arenaRunner(rg, rn, op === 'Conv' ? generalConv : convTranspose));
      const tOld = timeIt(runs, oldRunner(rg, rn));
      const [usNew, usOld] = [tNew.med, tOld.med];
      const shape = `${rn.inputShapes[0]!.join('x')} w ${rn.inputShapes[1]!.join('x')} s${(rn.attrs as { strides: number[] }).strides.join('')}`;
      console.log(`  ${op.padEnd(13)} ${shape.padEnd(32)} new ${usNew.toFixed(0).padStart(6)} µs ${(flops / usNew / 1e3).toFixed(2).padStart(6)} GFLOP/s   old ${usOld.toFixed(0).padStart(6)} µs ${(flops / usOld / 1e3).toFixed(2).padStart(6)} GFLOP/s   old/new ${(usOld / usNew).toFixed(2)}   (min new ${tNew.min.toFixed(0)} old ${tOld.min.toFixed(0)} µs; CPU new ${tNew.cpu.toFixed(0)} old ${tOld.cpu.toFixed(0)} µs)`);
    }
    dispose();
  }
}
