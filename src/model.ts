import { runCpu } from './cpu/run.js';
import { GpuError, InputError } from './errors.js';
import { requestGpu, type AdapterSummary, type GpuContext } from './gpu/device.js';
import { GpuExecutor, type LayerProfile } from './gpu/executor.js';
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

const noRuns = (): RunStats => ({ gpu: 0, cpu: 0, deviceLost: 0, gpuErrors: 0 });

/** How long a failed GPU run waits for device.lost to settle (it does so after the failure that revealed it). */
const LOSS_SETTLE_MS = 250;

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

/**
 * WebGPU with the CPU path behind it for one case only: a lost device (before, between or during runs) is answered
 * on the CPU, never lost. Any other GPU failure rejects with a GpuError (or, with onGpuError 'cpu', is counted).
 */
class GpuModel implements Model {
  readonly stats = noRuns();
  private lostReason: string | undefined;
  constructor(
    readonly graph: ResolvedGraph,
    private readonly exec: GpuExecutor,
    private readonly initialReason: string,
    readonly adapter: AdapterSummary,
    private readonly onGpuError: 'throw' | 'cpu',
  ) {
    exec.gpu.device.lost.then((info) => (this.lostReason ??= info.message || info.reason || 'device lost'));
  }
  get backend(): Backend {
    return this.lostReason === undefined ? 'webgpu' : 'cpu';
  }
  get reason(): string {
    return this.lostReason === undefined ? this.initialReason : `the GPU device was lost (${this.lostReason}); running on the CPU`;
  }
  get executor(): GpuExecutor {
    return this.exec;
  }
  run(inputs: Record<string, Tensor | Float32Array>): Promise<Map<string, Tensor>> {
    return this.answer(() => this.exec.run(inputs), () => runCpu(this.graph, inputs));
  }
  profile(inputs: Record<string, Tensor | Float32Array>) {
    return this.answer(() => this.exec.profile(inputs), () => profileCpu(this.graph, inputs));
  }
  dispose(): void {
    this.exec.dispose();
  }

  /** `cpu` may be synchronous or not (a CPU path in a Worker answers asynchronously). */
  private async answer<T>(gpu: () => Promise<T>, cpu: () => T | Promise<T>): Promise<T> {
    if (this.lostReason === undefined) {
      try {
        const out = await gpu();
        this.stats.gpu++;
        return out;
      } catch (e) {
        if (e instanceof InputError) throw e;
        if (!(await this.deviceLost())) {
          if (this.onGpuError !== 'cpu') throw e instanceof GpuError ? e : new GpuError(`GPU run failed: ${(e as Error).message}`, 'GPU_RUN');
          const out = await cpu();
          this.stats.gpuErrors++;
          this.stats.cpu++;
          return out;
        }
      }
    }
    const out = await cpu();
    this.stats.deviceLost++;
    this.stats.cpu++;
    return out;
  }

  /** True when the device is lost, or device.lost settles within LOSS_SETTLE_MS (a run failed because of it). */
  private async deviceLost(): Promise<boolean> {
    if (this.lostReason !== undefined) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.exec.gpu.device.lost, new Promise((r) => (timer = setTimeout(r, LOSS_SETTLE_MS)))]);
    clearTimeout(timer);
    return this.lostReason !== undefined;
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
    return compileOrFallBack(gpu!, rg, choice.reason, opts.onGpuError ?? 'throw');
  }
  if (!gpu) throw new GpuError('the webgpu backend was requested but no WebGPU adapter is available', 'GPU_UNAVAILABLE');
  return compileOrFallBack(gpu, rg, 'the webgpu backend was requested', opts.onGpuError ?? 'throw');
}

/**
 * Compiles for the GPU. A device lost before or while compiling is not an error of the model: the load still
 * succeeds, on the CPU path, as a later loss would. Every other compile failure (limits, unsupported) propagates.
 */
async function compileOrFallBack(gpu: GpuContext, rg: ResolvedGraph, reason: string, onGpuError: 'throw' | 'cpu'): Promise<Model> {
  let lostInfo: GPUDeviceLostInfo | undefined;
  void gpu.device.lost.then((info) => (lostInfo = info));
  try {
    return new GpuModel(rg, await GpuExecutor.compile(gpu, rg), reason, gpu.info, onGpuError);
  } catch (e) {
    // device.lost settles asynchronously; give it a turn of the event loop before deciding.
    await new Promise((r) => setTimeout(r, 0));
    const info = lostInfo;
    if (!info) throw e;
    return new CpuModel(rg, `the GPU device was lost while the model was compiled (${info.message || info.reason || 'device lost'}); running on the CPU`, gpu.info);
  }
}
