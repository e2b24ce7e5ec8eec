// Node: the CPU engine's data-movement kernels (src/cpu/arena/c/tensor.c) on the Pad, Concat and Transpose nodes
// of MediaPipe's face detectors, one thread, against the old engine (runCpu on a one-node graph): median µs per
// call and GB/s (bytes read + written). Transposes run from both input layouts, the layouts chosen printed (the
// planner aliases (0,3,1,2) of plain and (0,2,3,1) of nhwc instead). Node 20 has no relaxed SIMD (nothing here
// multiplies).
//   node scripts/vite-run.mjs /bench/arena-tensor.ts [samples=41]
import { readFileSync } from 'node:fs';
import { load } from '../src/node.js';
import { resolve, type ResolvedGraph, type ResolvedNode } from '../src/graph/resolve.js';
import type { Value } from '../src/graph/ir.js';
import { runCpu } from '../src/cpu/run.js';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import { instantiateKernels, kernelMemory, kernelModule } from '../src/cpu/arena/module.js';
import type { Layout, Slot } from '../src/cpu/arena/types.js';

const MODELS = ['face_detection_short_range', 'face_detection_full_range'];
const OPS = new Set(['Pad', 'Concat', 'Transpose']);
const align = (n: number) => (n + 15) & ~15;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Median µs of one call of f: each sample times enough calls to last about 0.2 ms. */
function time(f: () => void, samples: number): number {
  let k = 1;
  for (let t0 = performance.now(); performance.now() - t0 < 0.2; k *= 2) for (let i = 0; i < k; i++) f();
  const xs: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) f();
    xs.push(((performance.now() - t0) * 1e3) / k);
  }
  return median(xs);
}

/** The node alone, its constant inputs kept as initializers. */
function oneNode(rg: ResolvedGraph, rn: ResolvedNode): ResolvedGraph {
  const initializers = new Map<string, Value>();
  const inputs: { name: string; shape: number[] }[] = [];
  rn.node.inputs.forEach((name, i) => {
    if (!name) return;
    const c = rg.constants.get(name);
    if (c) initializers.set(name, c);
    else inputs.push({ name, shape: [...rn.inputShapes[i]!] });
  });
  return resolve({ name: 'one', opset: rg.graph.opset, inputs, outputs: [...rn.node.outputs], initializers, nodes: [rn.node] });
}

/** The arena kernel's calls on one node, inputs in `have`: µs per run and the layouts chosen. */
function arena(rg: ResolvedGraph, have: Layout, samples: number): { us: number; layouts: string } | undefined {
  const rn = rg.nodes[0]!;
  const kernel = ARENA_KERNELS.get(rn.node.op)!;
  const haves = rn.node.inputs.map((n) => (n && !rg.constants.has(n) ? have : undefined));
  const layouts = kernel.layouts(rn, haves);
  if (!layouts) return undefined;
  const mem = kernelMemory(64 << 20, false);
  const ex = instantiateKernels(kernelModule(false), mem);
  let top = kernelModule(false).heapBase;
  const take = (bytes: number) => ((top = align(top + bytes + 16)), top - align(bytes + 16));
  const slot = (shape: readonly number[], layout: Layout | undefined): Slot => ({ offset: take(size(shape) * 4), shape, layout: layout ?? 'plain' });
  const ins = rn.inputShapes.map((s, i) => (haves[i] ? slot(s, layouts.inputs[i]) : undefined));
  const outs = rn.outputShapes.map((s, i) => slot(s, layouts.outputs[i]));
  const f32 = new Float32Array(mem.buffer);
  for (const s of ins) if (s) for (let i = 0; i < size(s.shape); i++) f32[s.offset / 4 + i] = Math.sin(i);
  const calls = kernel.build({
    node: rn,
    input: (i) => ins[i],
    output: (i) => outs[i]!,
    constant: (i) => {
      const v = rg.constants.get(rn.node.inputs[i]!);
      return v && 'data' in v ? v.data : undefined;
    },
    weights: (data) => {
      const at = take(data.length * 4);
      f32.set(data, at / 4);
      return at;
    },
  });
  const bound = calls.map((c) => [ex[c.fn]!, c.tiles === undefined ? c.args : [...c.args, 0, c.tiles]] as const);
  const us = time(() => {
    for (const [f, a] of bound) f(...a);
  }, samples);
  return { us, layouts: `${layouts.inputs.filter(Boolean).join('+')}→${layouts.outputs.join('+')}` };
}

export async function main(argv: string[]): Promise<void> {
  const samples = Number(argv[0] ?? 41);
  const seen = new Set<string>();
  console.log('op          shapes                               old µs   arena µs (layouts)               GB/s old → arena   ×');
  for (const name of MODELS) {
    const model = await load(new Uint8Array(readFileSync(`node_modules/@mediapipe/face_detection/${name}.tflite`)), { backend: 'cpu', worker: false } as never);
    const rg = (model as unknown as { inner: { graph: ResolvedGraph } }).inner.graph;
    for (const rn of rg.nodes) {
      if (!OPS.has(rn.node.op)) continue;
      const key = `${rn.node.op} ${JSON.stringify(rn.inputShapes)} ${JSON.stringify(rn.attrs)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const one = oneNode(rg, rn);
      const feeds = Object.fromEntries(one.graph.inputs.map((i) => [i.name, Float32Array.from({ length: size(i.shape as number[]) }, (_, k) => Math.sin(k))]));
      const old = time(() => runCpu(one, feeds), samples);
      const bytes = 4 * (one.graph.inputs.reduce((n, i) => n + size(i.shape as number[]), 0) + rn.outputShapes.reduce((n, s) => n + size(s), 0));
      const shapes = `${rn.inputShapes.filter((_, i) => one.graph.inputs.some((g) => g.name === rn.node.inputs[i])).map((s) => `[${s}]`).join('+')}→[${rn.outputShapes[0]}]`;
      for (const have of (rn.node.op === 'Transpose' ? ['plain', 'nhwc'] : [rn.inputShapes[0]!.length === 4 ? 'nhwc' : 'plain']) as Layout[]) {
        const a = arena(one, have, samples);
        const gbs = (us: number) => (bytes / us / 1e3).toFixed(2);
        console.log(`${rn.node.op.padEnd(11)} ${shapes.padEnd(36)} ${old.toFixed(1).padStart(7)}  ${a ? `${a.us.toFixed(2).padStart(8)} (${a.layouts})`.padEnd(33) : 'declined'.padEnd(33)} ${gbs(old).padStart(6)} → ${a ? gbs(a.us).padStart(6) : '-'}  ${a ? (old / a.us).toFixed(1) : ''}`);
      }
    }
  }
}
