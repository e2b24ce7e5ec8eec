import { runCpu } from './cpu/run.js';
import { GpuError, InputError } from './errors.js';
import { requestGpu, type AdapterSummary, type GpuContext } from './gpu/device.js';
import { GpuExecutor, type LayerProfile } from './gpu/executor.js';
import type { Graph } from './graph/ir.js';
import { optimize } from './graph/optimize.js';
import { resolve, type ResolvedGraph } from './graph/resolve.js';
import { loadOnnx } from './onnx/import.js';
import type { Int32Tensor, Shape, Tensor } from './tensor.js';
import { checkTfjsOps, tfjsToGraph, type IoInfo } from './tfjs/import.js';
import { decodeWeights } from './tfjs/weights.js';
import { parseModelJson } from './tfjs/model-json.js';
import { fetchTfjs, isTfjsInMemory, readLocation, shardsFromMemory, type ProgressFn, type TfjsInMemory } from './tfjs/source.js';
import { hasTfliteIdentifier, importTflite } from './tflite/import.js';

export type Backend = 'webgpu' | 'cpu';

export interface LoadOptions {
  backend?: Backend | 'auto';
  /** Concrete shapes for inputs with symbolic dims (e.g. batch). */
  inputShapes?: Record<string, Shape>;
  /** Use an existing device instead of requesting one. */
  gpu?: GpuContext;
  /** Fold BatchNorm, fuse activations, drop Identity (default true). */
  optimize?: boolean;
  /** TF.js models: called as weight shards arrive, with bytes loaded and the manifest's total. */
  onProgress?: ProgressFn;
}

/** What `run` accepts per input: float32 data or int32 data (as a tensor, or bare data of the declared shape). */
export type ModelInput = Tensor | Float32Array | Int32Tensor | Int32Array;

/** Where `load` reads a model from: ONNX bytes, a TF.js model.json (bytes, URL or path, or in memory), a Graph. */
export type ModelSource = Uint8Array | ArrayBuffer | Graph | string | TfjsInMemory;

