import { runCpu } from './cpu/run.js';
import { GpuError, InputError } from './errors.js';
import { requestGpu, type AdapterSummary, type GpuContext } from './gpu/device.js';
import { GpuExecutor, type LayerProfile } from './gpu/executor.js';
import type { Graph } from './graph/ir.js';
import { fuseDwPwFor, optimize } from './graph/optimize.js';
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

function profileCpu(rg: ResolvedGraph, inputs: Record<string, unknown>): { outputs: Map<string, Tensor>; profile: LayerProfile } {
  const profile: LayerProfile = { source: 'cpu', layers: [] };
  const outputs = runCpu(rg, inputs, {
    onNode: (i, _o, ms) => profile.layers.push({ node: rg.nodes[i]!.node.name, op: rg.nodes[i]!.node.op, ms }),
  });
  return { outputs, profile };
}

/** Decides the backend for 'auto': WebGPU only on a hardware adapter; software adapters are slower than the CPU path. */
export function chooseBackend(info: AdapterSummary | undefined): { backend: Backend; reason: string } {
  if (!info) return { backend: 'cpu', reason: 'no WebGPU adapter is available' };
  if (info.isSoftware)
    return {
      backend: 'cpu',
      reason: `the WebGPU adapter is a software rasteriser (${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'fallback adapter'}), slower than the CPU path`,
    };
  return { backend: 'webgpu', reason: `hardware WebGPU adapter (${[info.vendor, info.architecture].filter(Boolean).join(' ')})` };
}

class CpuModel implements Model {
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

/** WebGPU with the CPU path behind it: a lost device (or a failed run) is answered on the CPU, never lost. */
class GpuModel implements Model {
  private lost = false;
  private lostReason = '';
  constructor(
    readonly graph: ResolvedGraph,
    private readonly exec: GpuExecutor,
    private readonly initialReason: string,
    readonly adapter: AdapterSummary,
  ) {
    exec.gpu.device.lost.then((info) => {
      this.lost = true;
      this.lostReason = info.message || info.reason || 'device lost';
    });
  }
  get backend(): Backend {
    return this.lost ? 'cpu' : 'webgpu';
  }
  get reason(): string {
    return this.lost ? `the GPU device was lost (${this.lostReason}); running on the CPU` : this.initialReason;
  }
  get executor(): GpuExecutor {
    return this.exec;
  }
  async run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>> {
    if (this.lost) return runCpu(this.graph, inputs);
    try {
      return await this.exec.run(inputs);
    } catch (e) {
      if (e instanceof InputError) throw e;
      if (!this.lost) {
        this.lost = true;
        this.lostReason = (e as Error).message;
      }
      return runCpu(this.graph, inputs);
    }
  }
  async profile(inputs: Record<string, Tensor | Float32Array>) {
    if (this.lost) return profileCpu(this.graph, inputs);
    try {
      return await this.exec.profile(inputs);
    } catch (e) {
      if (e instanceof InputError) throw e;
      this.lost = true;
      this.lostReason = (e as Error).message;
      return profileCpu(this.graph, inputs);
    }
  }
  dispose(): void {
    this.exec.dispose();
  }
}

export async function load(source: Uint8Array | ArrayBuffer | Graph, opts: LoadOptions = {}): Promise<Model> {
  const graph = source instanceof Uint8Array || source instanceof ArrayBuffer ? loadOnnx(source) : source;
  const resolved = resolve(graph, opts.inputShapes ?? {});
  const rg = opts.optimize === false ? resolved : optimize(resolved).graph;
  const wanted = opts.backend ?? 'auto';
  if (wanted === 'cpu') return new CpuModel(rg, 'the CPU backend was requested');
  let gpu = opts.gpu;
  if (!gpu) {
    try {
      gpu = await requestGpu();
    } catch (e) {
      if (wanted === 'webgpu') throw e;
      return new CpuModel(rg, `WebGPU failed to start (${(e as Error).message})`);
    }
  }
  if (wanted === 'auto') {
    const choice = chooseBackend(gpu?.info);
    if (choice.backend === 'cpu') return new CpuModel(rg, choice.reason, gpu?.info);
    return compileOrFallBack(gpu!, rg, choice.reason);
  }
  if (!gpu) throw new GpuError('the webgpu backend was requested but no WebGPU adapter is available', 'GPU_UNAVAILABLE');
  return compileOrFallBack(gpu, rg, 'the webgpu backend was requested');
}

/**
 * Compiles for the GPU. A device lost before or while compiling is not an error of the model: the load still
 * succeeds, on the CPU path, as a later loss would. Every other compile failure (limits, unsupported) propagates.
 */
async function compileOrFallBack(gpu: GpuContext, rg: ResolvedGraph, reason: string): Promise<Model> {
  let lostInfo: GPUDeviceLostInfo | undefined;
  void gpu.device.lost.then((info) => (lostInfo = info));
  try {
    // dw -> pw pairs fuse only where this adapter's kernel wins (never on a software adapter, see dwPwWins)
    const fused = fuseDwPwFor(rg, { variant: gpu.info.isSoftware ? 'direct' : 'tiled', limits: gpu.info.limits }).graph;
    return new GpuModel(fused, await GpuExecutor.compile(gpu, fused), reason, gpu.info);
  } catch (e) {
    // device.lost settles asynchronously; give it a turn of the event loop before deciding.
    await new Promise((r) => setTimeout(r, 0));
    const info = lostInfo;
    if (!info) throw e;
    return new CpuModel(rg, `the GPU device was lost while the model was compiled (${info.message || info.reason || 'device lost'}); running on the CPU`, gpu.info);
  }
}
