// The engines under test. Every runner takes the NCHW float32 input and returns the NCHW float32 output read
// back to the CPU, so a timed run covers upload, compute, download and any layout conversion the engine needs.
import type * as TF from '@tensorflow/tfjs';
import type * as ORT from 'onnxruntime-web';
import { requestGpu, type GpuContext } from '../src/gpu/device.js';
import { load as loadSepconv } from '../src/model.js';
import { kernelVariant } from '../src/gpu/variant.js';
import type { Shape } from '../src/tensor.js';
import { notOnGpu } from '../test/support/on-gpu.js';
import { sepconvSettled } from './support/settle.js';
import { buildTfjs } from './tfjs-onnx.js';
import { sepconvRunner, tfjsRunner, type MultiRunner, type TfjsModelSpec } from './tfjs-models.js';

/** 'onnxruntime-web/wasm' is ORT's wasm-only build (ort.wasm.*); 'onnxruntime-web' its default (JSEP) build. */
export type EngineName = 'sepconv' | 'onnxruntime-web' | 'onnxruntime-web/wasm' | 'tfjs';

export interface WorkloadSpec {
  name: string;
  inputName: string;
  outputName: string;
  inputShape: number[];
  outputShape: number[];
}

export interface Runner {
  run(input: Float32Array): Promise<Float32Array>;
  dispose(): void;
  /** What the engine reports about this model (chosen backend, dispatches, fallbacks…). */
  detail?: string;
  /** Called after the timed runs: why they did not all run on the backend this row is labelled with, if so. */
  notOnBackend?(): string | undefined;
  /**
   * Resolves once the kernels this model runs from now on are in place (sepconv WebGPU: the pipelines compiled after
   * the first call and swapped in, `GpuExecutor.upgraded()`); the steady runs start then, and the row reports the wait.
   */
  settled?(): Promise<void>;
}

export interface Engine {
  readonly engine: EngineName;
  readonly backend: string;
  /** One-time runtime start-up (device, wasm module, backend registration); returns a description. */
  init(): Promise<string>;
  load(onnx: Uint8Array, w: WorkloadSpec): Promise<Runner>;
  /** A TF.js graph model (model.json URL); absent for engines that cannot load one (onnxruntime-web). */
  loadGraphModel?(w: TfjsModelSpec): Promise<MultiRunner>;
}

/** CPU backends run at threads() threads, or at one with the '-1t' suffix ('cpu-1t', 'wasm-1t'). */
export const ENGINES: { engine: EngineName; backend: string }[] = [
  { engine: 'sepconv', backend: 'webgpu' },
  { engine: 'sepconv', backend: 'webgpu-tiled' },
  { engine: 'sepconv', backend: 'cpu' },
  { engine: 'sepconv', backend: 'cpu-1t' },
  { engine: 'onnxruntime-web', backend: 'webgpu' },
  { engine: 'onnxruntime-web', backend: 'wasm' },
  { engine: 'onnxruntime-web', backend: 'wasm-1t' },
  { engine: 'onnxruntime-web/wasm', backend: 'wasm' },
  { engine: 'onnxruntime-web/wasm', backend: 'wasm-1t' },
  { engine: 'tfjs', backend: 'webgpu' },
  { engine: 'tfjs', backend: 'wasm' },
  { engine: 'tfjs', backend: 'wasm-1t' },
  { engine: 'tfjs', backend: 'cpu' },
];

const ORT_DIST = '/node_modules/onnxruntime-web/dist/';
const TFJS_WASM_DIST = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

export function threads(): number {
  return globalThis.crossOriginIsolated ? Math.min(2, navigator.hardwareConcurrency || 2) : 1;
}

/** 'wasm-1t' -> ['wasm', 1]; 'wasm' -> ['wasm', threads()]. */
function splitThreads(backend: string): [string, number] {
  return backend.endsWith('-1t') ? [backend.slice(0, -3), 1] : [backend, threads()];
}

