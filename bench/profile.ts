// Per-layer timing of sepconv's WebGPU path: each node of the optimised graph is compiled into its own
// single-node executor and run alone, after one warm-up run. Each time therefore includes one submit, the
// input upload (NCHW -> device layout on the CPU) and the output readback: an upper bound per layer, useful
// for seeing which layer kinds dominate, not for adding up to the whole-model time exactly.
import type { Graph, Value } from '../src/graph/ir.js';

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
