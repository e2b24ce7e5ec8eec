import { runCpu } from './cpu/run.js';
import { GpuError } from './errors.js';
import { acquireGpu, type AdapterSummary, type GpuContext } from './gpu/device.js';
import type { LayerProfile } from './gpu/executor.js';
import type { Graph } from './graph/ir.js';
import { optimize } from './graph/optimize.js';
import { resolve, type ResolvedGraph } from './graph/resolve.js';
import { loadOnnx } from './onnx/import.js';
import type { Shape, Tensor } from './tensor.js';

export type Backend = 'webgpu' | 'cpu';

export interface LoadOptions {
  backend?: Backend | 'auto';
  /** Concrete shapes for inputs with symbolic dims (e.g. batch). */
  inputShapes?: Record<string, Shape>;
  /** Use an existing device instead of requesting one. */
  gpu?: GpuContext;
  /** Fold BatchNorm, fuse activations, drop Identity (default true). */
  optimize?: boolean;
}

export interface Model {
  readonly backend: Backend;
  /** Why this backend was chosen (and, after a device loss, that the CPU took over). */
  readonly reason: string;
  readonly adapter?: AdapterSummary;
  readonly graph: ResolvedGraph;
  run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>>;
  /** One run with per-layer times (GPU timestamps where the adapter has them). */
  profile(inputs: Record<string, Tensor | Float32Array>): Promise<{ outputs: Map<string, Tensor>; profile: LayerProfile }>;
  dispose(): void;
}

export function profileCpu(rg: ResolvedGraph, inputs: Record<string, unknown>): { outputs: Map<string, Tensor>; profile: LayerProfile } {
  const profile: LayerProfile = { source: 'cpu', layers: [] };
  const outputs = runCpu(rg, inputs, {
    onNode: (i, _o, ms) => profile.layers.push({ node: rg.nodes[i]!.node.name, op: rg.nodes[i]!.node.op, ms }),
  });
  return { outputs, profile };
}

/** Decides the backend for 'auto': WebGPU only on a hardware adapter; software adapters are slower than the CPU path. */
export function chooseBackend(info: AdapterSummary | undefined, unavailable = 'no WebGPU adapter is available'): { backend: Backend; reason: string } {
  if (!info) return { backend: 'cpu', reason: `${unavailable}; running on the CPU` };
  if (info.isSoftware)
    return {
      backend: 'cpu',
      reason: `the WebGPU adapter is a software rasteriser (${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'fallback adapter'}), slower than the CPU path`,
    };
  return { backend: 'webgpu', reason: `hardware WebGPU adapter (${[info.vendor, info.architecture].filter(Boolean).join(' ')})` };
}

export class CpuModel implements Model {
  readonly backend = 'cpu' as const;
  constructor(
    readonly graph: ResolvedGraph,
    readonly reason: string,
    readonly adapter?: AdapterSummary,
  ) {}
  async run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>> {
    return runCpu(this.graph, inputs);
  }
  async profile(inputs: Record<string, Tensor | Float32Array>) {
    return profileCpu(this.graph, inputs);
  }
  dispose(): void {}
}

export async function load(source: Uint8Array | ArrayBuffer | Graph, opts: LoadOptions = {}): Promise<Model> {
  const graph = source instanceof Uint8Array || source instanceof ArrayBuffer ? loadOnnx(source) : source;
  const resolved = resolve(graph, opts.inputShapes ?? {});
  const rg = opts.optimize === false ? resolved : optimize(resolved).graph;
  const wanted = opts.backend ?? 'auto';
  if (wanted === 'cpu') return new CpuModel(rg, 'the CPU backend was requested');
  let gpu: GpuContext | string;
  try {
    gpu = opts.gpu ?? (await acquireGpu());
  } catch (e) {
    if (wanted === 'webgpu') throw e;
    return new CpuModel(rg, `WebGPU failed to start (${(e as Error).message}); running on the CPU`);
  }
  const info = typeof gpu === 'string' ? undefined : gpu.info;
  if (wanted === 'auto') {
    const choice = chooseBackend(info, typeof gpu === 'string' ? gpu : undefined);
    if (choice.backend === 'cpu' || typeof gpu === 'string') return new CpuModel(rg, choice.reason, info);
    return compileGpu(gpu, rg, choice.reason);
  }
  if (typeof gpu === 'string') throw new GpuError(`the webgpu backend was requested, but ${gpu}`, 'GPU_UNAVAILABLE');
  return compileGpu(gpu, rg, 'the webgpu backend was requested');
}

// The GPU executor and its WGSL load only when a model is compiled for WebGPU: CPU-only apps never fetch them.
async function compileGpu(gpu: GpuContext, rg: ResolvedGraph, reason: string): Promise<Model> {
  const { compileOrFallBack } = await import('./gpu-model.js');
  return compileOrFallBack(gpu, rg, reason);
}