class SepconvEngine implements Engine {
  readonly engine = 'sepconv' as const;
  private gpu?: GpuContext;
  private readonly kind: 'webgpu' | 'cpu';
  private readonly numThreads: number;
  /** 'webgpu-tiled': the adapter presented as hardware, so a software adapter runs the hardware-path (tiled) kernels. */
  private readonly forceTiled: boolean;
  constructor(readonly backend: string) {
    const [kind, n] = splitThreads(backend);
    this.forceTiled = kind === 'webgpu-tiled';
    this.kind = this.forceTiled ? 'webgpu' : (kind as 'webgpu' | 'cpu');
    this.numThreads = n;
  }
  async init(): Promise<string> {
    if (this.kind === 'cpu') return `CPU backend (module Worker, wasm SIMD), numThreads ${this.numThreads}, crossOriginIsolated=${globalThis.crossOriginIsolated}`;
    const gpu = await requestGpu();
    if (!gpu) throw new Error('no WebGPU adapter');
    this.gpu = this.forceTiled ? { ...gpu, info: { ...gpu.info, isSoftware: false } } : gpu;
    const i = gpu.info;
    return `${[i.vendor, i.architecture, i.description].filter(Boolean).join(' ')}; features ${i.features.join(',')}; kernels ${kernelVariant(this.gpu.info)}`;
  }
  loadGraphModel(w: TfjsModelSpec): Promise<MultiRunner> {
    return sepconvRunner(w, this.kind, this.gpu, this.numThreads);
  }
  async load(onnx: Uint8Array, w: WorkloadSpec): Promise<Runner> {
    const model = await loadSepconv(onnx, { backend: this.kind, gpu: this.gpu, inputShapes: { [w.inputName]: w.inputShape }, numThreads: this.numThreads });
    if (this.kind === 'cpu' && !/in a worker/.test(model.reason)) throw new Error(`sepconv cpu is not in a worker: ${model.reason}`);
    const exec = (model as unknown as { executor?: { dispatchCount: number; memory: { plannedBytes: number } } }).executor;
    const shape: Shape = w.inputShape;
    return {
      detail: `backend=${model.backend} (${model.reason})${exec ? `, ${exec.dispatchCount} dispatches, ${(exec.memory.plannedBytes / 2 ** 20).toFixed(1)} MiB activations` : ''}; ${model.graph.nodes.length} nodes after optimize`,
      async run(input) {
        if (model.backend !== 'webgpu' && exec) throw new Error(`sepconv fell back to the CPU: ${model.reason}`);
        const out = await model.run({ [w.inputName]: { shape, data: input } });
        const t = out.get(w.outputName) ?? [...out.values()][0]!;
        return t.data;
      },
      // A device lost during the timed runs would have them answered (and timed) on the CPU.
      notOnBackend: () => (exec ? notOnGpu(model) : undefined),
      settled: () => sepconvSettled(model),
      dispose: () => model.dispose(),
    };
  }
}

class OrtEngine implements Engine {
  private ort!: typeof ORT;
  private readonly ep: string;
  private readonly numThreads: number;
  constructor(
    readonly engine: 'onnxruntime-web' | 'onnxruntime-web/wasm',
    readonly backend: string,
  ) {
    [this.ep, this.numThreads] = splitThreads(backend);
  }
  async init(): Promise<string> {
    this.ort = this.engine === 'onnxruntime-web' ? await import('onnxruntime-web') : ((await import('onnxruntime-web/wasm')) as unknown as typeof ORT);
    const env = this.ort.env;
    env.wasm.wasmPaths = ORT_DIST;
    env.wasm.numThreads = this.numThreads;
    env.wasm.proxy = false;
    env.logLevel = 'error';
    return `${this.engine} ${env.versions?.web ?? ''}, wasm threads ${env.wasm.numThreads}, crossOriginIsolated=${globalThis.crossOriginIsolated}`;
  }
  async load(onnx: Uint8Array, w: WorkloadSpec): Promise<Runner> {
    const ort = this.ort;
    const session = await ort.InferenceSession.create(onnx, {
      executionProviders: [this.ep],
      graphOptimizationLevel: 'all',
    });
    const inName = session.inputNames[0]!;
    const outName = session.outputNames[0]!;
    return {
      detail: `inputs ${session.inputNames.join(',')}`,
      async run(input) {
        const feeds = { [inName]: new ort.Tensor('float32', input, w.inputShape) };
        const res = await session.run(feeds);
        const t = res[outName]!;
        const data = (t.location === 'cpu' ? t.data : await t.getData()) as Float32Array;
        for (const k in res) res[k]!.dispose();
        return data;
      },
      dispose: () => void session.release(),
    };
  }
}

class TfjsEngine implements Engine {
  readonly engine = 'tfjs' as const;
  private tf!: typeof TF;
  private readonly kind: string;
  private readonly numThreads: number;
  constructor(readonly backend: string) {
    [this.kind, this.numThreads] = splitThreads(backend);
  }
  async init(): Promise<string> {
    const tf = await import('@tensorflow/tfjs');
    this.tf = tf;
    if (this.kind === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    if (this.kind === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(TFJS_WASM_DIST);
      wasm.setThreadsCount(this.numThreads);
    }
    if (!(await tf.setBackend(this.kind))) throw new Error(`tf.setBackend('${this.kind}') failed`);
    await tf.ready();
    let extra = '';
    if (this.kind === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      extra = `, wasm threads ${wasm.getThreadsCount()} (multithread support ${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')}, simd ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')})`;
    }
    return `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}${extra}`;
  }
  loadGraphModel(w: TfjsModelSpec): Promise<MultiRunner> {
    return tfjsRunner(this.tf, w);
  }
  async load(onnx: Uint8Array, w: WorkloadSpec): Promise<Runner> {
    const net = buildTfjs(this.tf, onnx, w.inputShape);
    return { detail: `ops ${net.ops.join(',')}`, run: (x) => net.run(x), dispose: () => net.dispose() };
  }
}

export function makeEngine(engine: string, backend: string): Engine {
  if (!ENGINES.some((e) => e.engine === engine && e.backend === backend)) throw new Error(`unknown engine/backend ${engine}/${backend}`);
  if (engine === 'sepconv') return new SepconvEngine(backend);
  if (engine === 'onnxruntime-web' || engine === 'onnxruntime-web/wasm') return new OrtEngine(engine, backend);
  return new TfjsEngine(backend);
}
