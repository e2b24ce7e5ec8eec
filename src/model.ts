import { openCpu, type CpuOptions } from './cpu/backend.js';
import type { RunStats } from './run-stats.js';
export type { RunStats } from './run-stats.js';
import type { GraphSpec } from './cpu/worker-protocol.js';
import { GpuError } from './errors.js';
import { withCpuKernels } from './features.js';
import { acquireGpu, type AdapterSummary, type GpuContext } from './gpu/device.js';
import type { LayerProfile } from './gpu/executor.js';
import type { Graph } from './graph/ir.js';
import { optimize } from './graph/optimize.js';
import { resolve, type ResolvedGraph } from './graph/resolve.js';
import { loadOnnx } from './onnx/import.js';
import type { Shape, Tensor } from './tensor.js';

export type Backend = 'webgpu' | 'cpu';

export interface LoadOptions extends CpuOptions {
  backend?: Backend | 'auto';
  /** Concrete shapes for inputs with symbolic dims (e.g. batch). */
  inputShapes?: Record<string, Shape>;
  /** Use an existing device instead of requesting one. */
  gpu?: GpuContext;
  /** Fold BatchNorm, fuse activations, drop Identity (default true). */
  optimize?: boolean;
  /**
   * A GPU run that fails while the device is NOT lost is a bug, not an outage: 'throw' (the default) rejects with
   * a GpuError naming the node; 'cpu' answers that run on the CPU instead and counts it in `stats.gpuErrors`.
   */
  onGpuError?: 'throw' | 'cpu';
}


/** How long a failed GPU run waits for device.lost to settle (it does so after the failure that revealed it). */
export const LOSS_SETTLE_MS = 250;


export interface Model {
  readonly backend: Backend;
  /** Why this backend was chosen (and, after a device loss, that the CPU took over). */
  readonly reason: string;
  readonly adapter?: AdapterSummary;
  readonly graph: ResolvedGraph;
  readonly stats: Readonly<RunStats>;
  run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>>;
  /** One run with per-layer times (GPU timestamps where the adapter has them). */
  profile(inputs: Record<string, Tensor | Float32Array>): Promise<{ outputs: Map<string, Tensor>; profile: LayerProfile }>;
  dispose(): void;
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

export async function load(source: Uint8Array | ArrayBuffer | Graph, opts: LoadOptions = {}): Promise<Model> {
  const graph = source instanceof Uint8Array || source instanceof ArrayBuffer ? loadOnnx(source) : source;
  const resolved = resolve(graph, opts.inputShapes ?? {});
  const rg = opts.optimize === false ? resolved : optimize(resolved).graph;
  const spec: GraphSpec = { graph, inputShapes: opts.inputShapes ?? {}, optimize: opts.optimize !== false };
  const cpu = (why: string, adapter?: AdapterSummary) => openCpu(rg, spec, withCpuKernels(why), opts, adapter);
  const wanted = opts.backend ?? 'auto';
  if (wanted === 'cpu') return cpu('the CPU backend was requested');
  let gpu: GpuContext | string;
  try {
    gpu = opts.gpu ?? (await acquireGpu());
  } catch (e) {
    if (wanted === 'webgpu') throw e;
    return cpu(`WebGPU failed to start (${(e as Error).message}); running on the CPU`);
  }
  const info = typeof gpu === 'string' ? undefined : gpu.info;
  if (wanted === 'auto') {
    const choice = chooseBackend(info, typeof gpu === 'string' ? gpu : undefined);
    if (choice.backend === 'cpu' || typeof gpu === 'string') return cpu(choice.reason, info);
    return compileGpu(gpu, rg, spec, opts, choice.reason);
  }
  if (typeof gpu === 'string') throw new GpuError(`the webgpu backend was requested, but ${gpu}`, 'GPU_UNAVAILABLE');
  return compileGpu(gpu, rg, spec, opts, 'the webgpu backend was requested');
}

// The GPU executor and its WGSL load only when a model is compiled for WebGPU: CPU-only apps never fetch them.
async function compileGpu(gpu: GpuContext, rg: ResolvedGraph, spec: GraphSpec, opts: LoadOptions, reason: string): Promise<Model> {
  const { compileOrFallBack } = await import('./gpu-model.js');
  return compileOrFallBack(gpu, rg, spec, opts, reason);
}
