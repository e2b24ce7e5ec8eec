// The demo's measuring code, kept apart from the DOM: building the two layers, timing model.run, checking the
// outputs against the CPU, the network sweep and the whole-model run.
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import type { GpuContext } from '../src/gpu/device.js';
import type { Graph } from '../src/graph/ir.js';
import { load, type Backend, type Model } from '../src/model.js';
import { loadOnnx } from '../src/onnx/import.js';
import { compareNetwork, type NetworkComparison } from '../src/summary/compare.js';
import { summary } from '../src/summary/summary.js';
import type { Shape, Tensor } from '../src/tensor.js';
import { compareTensors, DEFAULT_TOLERANCE } from '../src/validate.js';

export interface LayerConfig {
  cin: number;
  cout: number;
  k: number;
  h: number;
  w: number;
  stride: number;
  padding: number;
  batch: number;
  bias: boolean;
}

export interface Preset extends LayerConfig {
  id: string;
  label: string;
}

/** The seed layers of the project plus a small one that finishes in seconds even on SwiftShader. */
export const PRESETS: Preset[] = [
  { id: 'small', label: 'Small (quick): 8→16, 3×3, 32×32', cin: 8, cout: 16, k: 3, h: 32, w: 32, stride: 1, padding: 1, batch: 1, bias: false },
  { id: 'seed-16x32', label: 'Seed: 16→32, 3×3, 128×128', cin: 16, cout: 32, k: 3, h: 128, w: 128, stride: 1, padding: 1, batch: 1, bias: false },
  { id: 'seed-3x64-k5s2', label: 'Seed: 3→64, 5×5 stride 2, 228×228', cin: 3, cout: 64, k: 5, h: 228, w: 228, stride: 2, padding: 0, batch: 1, bias: true },
  { id: 'seed-32x64', label: 'Seed: 32→64, 3×3, 112×112', cin: 32, cout: 64, k: 3, h: 112, w: 112, stride: 1, padding: 1, batch: 1, bias: false },
];

export interface Stats {
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  mean: number;
  n: number;
}

/** Quantiles by linear interpolation between order statistics (numpy's default). */
export function stats(xs: readonly number[]): Stats {
  if (!xs.length) throw new Error('no samples');
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
  };
  return { median: q(0.5), min: s[0]!, max: s[s.length - 1]!, p25: q(0.25), p75: q(0.75), mean: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
}

/** Deterministic values in [-1, 1). */
export function randomTensor(shape: Shape, seed = 7): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return { shape: [...shape], data };
}

