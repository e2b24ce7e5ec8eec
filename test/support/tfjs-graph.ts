// A TF.js graph model built in memory (model.json + one weight buffer), for op tests run by sepconv and by TF.js.
import type { TfjsInMemory } from '../../src/tfjs/source.js';

type Dt = 'float32' | 'int32' | 'bool';
const DT: Record<Dt, string> = { float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL' };
type AttrValue = { type?: string; i?: string; f?: number; b?: boolean; s?: string; list?: { i?: string[] }; shape?: unknown };

export class TfjsGraph {
  private readonly nodes: { name: string; op: string; input: string[]; attr: Record<string, AttrValue> }[] = [];
  private readonly specs: { name: string; shape: number[]; dtype: Dt }[] = [];
  private readonly chunks: Uint8Array[] = [];

  placeholder(name: string, shape: readonly number[], dtype: Dt = 'float32'): string {
    this.nodes.push({ name, op: 'Placeholder', input: [], attr: { dtype: { type: DT[dtype] }, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }

  const(name: string, shape: readonly number[], values: ArrayLike<number>, dtype: Dt = 'float32'): string {
    this.nodes.push({ name, op: 'Const', input: [], attr: { dtype: { type: DT[dtype] }, value: {} } });
    this.specs.push({ name, shape: [...shape], dtype });
    const bytes = dtype === 'float32' ? new Uint8Array(Float32Array.from(values).buffer) : dtype === 'int32' ? new Uint8Array(Int32Array.from(values).buffer) : Uint8Array.from(values, (v) => (v ? 1 : 0));
    this.chunks.push(bytes);
    return name;
  }

  /** A node; `attr` values are TF.js attr records ({ type }, { i }, { f }, { b }, { list: { i } }). */
  op(name: string, op: string, inputs: string[], attr: Record<string, AttrValue> = {}): string {
    this.nodes.push({ name, op, input: inputs, attr: { T: { type: 'DT_FLOAT' }, ...attr } });
    return name;
  }

  /** `outputs` (node names) become the signature's outputs, in order; without them every node nothing reads is one. */
  build(outputs?: readonly string[]): TfjsInMemory & { modelJson: object; weights: Uint8Array } {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const weights = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      weights.set(c, at);
      at += c.length;
    }
    const modelJson = {
      format: 'graph-model',
      generatedBy: '2.x',
      convertedBy: 'test',
      modelTopology: { node: this.nodes, versions: { producer: 1 } },
      weightsManifest: [{ paths: ['w.bin'], weights: this.specs }],
      ...(outputs ? { signature: { outputs: Object.fromEntries(outputs.map((o) => [o, { name: `${o}:0` }])) } } : {}),
    };
    return { modelJson, weights };
  }
}

/** TF.js's cpu backend on a graph built by TfjsGraph: the named outputs' data and shapes. */
export async function runTfjs(
  g: { modelJson: object; weights: Uint8Array },
  feeds: Record<string, { shape: number[]; data: Float32Array | Int32Array }>,
  outputs: string[],
): Promise<{ shape: number[]; data: Float32Array }[]> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const j = g.modelJson as { modelTopology: object; weightsManifest: { weights: unknown[] }[] };
  const handler = tf.io.fromMemory({ modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0]!.weights, weightData: g.weights.slice().buffer } as never);
  const model = await tf.loadGraphModel(handler);
  const xs: Record<string, import('@tensorflow/tfjs').Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) xs[k] = tf.tensor(v.data, v.shape, v.data instanceof Int32Array ? 'int32' : 'float32');
  const res = model.execute(xs, outputs);
  const list = Array.isArray(res) ? res : [res];
  const out = await Promise.all(list.map(async (t) => ({ shape: t.shape as number[], data: Float32Array.from((await t.data()) as ArrayLike<number>) })));
  tf.dispose([...Object.values(xs), ...list]);
  model.dispose();
  return out;
}
