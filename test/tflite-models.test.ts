// The four MediaPipe .tflite models (face detection short/full range, selfie segmentation square/landscape)
// loaded by sepconv's TFLite importer, on the CPU and on WebGPU (Node/Dawn), against LiteRT.js's wasm (XNNPACK)
// path in headless Chromium on the same input: the astronaut photo resized to the model's input.
// Tolerance per output: max |y − ref| ≤ 1e-4 · max(1, max |ref|).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, type Model } from '../src/model.js';
import type { Tensor } from '../src/tensor.js';
import { getTestDevice } from './support/gpu.js';
import { TFLITE_MODELS, compare, modelBytes, references, type Reference } from './support/tflite-ref.js';

let refs: Map<string, Reference>;
const figures: string[] = [];

beforeAll(async () => {
  refs = await references(TFLITE_MODELS);
}, 300_000);

afterAll(() => {
  console.log(`[tflite-models] worst error per output vs LiteRT.js wasm:\n${figures.join('\n')}`);
});

async function check(file: string, backend: 'cpu' | 'webgpu'): Promise<void> {
  const ref = refs.get(file)!;
  const bytes = modelBytes(TFLITE_MODELS.find((c) => c.file === file)!);
  const t0 = performance.now();
  const model: Model = await load(bytes, backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
  const loadMs = performance.now() - t0;
  try {
    expect(model.backend).toBe(backend);
    expect(model.format).toBe('tflite');
    expect(model.inputs.map((i) => i.shape)).toEqual([ref.input.shape]);
    const t1 = performance.now();
    const outs: Map<string, Tensor> = await model.run({ [model.inputs[0]!.name]: ref.input });
    const runMs = performance.now() - t1;
    expect([...outs.keys()]).toEqual(ref.outputs.map((o) => o.name));
    for (const o of ref.outputs) {
      const got = outs.get(o.name)!;
      expect(got.shape).toEqual(o.shape);
      const { maxAbs, tol, maxRef } = compare(got.data, o.data);
      figures.push(
        `  ${file.split('/')[1]!.padEnd(40)} ${backend.padEnd(6)} ${o.name.padEnd(28)} max|ref| ${maxRef.toFixed(3).padStart(8)}  max abs err ${maxAbs.toExponential(2)}  (tol ${tol.toExponential(2)}; load ${loadMs.toFixed(0)} ms, first run ${runMs.toFixed(0)} ms)`,
      );
      expect(maxAbs, `${file} ${backend} ${o.name}`).toBeLessThanOrEqual(tol);
    }
  } finally {
    model.dispose();
  }
}

describe('MediaPipe .tflite models vs LiteRT.js', () => {
  for (const { file } of TFLITE_MODELS) {
    it(`${file} on the CPU`, () => check(file, 'cpu'), 120_000);
    it(`${file} on WebGPU (Node/Dawn)`, () => check(file, 'webgpu'), 300_000);
  }
});