export function checkConfig(c: LayerConfig): void {
  const ints: [string, number, number][] = [
    ['input channels', c.cin, 1],
    ['output channels', c.cout, 1],
    ['kernel size', c.k, 1],
    ['height', c.h, 1],
    ['width', c.w, 1],
    ['stride', c.stride, 1],
    ['padding', c.padding, 0],
    ['batch', c.batch, 1],
  ];
  for (const [what, v, min] of ints)
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${what} must be an integer ≥ ${min}, got ${Number.isNaN(v) ? 'nothing' : v}`);
  for (const [what, size] of [['height', c.h], ['width', c.w]] as const)
    if (size + 2 * c.padding < c.k)
      throw new RangeError(`the ${c.k}×${c.k} kernel does not fit: ${what} ${size} + 2 × padding ${c.padding} < ${c.k}`);
}

/** The regular k×k conv and its depthwise-separable replacement, with random (Kaiming-uniform) weights. */
export function buildLayerGraphs(c: LayerConfig, seed = 1, init: 'kaiming' | 'zeros' = 'kaiming'): { regular: Graph; separable: Graph } {
  checkConfig(c);
  const shape = [c.batch, c.cin, c.h, c.w];
  const conv = { stride: c.stride, padding: c.padding, bias: c.bias };
  const rb = new GraphBuilder(`regular_${c.cin}x${c.cout}_k${c.k}`, { seed, init });
  rb.output(rb.conv2d(rb.input('input', shape), c.cin, c.cout, c.k, { ...conv, name: 'conv' }), 'output');
  const sb = new GraphBuilder(`separable_${c.cin}x${c.cout}_k${c.k}`, { seed: seed + 1, init });
  sb.output(sb.separableConv2d(sb.input('input', shape), c.cin, c.cout, c.k, { ...conv, name: 'sep' }), 'output');
  return { regular: rb.build(), separable: sb.build() };
}

export interface LayerCounts {
  inputShape: number[];
  outputShape: number[];
  regular: { params: number; macs: number };
  separable: { params: number; macs: number; depthwise: { params: number; macs: number }; pointwise: { params: number; macs: number } };
  k: number;
  theoreticalRatio: number;
}

/** Exact params and mult-adds of both layers from summary() (zero weights: only shapes matter here). */
export function layerCounts(c: LayerConfig): LayerCounts {
  const { regular, separable } = buildLayerGraphs(c, 1, 'zeros');
  const r = summary(regular);
  const s = summary(separable);
  const [dw, pw] = s.rows as [(typeof s.rows)[0], (typeof s.rows)[0]];
  return {
    inputShape: [c.batch, c.cin, c.h, c.w],
    outputShape: [...r.rows[0]!.outputShape],
    k: c.k,
    regular: { params: r.totalParams, macs: r.totalMacs },
    separable: {
      params: s.totalParams,
      macs: s.totalMacs,
      depthwise: { params: dw.params, macs: dw.macs },
      pointwise: { params: pw.params, macs: pw.macs },
    },
    theoreticalRatio: 1 / c.cout + 1 / (c.k * c.k),
  };
}

export interface Progress {
  /** Called with the fraction done (0..1) and what is happening; awaited so the page can repaint. */
  step(done: number, total: number, label: string): Promise<void>;
  signal?: AbortSignal;
}

export class Stopped extends Error {
  constructor() {
    super('stopped by the user');
    this.name = 'Stopped';
  }
}

function checkStop(p: Progress): void {
  if (p.signal?.aborted) throw new Stopped();
}

interface ProfileResult {
  outputs: Map<string, Tensor>;
  profile: { source: string; layers: { node: string; op: string; ms: number }[] };
}
type Profiler = (inputs: Record<string, Tensor>) => Promise<ProfileResult>;

/** Model.profile, when this build of the engine has it (GPU timestamps, per-node wall-clock or CPU per-node). */
export function profilerOf(model: Model): Profiler | undefined {
  const f = (model as unknown as { profile?: Profiler }).profile;
  return typeof f === 'function' ? f.bind(model) : undefined;
}

export interface Timing {
  /** The first run after load: on WebGPU it includes first-dispatch costs. */
  firstRunMs: number;
  /** Wall-clock around model.run() for each timed run: upload, dispatch, and readback of the output. */
  wallMs: number[];
  wall: Stats;
  /** GPU time of all passes from timestamp queries (sum over layers), when the adapter supports them. */
  gpuMs?: number[];
  gpu?: Stats;
  output: Tensor;
}

/** Warm-up (the first of which is reported as the first run), then `repeats` timed runs, yielding between runs. */
export async function timeRuns(
  model: Model,
  inputs: Record<string, Tensor>,
  opts: { warmup: number; repeats: number; progress: Progress; label: string; done: number; total: number },
): Promise<Timing> {
  const { progress: p } = opts;
  let done = opts.done;
  let output: Tensor | undefined;
  let firstRunMs = NaN;
  const warm = Math.max(1, opts.warmup);
  for (let i = 0; i < warm; i++) {
    checkStop(p);
    await p.step(done++, opts.total, `${opts.label}: warm-up ${i + 1}/${warm}`);
    const t0 = performance.now();
    const out = await model.run(inputs);
    const ms = performance.now() - t0;
    if (i === 0) firstRunMs = ms;
    output = out.values().next().value;
  }
  const wallMs: number[] = [];
  for (let i = 0; i < opts.repeats; i++) {
    checkStop(p);
    await p.step(done++, opts.total, `${opts.label}: timed run ${i + 1}/${opts.repeats}`);
    const t0 = performance.now();
    const out = await model.run(inputs);
    wallMs.push(performance.now() - t0);
    output = out.values().next().value;
  }
  const t: Timing = { firstRunMs, wallMs, wall: stats(wallMs), output: output! };
  const prof = model.backend === 'webgpu' ? profilerOf(model) : undefined;
  if (prof) {
    checkStop(p);
    const first = await prof(inputs);
    if (first.profile.source === 'timestamp-query') {
      const gpuMs: number[] = [];
      for (let i = 0; i < opts.repeats; i++) {
        checkStop(p);
        await p.step(done, opts.total, `${opts.label}: GPU timestamps ${i + 1}/${opts.repeats}`);
        const r = i === 0 ? first : await prof(inputs);
        gpuMs.push(r.profile.layers.reduce((s, l) => s + l.ms, 0));
      }
      t.gpuMs = gpuMs;
      t.gpu = stats(gpuMs);
    }
  }
  return t;
}

export interface Accuracy {
  /** What the output was compared with. */
  reference: string;
  maxAbsError: number;
  maxRelError: number;
  pass: boolean;
}

/** GPU output vs the CPU model; a CPU output vs the CPU reference (oracle) kernels. */
export async function checkAccuracy(model: Model, graph: Graph, inputs: Record<string, Tensor>, output: Tensor): Promise<Accuracy> {
  let ref: Tensor;
  let reference: string;
  if (model.backend === 'webgpu') {
    const cpu = await load(graph, { backend: 'cpu', inputShapes: shapesOf(inputs) });
    ref = (await cpu.run(inputs)).values().next().value!;
    reference = 'WebGPU vs CPU';
  } else {
    ref = runCpu(model.graph, inputs, { fast: false }).values().next().value!;
    reference = 'CPU fast kernels vs CPU reference kernels';
  }
  const c = compareTensors(output, ref, DEFAULT_TOLERANCE);
  return { reference, maxAbsError: c.maxAbsError, maxRelError: c.maxRelError, pass: c.pass };
}

function shapesOf(inputs: Record<string, Tensor>): Record<string, Shape> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.shape]));
}

export interface SideResult {
  nodes: number;
  params: number;
  macs: number;
  outputShape: number[];
  /** Wall-clock of load(): resolve, optimise and (WebGPU) compile every pipeline. */
  loadMs: number;
  firstRunMs: number;
  wallMs: number[];
  wall: Stats;
  gpuMs?: number[];
  gpu?: Stats;
  /** The time used for speedup and GFLOP/s: GPU timestamps when present, else the wall-clock median. */
  timeMs: number;
  gflops: number;
  backend: Backend;
  backendReason: string;
  accuracy: Accuracy;
}

export interface LayerResult {
  seq: number;
  config: LayerConfig & { warmup: number; repeats: number; backend: Backend };
  timeSource: 'GPU timestamps' | 'wall-clock';
  regular: SideResult;
  separable: SideResult;
  /** 1/cout + 1/k² (exact for params and MACs without bias, stride-independent). */
  theoreticalRatio: number;
  paramRatio: number;
  macRatio: number;
  /** regular time / separable time. */
  speedup: number;
  tolerance: { atol: number; rtol: number };
}

export interface RunContext {
  backend: Backend;
  gpu?: GpuContext;
  warmup: number;
  repeats: number;
  progress: Progress;
}

async function benchGraph(graph: Graph, input: Tensor, ctx: RunContext, label: string, done: number, total: number): Promise<SideResult> {
  const s = summary(graph);
  checkStop(ctx.progress);
  await ctx.progress.step(done, total, `${label}: ${compileLabel(ctx)}`);
  const t0 = performance.now();
  const model = await load(graph, { backend: ctx.backend, gpu: ctx.gpu });
  const loadMs = performance.now() - t0;
  try {
    const inputs = { input };
    const t = await timeRuns(model, inputs, { warmup: ctx.warmup, repeats: ctx.repeats, progress: ctx.progress, label, done, total });
    checkStop(ctx.progress);
    await ctx.progress.step(done + Math.max(1, ctx.warmup) + ctx.repeats, total, `${label}: checking the output against the CPU`);
    const accuracy = await checkAccuracy(model, graph, inputs, t.output);
    const timeMs = t.gpu ? t.gpu.median : t.wall.median;
    return {
      nodes: s.rows.length,
      params: s.totalParams,
      macs: s.totalMacs,
      outputShape: [...t.output.shape],
      loadMs,
      firstRunMs: t.firstRunMs,
      wallMs: t.wallMs,
      wall: t.wall,
      gpuMs: t.gpuMs,
      gpu: t.gpu,
      timeMs,
      gflops: (2 * s.totalMacs) / (timeMs * 1e6),
      backend: model.backend,
      backendReason: model.reason,
      accuracy,
    };
  } finally {
    model.dispose();
  }
}

function compileLabel(ctx: RunContext): string {
  if (ctx.backend !== 'webgpu') return 'preparing the CPU model';
  return `compiling GPU pipelines${ctx.gpu?.info.isSoftware ? ' (seconds per kernel on a software adapter)' : ''}`;
}

let seq = 0;

export async function benchLayer(c: LayerConfig, ctx: RunContext): Promise<LayerResult> {
  const { regular, separable } = buildLayerGraphs(c);
  const input = randomTensor([c.batch, c.cin, c.h, c.w]);
  const per = Math.max(1, ctx.warmup) + ctx.repeats + 1;
  const reg = await benchGraph(regular, input, ctx, 'Regular conv', 0, 2 * per);
  const sep = await benchGraph(separable, input, ctx, 'Depthwise-separable', per, 2 * per);
  await ctx.progress.step(1, 1, 'done');
  const useGpuTime = !!(reg.gpu && sep.gpu);
  if (!useGpuTime) {
    // Both sides must use the same clock for the speedup to mean anything.
    for (const side of [reg, sep]) {
      side.timeMs = side.wall.median;
      side.gflops = (2 * side.macs) / (side.timeMs * 1e6);
    }
  }
  return {
    seq: ++seq,
    config: { ...c, warmup: ctx.warmup, repeats: ctx.repeats, backend: ctx.backend },
    timeSource: useGpuTime ? 'GPU timestamps' : 'wall-clock',
    regular: reg,
    separable: sep,
    theoreticalRatio: 1 / c.cout + 1 / (c.k * c.k),
    paramRatio: sep.params / reg.params,
    macRatio: sep.macs / reg.macs,
    speedup: reg.timeMs / sep.timeMs,
    tolerance: { atol: DEFAULT_TOLERANCE.atol, rtol: DEFAULT_TOLERANCE.rtol },
  };
}

export interface SweepOptions {
  inputSize: number;
  k: number;
  startChannels: number;
  steps: number;
}

export const DEFAULT_SWEEP: SweepOptions = { inputSize: 128, k: 3, startChannels: 32, steps: 6 };

export function sweepCost(o: SweepOptions): NetworkComparison {
  return compareNetwork({ ...o, bias: false });
}

export interface SweepTiming {
  step: number;
  regular: Stats;
  separable: Stats;
  timeSource: 'GPU timestamps' | 'wall-clock';
}

/** Times every step of the sweep (same layers as compareNetwork: stride 1, 'same' padding, no bias). */
export async function measureSweep(n: NetworkComparison, ctx: RunContext): Promise<SweepTiming[]> {
  const out: SweepTiming[] = [];
  const per = Math.max(1, ctx.warmup) + ctx.repeats;
  const total = n.steps.length * 2 * per;
  let done = 0;
  for (const s of n.steps) {
    const c: LayerConfig = { cin: s.cin, cout: s.cout, k: s.k, h: s.size, w: s.size, stride: 1, padding: (s.k - 1) / 2, batch: 1, bias: false };
    const g = buildSweepGraphs(c, s.k);
    const input = randomTensor([1, s.cin, s.size, s.size]);
    const times: Timing[] = [];
    for (const [label, graph] of [['regular', g.regular], ['separable', g.separable]] as const) {
      checkStop(ctx.progress);
      await ctx.progress.step(done, total, `Step ${s.step} ${label}: ${compileLabel(ctx)}`);
      const model = await load(graph, { backend: ctx.backend, gpu: ctx.gpu });
      try {
        times.push(await timeRuns(model, { input }, { warmup: ctx.warmup, repeats: ctx.repeats, progress: ctx.progress, label: `Step ${s.step} ${label}`, done, total }));
      } finally {
        model.dispose();
      }
      done += per;
    }
    const gpu = !!(times[0]!.gpu && times[1]!.gpu);
    out.push({
      step: s.step,
      regular: gpu ? times[0]!.gpu! : times[0]!.wall,
      separable: gpu ? times[1]!.gpu! : times[1]!.wall,
      timeSource: gpu ? 'GPU timestamps' : 'wall-clock',
    });
  }
  await ctx.progress.step(1, 1, 'done');
  return out;
}

/** compareNetwork uses 'same' padding, which for odd k is (k-1)/2; even k needs the asymmetric 'same'. */
function buildSweepGraphs(c: LayerConfig, k: number): { regular: Graph; separable: Graph } {
  if (k % 2 === 1) return buildLayerGraphs(c);
  const shape = [1, c.cin, c.h, c.w];
  const rb = new GraphBuilder('regular', { seed: 1 });
  rb.output(rb.conv2d(rb.input('input', shape), c.cin, c.cout, k, { padding: 'same', bias: false, name: 'conv' }), 'output');
  const sb = new GraphBuilder('separable', { seed: 2 });
  sb.output(sb.separableConv2d(sb.input('input', shape), c.cin, c.cout, k, { padding: 'same', bias: false, name: 'sep' }), 'output');
  return { regular: rb.build(), separable: sb.build() };
}

export interface ModelLayerTime {
  node: string;
  op: string;
  ms: number;
}

export interface ModelResult {
  seq: number;
  name: string;
  bytes: number;
  inputShapes: Record<string, number[]>;
  outputShapes: Record<string, number[]>;
  nodes: number;
  params: number;
  macs: number;
  parseMs: number;
  /** load(): resolve, optimise and (WebGPU) compile. */
  loadMs: number;
  firstRunMs: number;
  steady: Stats;
  steadyMs: number[];
  /** Achieved 2·MACs / steady wall-clock median. */
  gflops: number;
  /** GPU time of a whole run from timestamp queries, when the adapter has them. */
  gpu?: Stats;
  backend: Backend;
  backendReason: string;
  accuracy: Accuracy;
  /** How the per-layer times were taken. */
  layerSource: string;
  layers: ModelLayerTime[];
}

const LAYER_SOURCE: Record<string, string> = {
  'timestamp-query': 'GPU time per layer (timestamp queries)',
  'wall-clock': 'wall-clock per layer on the GPU (one submit per layer)',
  cpu: 'CPU time per layer',
};

/** Loads an ONNX model, runs it, and times it as a whole and per layer. Symbolic input dims are set to 1. */
export async function runWholeModel(bytes: Uint8Array, name: string, ctx: RunContext): Promise<ModelResult> {
  const p = ctx.progress;
  const per = Math.max(1, ctx.warmup) + ctx.repeats;
  const total = per + 6;
  await p.step(0, total, 'Parsing the ONNX file');
  const t0 = performance.now();
  const graph = loadOnnx(bytes);
  const parseMs = performance.now() - t0;
  const inputShapes: Record<string, number[]> = {};
  for (const i of graph.inputs) if (!graph.initializers.has(i.name)) inputShapes[i.name] = i.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const s = summary(graph, inputShapes);
  checkStop(p);
  await p.step(1, total, `Whole model: ${compileLabel(ctx)}`);
  const t1 = performance.now();
  const model = await load(graph, { backend: ctx.backend, gpu: ctx.gpu, inputShapes });
  const loadMs = performance.now() - t1;
  try {
    const inputs = Object.fromEntries(Object.entries(inputShapes).map(([k, shape], i) => [k, randomTensor(shape, 11 + i)]));
    const t = await timeRuns(model, inputs, { warmup: ctx.warmup, repeats: ctx.repeats, progress: p, label: 'Whole model', done: 2, total });
    checkStop(p);
    await p.step(2 + per, total, 'Checking the output against the CPU');
    const accuracy = await checkAccuracy(model, graph, inputs, t.output);
    checkStop(p);
    await p.step(3 + per, total, 'Timing each layer');
    const { layers, source } = await layerTimes(model, inputs);
    const outputShapes: Record<string, number[]> = {};
    for (const o of model.graph.graph.outputs) outputShapes[o] = [...(model.graph.shapes.get(o) ?? [])];
    return {
      seq: ++seq,
      name,
      bytes: bytes.byteLength,
      inputShapes,
      outputShapes,
      nodes: model.graph.nodes.length,
      params: s.totalParams,
      macs: s.totalMacs,
      parseMs,
      loadMs,
      firstRunMs: t.firstRunMs,
      steady: t.wall,
      steadyMs: t.wallMs,
      gflops: (2 * s.totalMacs) / (t.wall.median * 1e6),
      gpu: t.gpu,
      backend: model.backend,
      backendReason: model.reason,
      accuracy,
      layerSource: LAYER_SOURCE[source] ?? source,
      layers,
    };
  } finally {
    model.dispose();
  }
}

/** Median of 3 profiled runs per layer: Model.profile when the engine has it, else the CPU path's onNode hook. */
async function layerTimes(model: Model, inputs: Record<string, Tensor>): Promise<{ layers: ModelLayerTime[]; source: string }> {
  const runs: ModelLayerTime[][] = [];
  let source = 'cpu';
  const prof = profilerOf(model);
  for (let r = 0; r < 3; r++) {
    if (prof) {
      const res = await prof(inputs);
      source = res.profile.source;
      runs.push(res.profile.layers.map((l) => ({ ...l })));
    } else {
      const layers: ModelLayerTime[] = [];
      runCpu(model.graph, inputs, { onNode: (i, _o, ms) => layers.push({ node: model.graph.nodes[i]!.node.name, op: model.graph.nodes[i]!.node.op, ms }) });
      runs.push(layers);
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  const layers = runs[0]!.map((l, i) => ({ ...l, ms: stats(runs.map((run) => run[i]?.ms ?? l.ms)).median }));
  return { layers, source };
}
