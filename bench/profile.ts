// Per-layer timing of sepconv's WebGPU path: each node of the optimised graph is compiled into its own
// single-node executor and run alone, after one warm-up run. Each time therefore includes one submit, the
// input upload (NCHW -> device layout on the CPU) and the output readback: an upper bound per layer, useful
// for seeing which layer kinds dominate, not for adding up to the whole-model time exactly.
import type { Graph, Value } from '../src/graph/ir.js';

import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { requestGpu } from '../src/gpu/device.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { loadOnnx } from '../src/onnx/import.js';
import { layerType } from '../src/summary/summary.js';
import type { Tensor } from '../src/tensor.js';
import { sizeOf } from '../src/tensor.js';
import type { WorkloadSpec } from './engines.js';

export interface LayerTime {
  name: string;
  type: string;
  outputShape: number[];
  macs: number;
  ms: number;
}

export interface ProfileResult {
  layers: LayerTime[];
  byKind: { kind: string; count: number; ms: number; macs: number; gflops: number }[];
  totalMs: number;
  profiled: number;
  of: number;
}

const kindOf = (type: string, op: string) =>
  type.startsWith('Conv (depthwise') ? 'depthwise conv' : type === 'Conv (pointwise)' ? 'pointwise conv' : op === 'Conv' ? 'regular conv' : op;

export async function profileLayers(onnx: Uint8Array, w: WorkloadSpec, budgetMs: number): Promise<ProfileResult> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('no WebGPU adapter');
  const t0 = performance.now();
  const rg = optimize(resolve(loadOnnx(onnx), { [w.inputName]: w.inputShape })).graph;
  const pipelines = new PipelineCache(gpu.device);
  const layers: LayerTime[] = [];
  try {
    for (const rn of rg.nodes) {
      if (performance.now() - t0 > budgetMs) break;
      const runtime = rn.node.inputs.filter((i) => i !== '' && !rg.constants.has(i));
      const constants = new Map<string, Value>();
      for (const i of rn.node.inputs) if (i !== '' && rg.constants.has(i)) constants.set(i, rg.constants.get(i)!);
      const shapes = new Map(rn.node.inputs.filter((i) => i !== '').map((i) => [i, rg.shapes.get(i)!] as const));
      rn.node.outputs.forEach((o, k) => o !== '' && shapes.set(o, rn.outputShapes[k]!));
      const graph: Graph = {
        name: rn.node.name,
        inputs: runtime.map((name) => ({ name, shape: [...rg.shapes.get(name)!] })),
        outputs: rn.node.outputs.filter((o) => o !== ''),
        nodes: [rn.node],
        initializers: constants,
        opset: rg.graph.opset,
      };
      const one: ResolvedGraph = {
        graph,
        inputShapes: new Map(runtime.map((n) => [n, rg.shapes.get(n)!] as const)),
        nodes: [rn],
        constants,
        shapes,
      };
      const exec = await GpuExecutor.compile(gpu, one, pipelines);
      const inputs: Record<string, Tensor> = {};
      for (const n of runtime) {
        const shape = rg.shapes.get(n)!;
        const data = new Float32Array(sizeOf(shape));
        for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 997) / 997 - 0.5;
        inputs[n] = { shape, data };
      }
      try {
        await exec.run(inputs);
        const ts: number[] = [];
        for (let r = 0; r < 2; r++) {
          const t = performance.now();
          await exec.run(inputs);
          ts.push(performance.now() - t);
        }
        layers.push({ name: rn.node.name, type: layerType(rn), outputShape: [...rn.outputShapes[0]!], macs: rn.cost.macs, ms: Math.min(...ts) });
      } finally {
        exec.dispose();
      }
    }
  } finally {
    gpu.device.destroy();
  }
  const kinds = new Map<string, { count: number; ms: number; macs: number }>();
  for (const l of layers) {
    const k = kindOf(l.type, l.type.startsWith('Conv') ? 'Conv' : l.type);
    const e = kinds.get(k) ?? { count: 0, ms: 0, macs: 0 };
    e.count++;
    e.ms += l.ms;
    e.macs += l.macs;
    kinds.set(k, e);
  }

  return {
    layers,
    byKind: [...kinds].map(([kind, e]) => ({ kind, ...e, gflops: e.ms > 0 ? (2 * e.macs) / (e.ms * 1e6) : 0 })).sort((a, b) => b.ms - a.ms),
    totalMs: layers.reduce((s, l) => s + l.ms, 0),
    profiled: layers.length,
    of: rg.nodes.length,
  };
}

