import { openCpu } from './cpu/backend.js';
import { GpuError, InputError, ModelFormatError } from './errors.js';
import type { DynamicSource } from './dynamic-model.js';
import { withCpuKernels } from './features.js';
import type { AdapterSummary, Backend, EngineModel, LayerProfile } from './engine.js';
import { acquireGpu, type GpuContext } from './gpu/device.js';
import type { Graph } from './graph/ir.js';
import { optimize } from './graph/optimize.js';
import { resolve, type ResolvedGraph } from './graph/resolve.js';
import { loadOnnx } from './onnx/import.js';
import type { Int32Tensor, Shape, Tensor } from './tensor.js';
import { hasTfliteIdentifier, isTfjsInMemory, isZip, looksLikeJson, looksLikeMarkup, readLocation } from './formats.js';
import type { IoInfo } from './tfjs/import.js';
import type { ModelJson } from './tfjs/model-json.js';
import type { TfjsInMemory } from './tfjs/source.js';
import type { LoadOptions } from './load-options.js';
export type { RunStats } from './run-stats.js';
export type { Backend, EngineModel } from './engine.js';
export type { LoadOptions } from './load-options.js';
export type { Model, ModelInput, ModelIo } from './model-types.js';
import type { Model, ModelInput, ModelIo } from './model-types.js';

/**
 * Where `load` reads a model from: the bytes, URL or path of an .onnx, .tflite or .task file or of a TF.js model.json
 * (or a model.json in memory), or a Graph.
 */
export type ModelSource = Uint8Array | ArrayBuffer | Graph | string | TfjsInMemory;

/** int32 inputs become float32 (exact up to 2^24): the engine computes in float32. */
function toFloatInputs(inputs: Record<string, ModelInput>): Record<string, Tensor | Float32Array> {
  // no prototype: an input may be named __proto__ (or constructor, toString…)
  const out: Record<string, Tensor | Float32Array> = Object.create(null);
  for (const k of Object.keys(inputs)) {
    const v = inputs[k] as unknown;
    if (v instanceof Int32Array) out[k] = Float32Array.from(v);
    else if (typeof v === 'object' && v !== null && (v as Int32Tensor).data instanceof Int32Array)
      out[k] = { shape: (v as Int32Tensor).shape, data: Float32Array.from((v as Int32Tensor).data) };
    else out[k] = v as Tensor | Float32Array;
  }
  return out;
}

function typedOutputs(io: ModelIo, outs: Map<string, Tensor>): Map<string, Tensor | Int32Tensor> {
  const dt = new Map(io.outputs.map((o) => [o.name, o.dtype]));
  const res = new Map<string, Tensor | Int32Tensor>();
  for (const [k, v] of outs) res.set(k, dt.get(k) === 'int32' || dt.get(k) === 'bool' ? { shape: v.shape, data: Int32Array.from(v.data, Math.round) } : v);
  return res;
}

