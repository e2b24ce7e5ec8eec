// Dynamic shapes: a model with unknown input dims (TF.js -1, ONNX symbolic) loads without inputShapes and is
// specialised on its first run with each input shape; a shape seen before reuses its plan, weights decoded once.
import { describe, expect, it } from 'vitest';
import type { DynamicModel } from '../src/dynamic-model.js';
import { GraphBuilder } from '../src/builder.js';
import { InputError } from '../src/errors.js';
import { load, type Model } from '../src/model.js';
import { getTestDevice } from './support/gpu.js';
import { HUMAN_MODELS, tfjsReference } from './support/tfjs-ref.js';
import { runTfjs, TfjsGraph } from './support/tfjs-graph.js';
import { worstRelative } from './support/worst-relative.js';

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

/** [1, -1, -1, 3] → 3x3 conv (SAME, stride 2) → Relu → Mean over H, W → [1, 4], and the conv map itself. */
function smallDynamicModel() {
  const g = new TfjsGraph();
  const x = g.placeholder('x', [1, -1, -1, 3]);
  const two = { list: { i: ['1', '2', '2', '1'] } };
  const conv = g.op('conv', 'Conv2D', [x, g.const('w', [3, 3, 3, 4], rand(108, 1))], { strides: two, dilations: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: btoa('SAME') }, data_format: { s: btoa('NHWC') } });
  const act = g.op('act', 'Relu', [conv]);
  g.op('mean', 'Mean', [act, g.const('axes', [2], [1, 2], 'int32')], { keep_dims: { b: false } });
  g.op('map', 'Identity', [act]);
  return g.build();
}

const cache = (m: Model) => (m as DynamicModel).shapeCache;

describe('dynamic input shapes', () => {
  it('an ONNX-style graph with symbolic [N, 3, H, W] input is resolved per shape and matches a load with inputShapes', async () => {
    const gb = new GraphBuilder('dyn', { seed: 3 });
    const x = gb.input('x', ['N', 3, 'H', 'W']);
    gb.output(gb.globalAvgPool(gb.relu(gb.conv2d(x, 3, 5, [3, 3], { stride: [2, 2], padding: [1, 1, 1, 1] }))), 'y');
    const graph = gb.build();
    const model = await load(graph, { backend: 'cpu' });
    try {
      expect(model.inputs[0]!.shape).toEqual([-1, 3, -1, -1]);
      for (const shape of [[1, 3, 11, 7], [2, 3, 6, 9], [1, 3, 11, 7]]) {
        const data = rand(shape.reduce((a, b) => a * b, 1), 4);
        const fixed = await load(graph, { backend: 'cpu', inputShapes: { x: shape } });
        const want = (await fixed.run({ x: { shape, data } })).get('y')!;
        fixed.dispose();
        const got = (await model.run({ x: { shape, data } })).get('y')!;
        expect([...got.shape]).toEqual([...want.shape]);
        expect(Array.from(got.data)).toEqual(Array.from(want.data));
      }
      expect(cache(model)).toEqual({ compiles: 2, hits: 1, weightDecodes: 1 });
    } finally {
      model.dispose();
    }
  });

  for (const backend of ['cpu', 'webgpu'] as const)
    it(`a [1, -1, -1, 3] model is specialised per input shape, plans cached (${backend})`, async () => {
      const src = smallDynamicModel();
      const model = await load(src, { backend, ...(backend === 'webgpu' ? { gpu: await getTestDevice() } : {}) });
      try {
        expect(model.inputs[0]!.shape).toEqual([1, -1, -1, 3]);
        expect(cache(model)).toEqual({ compiles: 0, hits: 0, weightDecodes: 1 });
        const sizes = [[1, 9, 13, 3], [1, 16, 7, 3], [1, 9, 13, 3]];
        for (const [k, shape] of sizes.entries()) {
          const feed = { shape, data: rand(shape.reduce((a, b) => a * b, 1), 10 + (k % 2)) };
          const want = await runTfjs(src, { x: feed }, ['mean', 'map']);
          const got = await model.run({ x: feed });
          if (backend === 'webgpu') expect(model.backend).toBe('webgpu');
          ['mean', 'map'].forEach((name, i) => {
            expect([...got.get(name)!.shape]).toEqual(want[i]!.shape);
            expect(worstRelative(got.get(name)!.data, want[i]!.data), `${name} at ${shape.join('x')}`).toBeLessThanOrEqual(1e-5);
          });
        }
        // two distinct shapes compiled, the third run reused the first plan; weights decoded once at load
        expect(cache(model)).toEqual({ compiles: 2, hits: 1, weightDecodes: 1 });
        await expect(model.run({ x: rand(9 * 13 * 3, 1) })).rejects.toThrow(InputError);
        await expect(model.run({ x: { shape: [1, 9, 13, 4], data: rand(9 * 13 * 4, 1) } })).rejects.toThrow(InputError);
      } finally {
        model.dispose();
      }
    }, 120_000);

  for (const backend of ['cpu', 'webgpu'] as const)
    it(`movenet-multipose ([1, -1, -1, 3] int32) loads without inputShapes and matches TF.js at 256x256 and 192x320 (${backend})`, async () => {
      const model = await load(`${HUMAN_MODELS}/movenet-multipose.json`, { backend, ...(backend === 'webgpu' ? { gpu: await getTestDevice() } : {}) });
      try {
        for (const shape of [[1, 256, 256, 3], [1, 192, 320, 3], [1, 256, 256, 3]]) {
          const ref = await tfjsReference('movenet-multipose', shape);
          const out = await model.predict({ [ref.inputName]: { shape, data: Int32Array.from(ref.input) } });
          for (const r of ref.outputs) {
            expect([...out.get(r.name)!.shape]).toEqual(r.shape);
            const rel = worstRelative(out.get(r.name)!.data, r.data);
            console.log(`[dynamic-shapes] ${backend} movenet-multipose ${shape.join('x')} ${r.name}=${rel.toExponential(2)}`);
            expect(rel).toBeLessThanOrEqual(1e-4);
          }
        }
        expect(model.backend).toBe(backend);
        expect(cache(model)).toEqual({ compiles: 2, hits: 1, weightDecodes: 1 });
      } finally {
        model.dispose();
      }
    }, 300_000);
});
