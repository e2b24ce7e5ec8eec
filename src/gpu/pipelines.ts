import { GpuError } from '../errors.js';
import { compileModule, formatCompileErrors, fullSource, type ShaderDef } from './shader.js';

export type Constants = Readonly<Record<string, number>>;

/** Pipelines keyed by shader + override constants (never by tensor dimensions), compiled asynchronously. */
export class PipelineCache {
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  static key(def: ShaderDef, constants: Constants): string {
    const c = Object.keys(constants)
      .sort()
      .map((k) => `${k}=${constants[k]}`)
      .join(',');
    return `${def.name}|${c}`;
  }

  get(def: ShaderDef, constants: Constants = {}): Promise<GPUComputePipeline> {
    const key = PipelineCache.key(def, constants);
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.create(def, constants);
      this.pipelines.set(key, p);
    }
    return p;
  }

  private async create(def: ShaderDef, constants: Constants): Promise<GPUComputePipeline> {
    let mod = this.modules.get(def.name);
    if (!mod) {
      mod = compileModule(this.device, def);
      this.modules.set(def.name, mod);
    }
    const module = await mod;
    try {
      return await this.device.createComputePipelineAsync({
        label: PipelineCache.key(def, constants),
        layout: 'auto',
        compute: { module, entryPoint: def.entryPoint ?? 'main', constants: { ...constants } },
      });
    } catch (e) {
      const info = await module.getCompilationInfo();
      const detail = info.messages.length ? '\n' + formatCompileErrors(def.name, fullSource(def), info.messages) : '';
      throw new GpuError(`pipeline "${PipelineCache.key(def, constants)}" failed: ${(e as Error).message}${detail}`, 'GPU_PIPELINE');
    }
  }
}