function onnxIo(rg: ResolvedGraph): ModelIo {
  return {
    format: 'onnx',
    inputs: [...rg.inputShapes].map(([name, shape]) => ({ name, shape: [...shape], dtype: 'float32' as const })),
    outputs: rg.graph.outputs.map((name) => ({ name, shape: [...(rg.shapes.get(name) ?? [])], dtype: 'float32' as const })),
  };
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

/** The API face of an engine model: format, I/O description, int32 inputs and outputs. */
class IoModel implements Model {
  constructor(
    private readonly inner: EngineModel,
    private readonly io: ModelIo,
  ) {}
  get backend() {
    return this.inner.backend;
  }
  get reason() {
    return this.inner.reason;
  }
  get adapter() {
    return this.inner.adapter;
  }
  get graph() {
    return this.inner.graph;
  }
  get stats() {
    return this.inner.stats;
  }
  /** The GPU executor of a WebGPU model (for GPU-resident inputs and outputs, e.g. src/vision), else undefined. */
  get executor(): unknown {
    return (this.inner as { executor?: unknown }).executor;
  }
  get format() {
    return this.io.format;
  }
  get inputs() {
    return this.io.inputs;
  }
  get outputs() {
    return this.io.outputs;
  }
  run(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor>> {
    return this.inner.run(toFloatInputs(inputs));
  }
  async predict(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor | Int32Tensor>> {
    return typedOutputs(this.io, await this.run(inputs));
  }
  profile(inputs: Record<string, ModelInput>) {
    return this.inner.profile(toFloatInputs(inputs));
  }
  settled(): Promise<void> {
    return this.inner.settled();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

/**
 * The engine graph of any source, with the API-level I/O description. The format is told from the content:
 * JSON is a TF.js graph model (shards fetched relative to a URL/path, or given in memory), a flatbuffer with the
 * identifier TFL3 a TFLite model, a zip a MediaPipe .task bundle (its .tflite is run), anything else ONNX.
 */
/**
 * A model source as a graph (with the I/O description of TF.js and TFLite models). `bytes`: the file behind a
 * string source, already read (the CLI reads with its own errors); a TF.js model's shards are still read beside it.
 */
export async function importModel(source: ModelSource, opts: LoadOptions & { bytes?: Uint8Array } = {}): Promise<{ graph: Graph; io?: ModelIo; inputShapes: Record<string, Shape> }> {
  const r = await importSource(source, opts, false);
  if (!('graph' in r)) throw new InputError('the model has unknown input dims; pass inputShapes');
  return r;
}

type Imported = { graph: Graph; io?: ModelIo; inputShapes: Record<string, Shape> } | { dynamic: DynamicSource; format: ModelIo['format'] };

/**
 * importModel, or (with `allowDynamic`) the model's specialiser when its inputs have unknown dims that
 * `inputShapes` does not fix: the model.json is parsed and its weights decoded once, here, and every
 * specialisation builds its graph from them.
 */
async function importSource(source: ModelSource, opts: LoadOptions & { bytes?: Uint8Array }, allowDynamic: boolean): Promise<Imported> {
  const shapes = opts.inputShapes ?? {};
  // The TF.js and TFLite importers load only for models of their format (apps that run ONNX never fetch them).
  type TfjsSource = typeof import('./tfjs/source.js');
  // `get` gives the parsed model.json and its shards, running `check` (every op supported) before any shard is read.
  const tfjs = async (get: (src: TfjsSource, check: (m: ModelJson) => void) => Promise<{ model: ModelJson; shards: Uint8Array[][] }>) => {
    const [{ checkTfjsOps, dynamicInputs, tfjsToGraph }, { decodeWeights }, src] = await Promise.all([import('./tfjs/import.js'), import('./tfjs/weights.js'), import('./tfjs/source.js')]);
    const { model, shards } = await get(src, checkTfjsOps);
    let weightDecodes = 0;
    const weights = (weightDecodes++, decodeWeights(model.manifest, shards));
    const declared = allowDynamic ? dynamicInputs(model, shapes) : undefined;
    if (declared) {
      const specialise = (given: Record<string, Shape>) => {
        const t = tfjsToGraph(model, weights, { inputShapes: { ...shapes, ...given } });
        return { graph: t.graph, io: { format: 'tfjs' as const, inputs: t.inputs, outputs: t.outputs }, inputShapes: {} };
      };
      return { dynamic: { inputs: declared, specialise, get weightDecodes() { return weightDecodes; } }, format: 'tfjs' as const };
    }
    const t = tfjsToGraph(model, weights, { inputShapes: shapes });
    // the TF.js import bakes concrete shapes in, so the resolver needs none
    return { graph: t.graph, io: { format: 'tfjs' as const, inputs: t.inputs, outputs: t.outputs }, inputShapes: {} };
  };
  // model.json in memory: parsed and checked here, its shards taken from `weights`
  const inMemory = (json: Uint8Array | string | object, weights: TfjsInMemory['weights'] | undefined) =>
    tfjs(async (src, check) => {
      const model = (await import('./tfjs/model-json.js')).parseModelJson(json as never);
      check(model);
      return { model, shards: src.shardsFromMemory(model, weights) };
    });
  const tflite = async (bytes: Uint8Array) => (await import('./tflite/import.js')).importTflite(bytes, shapes);
  const task = async (bytes: Uint8Array, what?: string) => tflite(await (await import('./task-bundle.js')).tfliteFromTask(bytes, opts.taskEntry, what));
  // ONNX (and Graph) inputs with symbolic dims `inputShapes` leaves open: resolved per input shape at run time
  const graphSource = (graph: Graph): Imported => {
    const inputs = graph.inputs.filter((i) => !graph.initializers.has(i.name));
    const open = inputs.some((i) => !Object.prototype.hasOwnProperty.call(shapes, i.name) && i.shape.some((d) => typeof d !== 'number' || d <= 0));
    if (!allowDynamic || !open) return { graph, inputShapes: shapes };
    const declared = inputs.map((i) => ({ name: i.name, shape: i.shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1)), dtype: 'float32' as const }));
    const specialise = (given: Record<string, Shape>) => ({ graph, inputShapes: { ...shapes, ...given } });
    return { dynamic: { inputs: declared, specialise, weightDecodes: 1 }, format: 'onnx' };
  };
  if (isTfjsInMemory(source)) return inMemory(source.modelJson, source.weights);
  if (typeof source === 'string') {
    // a model.json's progress is its shards' (fetchTfjs); any other file's progress is its own download
    const bytes = opts.bytes ?? (await readLocation(source, /\.json([?#]|$)/i.test(source) ? undefined : opts.onProgress));
    if (hasTfliteIdentifier(bytes)) return tflite(bytes);
    if (isZip(bytes)) return task(bytes, `.task bundle "${source}"`);
    if (looksLikeMarkup(bytes)) throw new ModelFormatError(`"${source}" is an HTML or XML page, not a model (a server's error or fallback page?)`);
    if (!looksLikeJson(bytes)) return graphSource(loadOnnx(bytes));
    return tfjs((src, check) => src.fetchTfjs(source, opts.onProgress, check, bytes));
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    if (looksLikeJson(bytes)) return inMemory(bytes, undefined);
    if (hasTfliteIdentifier(bytes)) return tflite(bytes);
    if (isZip(bytes)) return task(bytes);
    return graphSource(loadOnnx(bytes));
  }
  return graphSource(source);
}

export async function load(source: ModelSource, opts: LoadOptions = {}): Promise<Model> {
  const r = await importSource(source, opts, true);
  if ('dynamic' in r) return loadDynamic(r.dynamic, r.format, opts);
  return loadImported(r.graph, r.io, { ...opts, inputShapes: r.inputShapes });
}

/** A model specialised per input shape; one GPU device (acquired here unless given) serves every specialisation. */
async function loadDynamic(source: DynamicSource, format: ModelIo['format'], opts: LoadOptions): Promise<Model> {
  const { DynamicModel } = await import('./dynamic-model.js');
  let own: GpuContext | undefined;
  if (opts.backend !== 'cpu' && !opts.gpu) {
    const g = await acquireGpu().catch((e: Error) => (opts.backend === 'webgpu' ? Promise.reject(e) : e.message));
    if (typeof g !== 'string') own = g;
  }
  return new DynamicModel(source, format, opts, loadImported, own);
}

/** Compiles an already imported graph; `tfIo` (from the TF.js/TFLite importers) keeps its NHWC I/O description and dtypes. */
export async function loadImported(graph: Graph, tfIo: ModelIo | undefined, opts: LoadOptions = {}): Promise<Model> {
  const resolved = resolve(graph, opts.inputShapes ?? {});
  // optimized once the backend is known: the CPU backend's graph (which its worker gets as it is) takes the
  // CPU-only fusions; optimizing keeps the graph's input and output names and shapes
  const optimized = (cpu: boolean) => (opts.optimize === false ? resolved : optimize(resolved, { cpu }).graph);
  const wanted = opts.backend ?? 'auto';
  const io = tfIo ?? onnxIo(resolved);
  const wrap = (m: EngineModel) => new IoModel(m, io);
  const cpu = async (why: string, adapter?: AdapterSummary) => wrap(await openCpu(optimized(true), withCpuKernels(why), opts, adapter));
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
    return wrap(await compileGpu(gpu, optimized(false), () => optimized(true), opts, choice.reason));
  }
  if (typeof gpu === 'string') throw new GpuError(`the webgpu backend was requested, but ${gpu}`, 'GPU_UNAVAILABLE');
  return wrap(await compileGpu(gpu, optimized(false), () => optimized(true), opts, 'the webgpu backend was requested'));
}

// The GPU executor and its WGSL load only when a model is compiled for WebGPU: CPU-only apps never fetch them.
// `cpuGraph`: the graph for the CPU, should the device be lost.
async function compileGpu(gpu: GpuContext, rg: ResolvedGraph, cpuGraph: () => ResolvedGraph, opts: LoadOptions, reason: string): Promise<EngineModel> {
  const { compileOrFallBack } = await import('./gpu-model.js');
  return compileOrFallBack(gpu, rg, cpuGraph, opts, reason);
}