export interface LoadProfile {
  parseMs: number;
  resolveOptimizeMs: number;
  /** GpuExecutor.compile: weight packing + upload, pipeline compiles (overlapping), bind groups */
  compileMs: number;
  pipelines: number;
  modules: number;
  /** summed wall time of the (overlapping) module / pipeline creations */
  moduleMs: number;
  pipelineMs: number;
  firstRunMs: number;
  /** the same model compiled again on this device: the per-device pipeline cache leaves only buffers and bind groups */
  secondCompileMs: number;
  secondCompileHits: number;
}

function inputsOf(rg: ResolvedGraph): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const [n, shape] of rg.inputShapes) inputs[n] = { shape, data: new Float32Array(sizeOf(shape)).map((_, i) => ((i * 7919) % 997) / 997 - 0.5) };
  return inputs;
}

/** Where sepconv's time to first result goes, on a fresh device (so nothing is cached from earlier rows). */
export async function profileLoad(onnx: Uint8Array, w: WorkloadSpec): Promise<LoadProfile> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('no WebGPU adapter');
  try {
    const t0 = performance.now();
    const graph = loadOnnx(onnx);
    const t1 = performance.now();
    const rg = optimize(resolve(graph, { [w.inputName]: w.inputShape })).graph;
    const t2 = performance.now();
    const pipelines = new PipelineCache(gpu.device);
    const exec = await GpuExecutor.compile(gpu, rg, pipelines);
    const t3 = performance.now();
    await exec.run(inputsOf(rg));
    const t4 = performance.now();
    const hits0 = pipelines.stats.hits;
    const again = await GpuExecutor.compile(gpu, rg, pipelines);
    const t5 = performance.now();
    exec.dispose();
    again.dispose();
    const s = pipelines.stats;
    return {
      parseMs: t1 - t0, resolveOptimizeMs: t2 - t1, compileMs: t3 - t2, pipelines: s.pipelines, modules: s.modules,
      moduleMs: s.moduleMs, pipelineMs: s.pipelineMs, firstRunMs: t4 - t3, secondCompileMs: t5 - t4, secondCompileHits: s.hits - hits0,
    };
  } finally {
    gpu.device.destroy();
  }
}

export interface FusionGain {
  /** the adapter presented as hardware: tiled kernels, so the fused kernel's hardware variant runs */
  path: string;
  fused: string[];
  unfusedMs: number;
  fusedMs: number;
  runs: number;
}

/**
 * How much the fused depthwise -> pointwise kernel gives: MobileNetV2 on the hardware-path kernels with and
 * without the dw -> pw fusion (median of `runs` runs after one warm-up). On a software adapter load() fuses
 * nothing (dwPwWins), so there the gain of the shipped path is zero by construction.
 */
export async function fusionGain(onnx: Uint8Array, w: WorkloadSpec, runs = 3): Promise<FusionGain> {
  const base = await requestGpu();
  if (!base) throw new Error('no WebGPU adapter');
  const gpu = { ...base, info: { ...base.info, isSoftware: false } };
  try {
    const plain = optimize(resolve(loadOnnx(onnx), { [w.inputName]: w.inputShape })).graph;
    const { graph: fusedGraph, fused } = fuseDwPwFor(plain, { variant: 'tiled', limits: gpu.info.limits });
    const timeOf = async (rg: ResolvedGraph) => {
      const exec = await GpuExecutor.compile(gpu, rg);
      try {
        const inputs = inputsOf(rg);
        await exec.run(inputs);
        const ts: number[] = [];
        for (let r = 0; r < runs; r++) {
          const t = performance.now();
          await exec.run(inputs);
          ts.push(performance.now() - t);
        }
        return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]!;
      } finally {
        exec.dispose();
      }
    };
    return { path: 'hardware-path kernels (tiled, workgroup memory)', fused, unfusedMs: await timeOf(plain), fusedMs: await timeOf(fusedGraph), runs };
  } finally {
    base.device.destroy();
  }
}
