// The engines under test. Every runner takes the NCHW float32 input and returns the NCHW float32 output read
// back to the CPU, so a timed run covers upload, compute, download and any layout conversion the engine needs.
import type * as TF from '@tensorflow/tfjs';
import type * as ORT from 'onnxruntime-web';
import { requestGpu, type GpuContext } from '../src/gpu/device.js';
import { load as loadSepconv } from '../src/model.js';
import type { Shape } from '../src/tensor.js';
import { buildTfjs } from './tfjs-onnx.js';
import { sepconvRunner, tfjsRunner, type MultiRunner, type TfjsModelSpec } from './tfjs-models.js';

export type EngineName = 'sepconv' | 'onnxruntime-web' | 'tfjs';

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

export const ENGINES: { engine: EngineName; backend: string }[] = [
  { engine: 'sepconv', backend: 'webgpu' },
  { engine: 'sepconv', backend: 'cpu' },
  { engine: 'onnxruntime-web', backend: 'webgpu' },
  { engine: 'onnxruntime-web', backend: 'wasm' },
  { engine: 'tfjs', backend: 'webgpu' },
  { engine: 'tfjs', backend: 'wasm' },
  { engine: 'tfjs', backend: 'cpu' },
];

const ORT_DIST = '/node_modules/onnxruntime-web/dist/';
const TFJS_WASM_DIST = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

export function threads(): number {
  return globalThis.crossOriginIsolated ? Math.min(2, navigator.hardwareConcurrency || 2) : 1;
}

class SepconvEngine implements Engine {
  readonly engine = 'sepconv' as const;
  private gpu?: GpuContext;
  constructor(readonly backend: 'webgpu' | 'cpu') {}
  async init(): Promise<string> {
    if (this.backend === 'cpu') return 'CPU path (main thread, JS)';
    const gpu = await requestGpu();
    if (!gpu) throw new Error('no WebGPU adapter');
    this.gpu = gpu;
    const i = gpu.info;
    return `${[i.vendor, i.architecture, i.description].filter(Boolean).join(' ')}; features ${i.features.join(',')}`;
  }
  loadGraphModel(w: TfjsModelSpec): Promise<MultiRunner> {
    return sepconvRunner(w, this.backend, this.gpu);
  }
  async load(onnx: Uint8Array, w: WorkloadSpec): Promise<Runner> {
    const model = await loadSepconv(onnx, { backend: this.backend, gpu: this.gpu, inputShapes: { [w.inputName]: w.inputShape } });
    const exec = (model as unknown as { executor?: { dispatchCount: number; memory: { plannedBytes: number } } }).executor;
    const shape: Shape = w.inputShape;
    return {
      detail: `backend=${model.backend}${exec ? `, ${exec.dispatchCount} dispatches, ${(exec.memory.plannedBytes / 2 ** 20).toFixed(1)} MiB activations` : ''}; ${model.graph.nodes.length} nodes after optimize`,
      async run(input) {
        if (model.backend !== 'webgpu' && exec) throw new Error(`sepconv fell back to the CPU: ${model.reason}`);
        const out = await model.run({ [w.inputName]: { shape, data: input } });
        const t = out.get(w.outputName) ?? [...out.values()][0]!;
        return t.data;
      },
      dispose: () => model.dispose(),
    };
  }
}

class OrtEngine implements Engine {
  readonly engine = 'onnxruntime-web' as const;
  private ort!: typeof ORT;
  constructor(readonly backend: 'webgpu' | 'wasm') {}
  async init(): Promise<string> {
    this.ort = await import('onnxruntime-web');
    const env = this.ort.env;
    env.wasm.wasmPaths = ORT_DIST;
    env.wasm.numThreads = threads();
    env.wasm.proxy = false;
    env.logLevel = 'error';
    return `onnxruntime-web ${env.versions?.web ?? ''}, wasm threads ${env.wasm.numThreads}, crossOriginIsolated=${globalThis.crossOriginIsolated}`;
  }
  async load(onnx: Uint8Array, w: WorkloadSpec): Promise<Runner> {
    const ort = this.ort;
    const session = await ort.InferenceSession.create(onnx, {
      executionProviders: [this.backend],
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
  constructor(readonly backend: 'webgpu' | 'wasm' | 'cpu') {}
  async init(): Promise<string> {
    const tf = await import('@tensorflow/tfjs');
    this.tf = tf;
    if (this.backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    if (this.backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(TFJS_WASM_DIST);
      wasm.setThreadsCount(threads());
    }
    if (!(await tf.setBackend(this.backend))) throw new Error(`tf.setBackend('${this.backend}') failed`);
    await tf.ready();
    let extra = '';
    if (this.backend === 'wasm') {
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
  if (engine === 'sepconv' && (backend === 'webgpu' || backend === 'cpu')) return new SepconvEngine(backend);
  if (engine === 'onnxruntime-web' && (backend === 'webgpu' || backend === 'wasm')) return new OrtEngine(backend);
  if (engine === 'tfjs' && (backend === 'webgpu' || backend === 'wasm' || backend === 'cpu')) return new TfjsEngine(backend);
  throw new Error(`unknown engine/backend ${engine}/${backend}`);
}
