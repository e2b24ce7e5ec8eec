import { InputError } from './errors.js';
import type { GpuContext } from './gpu/device.js';
import type { Graph } from './graph/ir.js';
import type { LoadOptions } from './load-options.js';
import type { Model, ModelInput, ModelIo } from './model-types.js';
import { noRuns } from './run-stats.js';
import type { Shape, Tensor } from './tensor.js';
import type { IoInfo } from './tfjs/import.js';

/**
 * A model whose graph depends on its input shapes: `specialise` gives the graph for one set of them (TF.js: built
 * for those shapes, `io` its NHWC description; ONNX: the same graph, with the shapes the resolver binds).
 */
export interface DynamicSource {
  /** Inputs as declared, unknown dims as -1. */
  readonly inputs: readonly IoInfo[];
  specialise(shapes: Record<string, Shape>): { graph: Graph; io?: ModelIo; inputShapes: Record<string, Shape> };
  /** How many times the weights were decoded (once, at load, whatever the number of specialisations). */
  readonly weightDecodes: number;
}

/** How a dynamic model's shape cache has been used (for tests and diagnostics). */
export interface ShapeCacheStats {
  /** Graphs built and compiled: one per distinct set of input shapes. */
  compiles: number;
  /** Runs answered by an already compiled specialisation. */
  hits: number;
  weightDecodes: number;
}

type Compile = (graph: Graph, io: ModelIo | undefined, opts: LoadOptions) => Promise<Model>;

const shapeKey = (shapes: Record<string, Shape>) => JSON.stringify(Object.keys(shapes).sort().map((k) => [k, shapes[k]]));

/**
 * A model with unknown input dims (TF.js -1 dims, ONNX symbolic dims): specialised on its first run with each distinct set of input shapes (graph
 * built from the already parsed model and decoded weights, resolved, optimised and compiled for that shape), the
 * plan cached per shape. Every specialisation shares one GPU device. `graph`, `backend`, `outputs`… describe the
 * latest specialisation; before the first run `outputs` is empty and `graph` throws.
 */
export class DynamicModel implements Model {
  readonly format: ModelIo['format'];
  private readonly cache = { compiles: 0, hits: 0 };
  private readonly plans = new Map<string, Promise<Model>>();
  private latest: Model | undefined;

  constructor(
    private readonly source: DynamicSource,
    format: ModelIo['format'],
    private readonly opts: LoadOptions,
    private readonly compile: Compile,
    /** A device this model acquired itself (destroyed with it). */
    private readonly ownGpu?: GpuContext,
  ) {
    this.format = format;
  }

  get shapeCache(): Readonly<ShapeCacheStats> {
    return { ...this.cache, weightDecodes: this.source.weightDecodes };
  }
  get inputs() {
    return this.latest?.inputs ?? this.source.inputs;
  }
  get outputs() {
    return this.latest?.outputs ?? [];
  }
  get backend() {
    return this.latest?.backend ?? (this.opts.backend === 'cpu' ? 'cpu' : this.ownGpu || this.opts.gpu ? 'webgpu' : 'cpu');
  }
  get reason() {
    return this.latest?.reason ?? 'the model has unknown input dims: it is compiled on its first run with each input shape';
  }
  get adapter() {
    return this.latest?.adapter ?? (this.ownGpu ?? this.opts.gpu)?.info;
  }
  get graph() {
    if (!this.latest) throw new InputError('the model has unknown input dims: its graph exists once it has run with concrete shapes');
    return this.latest.graph;
  }
  get stats() {
    return this.latest?.stats ?? noRuns();
  }
  get executor(): unknown {
    return (this.latest as { executor?: unknown } | undefined)?.executor;
  }

  /** The compiled model for these inputs' shapes (built on first sight of them). */
  private async plan(inputs: Record<string, ModelInput>): Promise<Model> {
    const shapes: Record<string, Shape> = Object.create(null);
    for (const info of this.source.inputs) {
      const v = inputs[info.name] as Tensor | undefined;
      if (v === undefined) throw new InputError(`missing input "${info.name}"`);
      if (!Array.isArray((v as { shape?: unknown }).shape))
        throw new InputError(`input "${info.name}" has unknown dims [${info.shape.join(', ')}]: pass it as { shape, data }`);
      shapes[info.name] = [...v.shape];
    }
    const key = shapeKey(shapes);
    let p = this.plans.get(key);
    if (p) this.cache.hits++;
    else {
      this.cache.compiles++;
      p = (async () => {
        const { graph, io, inputShapes } = this.source.specialise(shapes);
        return this.compile(graph, io, { ...this.opts, inputShapes, ...(this.ownGpu ? { gpu: this.ownGpu } : {}) });
      })();
      // a failed specialisation is not cached: the next run with these shapes tries again
      p.catch(() => this.plans.delete(key));
      this.plans.set(key, p);
    }
    this.latest = await p;
    return this.latest;
  }

  async run(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor>> {
    return (await this.plan(inputs)).run(inputs);
  }
  async predict(inputs: Record<string, ModelInput>) {
    return (await this.plan(inputs)).predict(inputs);
  }
  async profile(inputs: Record<string, ModelInput>) {
    return (await this.plan(inputs)).profile(inputs);
  }
  /** Every input shape compiled so far (EngineModel.settled). */
  async settled(): Promise<void> {
    await Promise.all([...this.plans.values()].map((p) => p.then((m) => m.settled(), () => undefined)));
  }
  dispose(): void {
    const done = [...this.plans.values()].map((p) => p.then((m) => m.dispose(), () => undefined));
    this.plans.clear();
    this.latest = undefined;
    const gpu = this.ownGpu;
    if (gpu) void Promise.all(done).then(() => gpu.device.destroy());
  }
}
