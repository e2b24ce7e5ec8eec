import { GpuError, InputError } from './errors.js';
import type { AdapterSummary, Backend, EngineModel } from './engine.js';
import type { GpuContext } from './gpu/device.js';
import { GpuExecutor } from './gpu/executor.js';
import { deviceLimits } from './gpu/limits.js';
import { kernelVariant } from './gpu/variant.js';
import { fuseDwPwFor } from './gpu/fuse-dwpw.js';
import { fusePostFor } from './gpu/fuse-post.js';
import type { ResolvedGraph } from './graph/resolve.js';
import { lazyCpu, openCpu } from './cpu/backend.js';
import type { LoadOptions } from './load-options.js';
import { noRuns } from './run-stats.js';
import { lossSettled } from './gpu/loss.js';
import type { Tensor } from './tensor.js';

/**
 * WebGPU with the CPU path behind it for one case only: a lost device (before, between or during runs) is answered
 * on the CPU, never lost. Any other GPU failure rejects with a GpuError (or, with onGpuError 'cpu', is counted).
 */
class GpuModel implements EngineModel {
  readonly stats = noRuns();
  private lostReason: string | undefined;
  constructor(
    readonly graph: ResolvedGraph,
    private readonly exec: GpuExecutor,
    private readonly initialReason: string,
    readonly adapter: AdapterSummary,
    private readonly onGpuError: 'throw' | 'cpu',
    private readonly cpu: ReturnType<typeof lazyCpu>,
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
    return this.answer(() => this.exec.run(inputs), async () => (await this.cpu.get()).run(inputs));
  }
  profile(inputs: Record<string, Tensor | Float32Array>) {
    return this.answer(() => this.exec.profile(inputs), async () => (await this.cpu.get()).profile(inputs));
  }
  settled(): Promise<void> {
    return this.lostReason === undefined ? this.exec.upgraded() : Promise.resolve();
  }
  dispose(): void {
    this.exec.dispose();
    this.cpu.dispose();
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
    await lossSettled(this.exec.gpu.device);
    return this.lostReason !== undefined;
  }
}

/**
 * Compiles for the GPU. A device lost before or while compiling is not an error of the model: the load still
 * succeeds, on the CPU path, as a later loss would. Every other compile failure (limits, unsupported) propagates.
 */
export async function compileOrFallBack(
  gpu: GpuContext, rg: ResolvedGraph, cpuGraph: () => ResolvedGraph, opts: LoadOptions, reason: string,
): Promise<EngineModel> {
  let lostInfo: GPUDeviceLostInfo | undefined;
  void gpu.device.lost.then((info) => (lostInfo = info));
  try {
    // dw -> pw pairs fuse only where this adapter's kernel wins (never on a software adapter, see dwPwWins)
    const variant = kernelVariant(gpu.info);
    // and, on the software-adapter kernels, a Relu/Clip after a fused residual joins the conv (fuse-post.ts)
    const fused = fusePostFor(fuseDwPwFor(rg, { variant, limits: deviceLimits(gpu) }).graph, variant);
    return new GpuModel(fused, await GpuExecutor.compile(gpu, fused), reason, gpu.info, opts.onGpuError ?? 'throw', lazyCpu(cpuGraph, opts));
  } catch (e) {
    // device.lost settles asynchronously; give it a turn of the event loop before deciding.
    await new Promise((r) => setTimeout(r, 0));
    const info = lostInfo;
    if (!info) throw e;
    return openCpu(cpuGraph(), `the GPU device was lost while the model was compiled (${info.message || info.reason || 'device lost'}); running on the CPU`, opts, gpu.info);
  }
}