export interface Model {
  readonly backend: Backend;
  /** Why this backend was chosen (and, after a device loss, that the CPU took over). */
  readonly reason: string;
  readonly adapter?: AdapterSummary;
  readonly graph: ResolvedGraph;
  /** 'tfjs' and 'tflite' models keep TF's NHWC layout at the API; 'onnx' (and Graph) models NCHW. */
  readonly format: 'onnx' | 'tfjs' | 'tflite';
  /** Inputs and outputs with their shapes and dtypes as the source format reports them (names in model order). */
  readonly inputs: readonly IoInfo[];
  readonly outputs: readonly IoInfo[];
  /** Every output as float32 (int32 outputs hold exact integers). */
  run(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor>>;
  /** Like run, with int32 outputs returned as Int32Tensors. */
  predict(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor | Int32Tensor>>;
  /** One run with per-layer times (GPU timestamps where the adapter has them). */
  profile(inputs: Record<string, ModelInput>): Promise<{ outputs: Map<string, Tensor>; profile: LayerProfile }>;
  dispose(): void;
}

export interface ModelIo {
  readonly format: 'onnx' | 'tfjs' | 'tflite';
  readonly inputs: readonly IoInfo[];
  readonly outputs: readonly IoInfo[];
}

/** int32 inputs become float32 (exact up to 2^24): the engine computes in float32. */
function toFloatInputs(inputs: Record<string, ModelInput>): Record<string, Tensor | Float32Array> {
  const out: Record<string, Tensor | Float32Array> = {};
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

abstract class IoModel {
  abstract readonly io: ModelIo;
  get format() {
    return this.io.format;
  }
  get inputs() {
    return this.io.inputs;
  }
  get outputs() {
    return this.io.outputs;
  }
  abstract run(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor>>;
  async predict(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor | Int32Tensor>> {
    return typedOutputs(this.io, await this.run(inputs));
  }
}

class CpuModel extends IoModel implements Model {
  readonly backend = 'cpu' as const;
  constructor(
    readonly graph: ResolvedGraph,
    readonly reason: string,
    readonly io: ModelIo,
    readonly adapter?: AdapterSummary,
  ) {
    super();
  }
  async run(inputs: Record<string, ModelInput>): Promise<Map<string, Tensor>> {
    return runCpu(this.graph, toFloatInputs(inputs));
  }
  async profile(inputs: Record<string, ModelInput>) {
    return profileCpu(this.graph, toFloatInputs(inputs));
  }
  dispose(): void {}
}

/** WebGPU with the CPU path behind it: a lost device (or a failed run) is answered on the CPU, never lost. */
class GpuModel extends IoModel implements Model {
  private lost = false;
  private lostReason = '';
  constructor(
    readonly graph: ResolvedGraph,
    private readonly exec: GpuExecutor,
    private readonly initialReason: string,
    readonly adapter: AdapterSummary,
    readonly io: ModelIo,
  ) {
    super();
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
  async run(raw: Record<string, ModelInput>): Promise<Map<string, Tensor>> {
    const inputs = toFloatInputs(raw);
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
  async profile(raw: Record<string, ModelInput>) {
    const inputs = toFloatInputs(raw);
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

/** A JSON document (a TF.js model.json) rather than protobuf bytes: its first non-blank byte is '{'. */
export function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b;
  }
  return false;
}

/**
 * The engine graph of any source, with the API-level I/O description. The format is told from the content:
 * JSON is a TF.js graph model (shards fetched relative to a URL/path, or given in memory), a flatbuffer with the
 * identifier TFL3 a TFLite model, anything else ONNX.
 */
export async function importModel(source: ModelSource, opts: LoadOptions = {}): Promise<{ graph: Graph; io?: ModelIo; inputShapes: Record<string, Shape> }> {
  const shapes = opts.inputShapes ?? {};
  const tfjs = (m: ReturnType<typeof parseModelJson>, shards: Uint8Array[][]) => {
    const t = tfjsToGraph(m, decodeWeights(m.manifest, shards), { inputShapes: shapes });
    // the TF.js import bakes concrete shapes in, so the resolver needs none
    return { graph: t.graph, io: { format: 'tfjs' as const, inputs: t.inputs, outputs: t.outputs }, inputShapes: {} };
  };
  if (isTfjsInMemory(source)) {
    const m = parseModelJson(source.modelJson);
    checkTfjsOps(m);
    return tfjs(m, shardsFromMemory(m, source.weights));
  }
  if (typeof source === 'string') {
    const bytes = await readLocation(source);
    if (hasTfliteIdentifier(bytes)) return importTflite(bytes, shapes);
    if (!looksLikeJson(bytes)) return { graph: loadOnnx(bytes), inputShapes: shapes };
    const { model, shards } = await fetchTfjs(source, opts.onProgress, checkTfjsOps, bytes);
    return tfjs(model, shards);
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    if (looksLikeJson(bytes)) {
      const m = parseModelJson(bytes);
      checkTfjsOps(m);
      return tfjs(m, shardsFromMemory(m, undefined));
    }
    if (hasTfliteIdentifier(bytes)) return importTflite(bytes, shapes);
    return { graph: loadOnnx(bytes), inputShapes: shapes };
  }
  return { graph: source, inputShapes: shapes };
}

export async function load(source: ModelSource, opts: LoadOptions = {}): Promise<Model> {
  const { graph, io, inputShapes } = await importModel(source, opts);
  return loadImported(graph, io, { ...opts, inputShapes });
}

/** Compiles an already imported graph; `tfIo` (from the TF.js importer) keeps its NHWC I/O description and dtypes. */
export async function loadImported(graph: Graph, tfIo: ModelIo | undefined, opts: LoadOptions = {}): Promise<Model> {
  const inputShapes = opts.inputShapes ?? {};
  const resolved = resolve(graph, inputShapes);
  const rg = opts.optimize === false ? resolved : optimize(resolved).graph;
  const io = tfIo ?? onnxIo(rg);
  const wanted = opts.backend ?? 'auto';
  if (wanted === 'cpu') return new CpuModel(rg, 'the CPU backend was requested', io);
  let gpu = opts.gpu;
  if (!gpu) {
    try {
      gpu = await requestGpu();
    } catch (e) {
      if (wanted === 'webgpu') throw e;
      return new CpuModel(rg, `WebGPU failed to start (${(e as Error).message})`, io);
    }
  }
  if (wanted === 'auto') {
    const choice = chooseBackend(gpu?.info);
    if (choice.backend === 'cpu') return new CpuModel(rg, choice.reason, io, gpu?.info);
    return compileOrFallBack(gpu!, rg, choice.reason, io);
  }
  if (!gpu) throw new GpuError('the webgpu backend was requested but no WebGPU adapter is available', 'GPU_UNAVAILABLE');
  return compileOrFallBack(gpu, rg, 'the webgpu backend was requested', io);
}

/**
 * Compiles for the GPU. A device lost before or while compiling is not an error of the model: the load still
 * succeeds, on the CPU path, as a later loss would. Every other compile failure (limits, unsupported) propagates.
 */
async function compileOrFallBack(gpu: GpuContext, rg: ResolvedGraph, reason: string, io: ModelIo): Promise<Model> {
  let lostInfo: GPUDeviceLostInfo | undefined;
  void gpu.device.lost.then((info) => (lostInfo = info));
  try {
    return new GpuModel(rg, await GpuExecutor.compile(gpu, rg), reason, gpu.info, io);
  } catch (e) {
    // device.lost settles asynchronously; give it a turn of the event loop before deciding.
    await new Promise((r) => setTimeout(r, 0));
    const info = lostInfo;
    if (!info) throw e;
    return new CpuModel(rg, `the GPU device was lost while the model was compiled (${info.message || info.reason || 'device lost'}); running on the CPU`, io, gpu.info);
  }
}
