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
import {
  AddOptionsT,
  BuiltinOperator as Op,
  BuiltinOptions,
  DimensionMetadataT,
  DimensionType,
  Int32VectorT,
  SparseIndexVector,
  SparsityParametersT,
  TensorType,
} from '../src/tflite/schema/tflite_generated.js';
import { getTestDevice } from './support/gpu.js';
import { buildTflite, f16, f32, i8, sparsify, type ModelSpec, type SparseFormat } from './support/tflite-build.js';
import { opReferences } from './support/tflite-op-ref.js';
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

/** A dense constant with about half its entries zero, in runs (so CSR levels skip whole blocks). */
function denseValues(n: number, seed: number): number[] {
  let st = seed >>> 0;
  return Array.from({ length: n }, (_, i) => {
    const u = (st = (Math.imul(st, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    return (i >> 2) % 3 === 1 || u < 0.3 ? 0 : Math.round((u * 4 - 2) * 64) / 64;
  });
}

interface SparseCase {
  name: string;
  shape: number[];
  type: TensorType.FLOAT32 | TensorType.FLOAT16 | TensorType.INT8;
  format: SparseFormat;
}

const SPARSE_CASES: SparseCase[] = [
  { name: 'float32 [4, 6], CSR columns', shape: [4, 6], type: TensorType.FLOAT32, format: { traversalOrder: [0, 1], csr: [false, true] } },
  { name: 'float32 [4, 8], 1×4 blocks, CSR block columns (uint8 indices)', shape: [4, 8], type: TensorType.FLOAT32, format: { traversalOrder: [0, 1, 2], blockMap: [1], blockSizes: [4], csr: [false, true, false], index: SparseIndexVector.Uint8Vector } },
  { name: 'float16 [5, 6], traversal [1, 0], CSR on both levels (uint16 indices)', shape: [5, 6], type: TensorType.FLOAT16, format: { traversalOrder: [1, 0], csr: [true, true], index: SparseIndexVector.Uint16Vector } },
  { name: 'float16 [2, 3, 4, 4] (conv weights), CSR on dim 1', shape: [2, 3, 4, 4], type: TensorType.FLOAT16, format: { traversalOrder: [0, 1, 2, 3], csr: [false, true, false, false] } },
  { name: 'int8 [4, 6, 4], 2×2 blocks on dims 0 and 2, CSR on dim 1', shape: [4, 6, 4], type: TensorType.INT8, format: { traversalOrder: [0, 1, 2, 3, 4], blockMap: [0, 2], blockSizes: [2, 2], csr: [false, true, false, false, false] } },
];

/** The file stores the scale as float32. */
const QUANT = { scale: [Math.fround(0.05)], zeroPoint: [3] };

/** x + DEQUANTIZE?(DENSIFY(sparse constant)): the output shows the densified constant. */
function sparseModel(c: SparseCase, dense: number[], mutate?: (s: SparsityParametersT, values: number[]) => number[]): ModelSpec {
  const { values, sparsity } = sparsify(c.type === TensorType.INT8 ? dense.map((v) => Math.round(v / QUANT.scale[0]!) + QUANT.zeroPoint[0]!) : dense, c.shape, c.format);
  const stored = mutate ? mutate(sparsity, values) : values;
  const data = c.type === TensorType.FLOAT32 ? f32(stored) : c.type === TensorType.FLOAT16 ? f16(stored) : i8(stored);
  const quant = c.type === TensorType.INT8 ? QUANT : undefined;
  const float = c.type === TensorType.FLOAT32;
  return {
    tensors: [
      { name: 'x', shape: c.shape },
      { name: 'sparse_w', shape: c.shape, type: c.type, data, sparsity, quant },
      { name: 'w_dense', shape: c.shape, type: c.type, quant },
      { name: 'w', shape: c.shape },
      { name: 'y', shape: c.shape },
    ],
    ops: [
      { op: Op.DENSIFY, inputs: [1], outputs: [2] },
      ...(float ? [] : [{ op: Op.DEQUANTIZE, inputs: [2], outputs: [3] }]),
      { op: Op.ADD, inputs: [0, float ? 2 : 3], outputs: [4], optionsType: BuiltinOptions.AddOptions, options: new AddOptionsT() },
    ],
    inputs: [0],
    outputs: [4],
  };
}

describe('sparse constants in small models', () => {
  let opRefs: Awaited<ReturnType<typeof opReferences>>;
  const xs = SPARSE_CASES.map((c, i) => Float32Array.from(denseValues(c.shape.reduce((a, b) => a * b, 1), 100 + i), (v) => v + 0.25));
  const denses = SPARSE_CASES.map((c, i) => denseValues(c.shape.reduce((a, b) => a * b, 1), i + 1));
  const models = SPARSE_CASES.map((c, i) => buildTflite(sparseModel(c, denses[i]!)));
  beforeAll(async () => {
    opRefs = await opReferences(SPARSE_CASES.map((c, i) => ({ model: models[i]!, inputs: [{ shape: c.shape, data: xs[i]! }] })));
  }, 300_000);

  SPARSE_CASES.forEach((c, i) => {
    it(`${c.name}: the dense values exactly, and LiteRT.js (CPU and WebGPU)`, async () => {
      const ref = opRefs[i]!;
      if ('error' in ref) throw new Error(`LiteRT.js: ${ref.error}`);
      const expected = Float32Array.from(denses[i]!, (v, k) => {
        const w = c.type === TensorType.INT8 ? Math.fround(QUANT.scale[0]! * (Math.round(v / QUANT.scale[0]!))) : v;
        return Math.fround(xs[i]![k]! + w);
      });
      for (const backend of ['cpu', 'webgpu'] as const) {
        const m = await load(models[i]!, backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
        try {
          const y = (await m.run({ x: { shape: c.shape, data: xs[i]! } })).get('y')!;
          expect(y.shape).toEqual(ref[0]!.shape);
          expect(Array.from(y.data), backend).toEqual(Array.from(expected));
          expect(compare(y.data, ref[0]!.data).maxAbs, backend).toBeLessThanOrEqual(1e-6);
        } finally {
          m.dispose();
        }
      }
    }, 60_000);
  });
});

describe('hostile sparsity blocks: a ModelFormatError naming the tensor', () => {
  const c = SPARSE_CASES[0]!;
  const dense = denseValues(24, 1);
  const csr = (s: SparsityParametersT) => s.dimMetadata[1]!;
  const mutations: [string, (s: SparsityParametersT, v: number[]) => number[]][] = [
    ['an index past its dim', (s, v) => ((csr(s).arrayIndices as Int32VectorT).values[0] = 6, v)],
    ['a negative index', (s, v) => ((csr(s).arrayIndices as Int32VectorT).values[1] = -1, v)],
    ['decreasing segments', (s, v) => ((csr(s).arraySegments as Int32VectorT).values[2] = 0, v)],
    ['a segment past the indices', (s, v) => ((csr(s).arraySegments as Int32VectorT).values[4] = 1000, v)],
    ['too few segments', (s, v) => ((csr(s).arraySegments as Int32VectorT).values.length = 3, v)],
    ['a missing index vector', (s, v) => ((csr(s).arrayIndicesType = SparseIndexVector.NONE), (csr(s).arrayIndices = null), v)],
    ['too few stored values', (_, v) => v.slice(0, -1)],
    ['too many stored values', (_, v) => [...v, 1]],
    ['a traversal order that is no permutation', (s, v) => ((s.traversalOrder = [0, 0]), v)],
    ['a dense level of the wrong size', (s, v) => ((s.dimMetadata[0]!.denseSize = 5), v)],
    ['a huge dense level', (s, v) => ((s.dimMetadata[0]!.denseSize = 2 ** 30), v)],
    ['missing dimension metadata', (s, v) => (s.dimMetadata.pop(), v)],
    ['a block map naming no dim', (s, v) => ((s.blockMap = [7]), (s.traversalOrder = [0, 1, 2]), s.dimMetadata.push(new DimensionMetadataT(DimensionType.DENSE, 2)), v)],
    ['a block size that does not divide', (s, v) => ((s.blockMap = [1]), (s.traversalOrder = [0, 1, 2]), s.dimMetadata.push(new DimensionMetadataT(DimensionType.DENSE, 4)), v)],
  ];
  for (const [name, mutate] of mutations) {
    it(name, () => {
      const bytes = buildTflite(sparseModel(c, dense, mutate));
      expect(() => readTflite(bytes)).toThrow(ModelFormatError);
      expect(() => readTflite(bytes)).toThrow(/tensor #1 "sparse_w"/);
    });
  }
});
