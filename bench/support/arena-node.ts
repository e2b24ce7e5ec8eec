// One node of a resolved graph timed alone: on the CPU engine (its kernel's calls bound once, inputs in place in the
// arena) and through runCpu on a one-node graph (the old engine's path; since its retirement, the JavaScript
// kernels). For the bench/arena-*.ts kernel benches; single thread.
import type { ResolvedGraph, ResolvedNode } from '../../src/graph/resolve.js';
import { sizeOf, type Tensor } from '../../src/tensor.js';
import { runCpu } from '../../src/cpu/run.js';
import { ARENA_KERNELS } from '../../src/cpu/arena/kernels.js';
import { instantiateKernels, kernelMemory, kernelModule } from '../../src/cpu/arena/module.js';
import type { ArenaKernel, Slot } from '../../src/cpu/arena/types.js';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fill = (a: Float32Array) => a.forEach((_, i) => (a[i] = Math.sin(i * 0.37) * 3));

/**
 * Median and minimum wall µs of `runs` calls after 5 warm-up calls, and the process's CPU µs per call over them
 * (steadier than wall time on a loaded machine: time spent descheduled is not counted; wall time in a page).
 */
const cpuUsage = (): { user: number; system: number } =>
  typeof process !== 'undefined' ? process.cpuUsage() : { user: performance.now() * 1e3, system: 0 };

/** Median and min µs of one call of each f, the fs interleaved sample by sample; each sample at least ~2 ms of calls. */
export function timeInterleaved(fs: (() => void)[], samples: number): { med: number; min: number }[] {
  const reps = fs.map((f) => {
    let n = 1;
    for (let t = 0; t < 2; n *= 2) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) f();
      t = performance.now() - t0;
    }
    return n;
  });
  const out = fs.map(() => [] as number[]);
  for (let s = 0; s < samples; s++)
    fs.forEach((f, j) => {
      const t0 = performance.now();
      for (let i = 0; i < reps[j]!; i++) f();
      out[j]!.push(((performance.now() - t0) * 1000) / reps[j]!);
    });
  return out.map((t) => ({ med: median(t), min: Math.min(...t) }));
}

export function timeIt(runs: number, f: () => void): { med: number; min: number; cpu: number } {
  for (let i = 0; i < 5; i++) f();
  const t: number[] = [];
  const c0 = cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  const c = cpuUsage();
  return { med: median(t) * 1e3, min: Math.min(...t) * 1e3, cpu: (c.user + c.system - c0.user - c0.system) / runs };
}

/** The node on the new engine (`kernel`, else its op's), inputs in place, its calls bound once: only the calls run. */
export function arenaRunner(rg: ResolvedGraph, rn: ResolvedNode, kernel: ArenaKernel = ARENA_KERNELS.get(rn.node.op)!): () => void {
  const have = rn.node.inputs.map((name, i) => (name && !rg.constants.has(name) ? (rn.inputShapes[i]!.length === 4 ? 'nhwc' as const : 'plain' as const) : undefined));
  const layouts = kernel.layouts(rn, have);
  if (!layouts) throw new Error(`${rn.node.name}: declined`);
  const mem = kernelMemory(64 << 20, false);
  const ex = instantiateKernels(kernelModule(false), mem);
  let top = kernelModule(false).heapBase;
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
    if (c.scratch) c.args[c.scratch.arg] = take(c.scratch.bytes / 4);
    const args = c.tiles === undefined ? c.args : [...c.args, 0, c.tiles];
    return () => fn(...args);
  });
  return () => bound.forEach((f) => f());
}

/** The node alone through runCpu, its inputs from `data` (default: sin ramps): a run returns its first output (NCHW). */
export function runCpuRunner(rg: ResolvedGraph, rn: ResolvedNode, data?: (n: number) => Float32Array): () => Float32Array {
  const inputs: Record<string, Tensor> = {};
  const inputShapes = new Map<string, number[]>();
  rn.node.inputs.forEach((name, i) => {
    if (!name || rg.constants.has(name)) return;
    const shape = [...rn.inputShapes[i]!];
    let x = data?.(sizeOf(shape));
    if (!x) fill((x = new Float32Array(sizeOf(shape))));
    inputs[name] = { shape, data: x };
    inputShapes.set(name, shape);
  });
  const one = {
    ...rg, nodes: [rn], inputShapes,
    graph: { ...rg.graph, inputs: [...inputShapes].map(([name, shape]) => ({ name, shape })), outputs: [rn.node.outputs[0]!] },
  } as unknown as ResolvedGraph;
  return () => runCpu(one, inputs).get(rn.node.outputs[0]!)!.data;
}
