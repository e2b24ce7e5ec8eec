import { GpuError } from '../errors.js';
import { formatCompileErrors, fullSource, throwCompileErrors, type ShaderDef } from './shader.js';

export type Constants = Readonly<Record<string, number>>;

/** Where a cache's compile time went: created modules / pipelines, cache hits and the wall time of each creation. */
export interface PipelineStats {
  modules: number;
  pipelines: number;
  hits: number;
  /** Sum over pipelines of createComputePipelineAsync's wall time (they overlap, so this exceeds elapsed time). */
  pipelineMs: number;
  /** createShaderModule's own time (the browser parses the WGSL later, in its GPU process). */
  moduleMs: number;
}

const perDevice = new WeakMap<GPUDevice, PipelineCache>();

/** Pipelines keyed by shader + override constants (never by tensor dimensions), compiled asynchronously. */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  readonly stats: PipelineStats = { modules: 0, pipelines: 0, hits: 0, pipelineMs: 0, moduleMs: 0 };

  constructor(private readonly device: GPUDevice) {}

  /** The cache every model on this device shares (load(), validate()), so a page's second model compiles only what is new. */
  static forDevice(device: GPUDevice): PipelineCache {
    let c = perDevice.get(device);
    if (!c) {
      c = new PipelineCache(device);
      perDevice.set(device, c);
    }
    return c;
  }

  get size(): number {
    return this.pipelines.size;
  }

  /** The cache keys (shader + override constants) of every pipeline made so far. */
  get keys(): string[] {
    return [...this.pipelines.keys()];
  }

  static key(def: ShaderDef, constants: Constants): string {
    const c = Object.keys(constants)
      .sort()
      .map((k) => `${k}=${constants[k]}`)
      .join(',');
    return `${def.name}|${c}`;
  }

  /** Whether this pipeline was asked for already (compiled, or compiling). */
  has(def: ShaderDef, constants: Constants = {}): boolean {
    return this.pipelines.has(PipelineCache.key(def, constants));
  }

  /**
   * The pipeline, compiled once. Its GPU calls are made before this returns (nothing is awaited first), so a
   * caller that asks for every pipeline up front has them all compiling while it goes on with other work.
   */
  get(def: ShaderDef, constants: Constants = {}): Promise<GPUComputePipeline> {
    const key = PipelineCache.key(def, constants);
    let p = this.pipelines.get(key);
    if (p) this.stats.hits++;
    else {
      p = this.create(def, constants, key);
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** The shader module, created at once: its compilation messages are fetched only if a pipeline from it fails. */
  private moduleOf(def: ShaderDef): GPUShaderModule {
    let mod = this.modules.get(def.name);
    if (!mod) {
      const t0 = performance.now();
      mod = this.device.createShaderModule({ label: def.name, code: fullSource(def) });
      this.stats.moduleMs += performance.now() - t0;
      this.modules.set(def.name, mod);
      this.stats.modules++;
    }
    return mod;
  }

  private create(def: ShaderDef, constants: Constants, key: string): Promise<GPUComputePipeline> {
    const { device } = this;
    // A WGSL error leaves an invalid module and a validation error: the scope keeps it from the device's
    // uncaptured errors; the pipeline made from it fails, and the catch below reports the module's messages.
    device.pushErrorScope('validation');
    const module = this.moduleOf(def);
    void device.popErrorScope().catch(() => null);
    const t0 = performance.now();
    this.stats.pipelines++;
    return device
      .createComputePipelineAsync({ label: key, layout: 'auto', compute: { module, entryPoint: def.entryPoint ?? 'main', constants: { ...constants } } })
      .catch(async (e: unknown) => {
        const info = await module.getCompilationInfo().catch(() => undefined);
        throwCompileErrors(def.name, fullSource(def), info?.messages ?? []);
        const detail = info?.messages.length ? '\n' + formatCompileErrors(def.name, fullSource(def), info.messages) : '';
        throw new GpuError(`pipeline "${key}" failed: ${(e as Error).message}${detail}`, 'GPU_PIPELINE');
      })
      .finally(() => (this.stats.pipelineMs += performance.now() - t0));
  }
}
