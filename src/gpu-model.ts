import { InputError } from './errors.js';
import type { AdapterSummary, GpuContext } from './gpu/device.js';
import { GpuExecutor } from './gpu/executor.js';
import type { ResolvedGraph } from './graph/resolve.js';
import { CpuModel, profileCpu, type Backend, type Model } from './model.js';
import { runCpu } from './cpu/run.js';
import type { Tensor } from './tensor.js';

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


/**
 * Compiles for the GPU. A device lost before or while compiling is not an error of the model: the load still
 * succeeds, on the CPU path, as a later loss would. Every other compile failure (limits, unsupported) propagates.
 */
export async function compileOrFallBack(gpu: GpuContext, rg: ResolvedGraph, reason: string): Promise<Model> {
  let lostInfo: GPUDeviceLostInfo | undefined;
  void gpu.device.lost.then((info) => (lostInfo = info));
  try {
    return new GpuModel(rg, await GpuExecutor.compile(gpu, rg), reason, gpu.info);
  } catch (e) {
    // device.lost settles asynchronously; give it a turn of the event loop before deciding.
    await new Promise((r) => setTimeout(r, 0));
    const info = lostInfo;
    if (!info) throw e;
    return new CpuModel(rg, `the GPU device was lost while the model was compiled (${info.message || info.reason || 'device lost'}); running on the CPU`, gpu.info);
  }
}
