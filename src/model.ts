import { runCpu } from './cpu/run.js';
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

export interface LoadOptions {
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

/** Who answered a model's run() and profile() calls, so callers (and tests) can tell a GPU answer from a CPU one. */
export interface RunStats {
  /** Answered by the WebGPU executor. */
  gpu: number;
  /** Answered by the CPU path: every call of a CPU model; a GPU model's calls after a device loss or a counted GPU error. */
  cpu: number;
  /** Of `cpu`: calls a GPU model answered on the CPU because its device was lost. */
  deviceLost: number;
  /** Of `cpu`: calls whose GPU run failed on a live device and that `onGpuError: 'cpu'` answered on the CPU. */
  gpuErrors: number;
}

export const noRuns = (): RunStats => ({ gpu: 0, cpu: 0, deviceLost: 0, gpuErrors: 0 });

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
  readonly stats = noRuns();
  constructor(
    readonly graph: ResolvedGraph,
    readonly reason: string,
    readonly adapter?: AdapterSummary,
  ) {}
  async run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>> {
    const out = runCpu(this.graph, inputs);
    this.stats.cpu++;
    return out;
  }
  async profile(inputs: Record<string, Tensor | Float32Array>) {
    const out = profileCpu(this.graph, inputs);
    this.stats.cpu++;
    return out;
  }
  dispose(): void {}
}

export async function load(source: Uint8Array | ArrayBuffer | Graph, opts: LoadOptions = {}): Promise<Model> {
  const graph = source instanceof Uint8Array || source instanceof ArrayBuffer ? loadOnnx(source) : source;
  const resolved = resolve(graph, opts.inputShapes ?? {});
  const rg = opts.optimize === false ? resolved : optimize(resolved).graph;
  const wanted = opts.backend ?? 'auto';
  if (wanted === 'cpu') return new CpuModel(rg, withCpuKernels('the CPU backend was requested'));
  let gpu: GpuContext | string;
  try {
    gpu = opts.gpu ?? (await acquireGpu());
  } catch (e) {
    if (wanted === 'webgpu') throw e;
    return new CpuModel(rg, withCpuKernels(`WebGPU failed to start (${(e as Error).message}); running on the CPU`));
  }
  const info = typeof gpu === 'string' ? undefined : gpu.info;
  if (wanted === 'auto') {
    const choice = chooseBackend(info, typeof gpu === 'string' ? gpu : undefined);
    if (choice.backend === 'cpu' || typeof gpu === 'string') return new CpuModel(rg, withCpuKernels(choice.reason), info);
    return compileGpu(gpu, rg, choice.reason, opts.onGpuError ?? 'throw');
  }
  if (typeof gpu === 'string') throw new GpuError(`the webgpu backend was requested, but ${gpu}`, 'GPU_UNAVAILABLE');
  return compileGpu(gpu, rg, 'the webgpu backend was requested', opts.onGpuError ?? 'throw');
}

// The GPU executor and its WGSL load only when a model is compiled for WebGPU: CPU-only apps never fetch them.
async function compileGpu(gpu: GpuContext, rg: ResolvedGraph, reason: string, onGpuError: 'throw' | 'cpu'): Promise<Model> {
  const { compileOrFallBack } = await import('./gpu-model.js');
  return compileOrFallBack(gpu, rg, reason, onGpuError);
}
