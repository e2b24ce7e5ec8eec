import { ModelFormatError } from '../errors.js';

/** One attribute value of a GraphDef node as the TF.js converter writes it (int64 as decimal strings). */
export interface AttrJson {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { i?: (string | number)[]; f?: number[]; s?: string[]; type?: string[]; b?: boolean[] };
  tensor?: unknown;
  func?: unknown;
}

export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** Data inputs as written ("node", "node:1"); control inputs ("^node") are dropped. */
  readonly inputs: string[];
  readonly attr: Readonly<Record<string, AttrJson>>;
}

export interface WeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

export interface WeightGroup {
  readonly paths: string[];
  readonly weights: WeightSpec[];
}

export interface SignatureEntry {
  readonly key: string;
  /** Tensor name, e.g. "Identity:0". */
  readonly name: string;
}

export interface ModelJson {
  readonly nodes: TfNode[];
  readonly manifest: WeightGroup[];
  readonly inputs: SignatureEntry[];
  readonly outputs: SignatureEntry[];
}

/** Limits on what a model.json may declare, so a hostile file cannot make the loader allocate without bound. */
export const MAX_NODES = 200_000;
export const MAX_WEIGHTS = 200_000;
export const MAX_SHARDS = 10_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ModelFormatError(`${what} must be a non-empty string`);
  return v;
}

function arr(v: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new ModelFormatError(`${what} must be an array`);
  if (v.length > max) throw new ModelFormatError(`${what} has ${v.length} entries, above the limit of ${max}`);
  return v;
}

/** Copies own enumerable entries into a prototype-free record, so "__proto__" stays a plain key. */
function record<T>(o: Record<string, unknown>, f: (v: unknown, k: string) => T): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  for (const k of Object.keys(o)) out[k] = f(o[k], k);
  return out;
}

/** Validates the structure of a TF.js graph-model model.json (text or parsed) and returns what the importer reads. */
export function parseModelJson(input: string | Uint8Array | object): ModelJson {
  let j: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new ModelFormatError(`model.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isObj(j)) throw new ModelFormatError('model.json must hold a JSON object');
  if (j.format !== undefined && j.format !== 'graph-model')
    throw new ModelFormatError(`model.json has format "${String(j.format)}"; only TF.js graph models ("graph-model") are supported (layers models are not)`);
  const topo = j.modelTopology;
  if (!isObj(topo)) throw new ModelFormatError('model.json has no modelTopology object');
  if (isObj(topo.library) && Array.isArray(topo.library.function) && topo.library.function.length > 0)
    throw new ModelFormatError('model.json defines GraphDef library functions (control flow v2); they are not supported');
  const nodes = arr(topo.node ?? [], 'modelTopology.node', MAX_NODES).map((n, i): TfNode => {
    if (!isObj(n)) throw new ModelFormatError(`modelTopology.node[${i}] must be an object`);
    const name = str(n.name, `modelTopology.node[${i}].name`);
    const op = str(n.op, `node "${name}": op`);
    const inputs = arr(n.input ?? [], `node "${name}": input`, MAX_NODES).map((x, k) => str(x, `node "${name}": input[${k}]`));
    const attr = isObj(n.attr) ? record(n.attr, (v, k) => {
      if (!isObj(v)) throw new ModelFormatError(`node "${name}": attribute "${k}" must be an object`);
      return v as AttrJson;
    }) : Object.create(null);
    return { name, op, inputs: inputs.filter((x) => !x.startsWith('^')), attr };
  });
  let weightCount = 0;
  let shardCount = 0;
  const manifest = arr(j.weightsManifest ?? [], 'weightsManifest', MAX_SHARDS).map((g, gi): WeightGroup => {
    if (!isObj(g)) throw new ModelFormatError(`weightsManifest[${gi}] must be an object`);
    const paths = arr(g.paths, `weightsManifest[${gi}].paths`, MAX_SHARDS).map((p, k) => str(p, `weightsManifest[${gi}].paths[${k}]`));
    shardCount += paths.length;
    if (shardCount > MAX_SHARDS) throw new ModelFormatError(`weightsManifest lists more than ${MAX_SHARDS} shards`);
    const weights = arr(g.weights, `weightsManifest[${gi}].weights`, MAX_WEIGHTS).map((w, k): WeightSpec => {
      const what = `weightsManifest[${gi}].weights[${k}]`;
      if (!isObj(w)) throw new ModelFormatError(`${what} must be an object`);
      const name = str(w.name, `${what}.name`);
      const shape = arr(w.shape, `weight "${name}": shape`, 64).map((d) => {
        if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw new ModelFormatError(`weight "${name}": shape ${JSON.stringify(w.shape)} must hold non-negative integers`);
        return d;
      });
      const dtype = str(w.dtype, `weight "${name}": dtype`);
      let quantization: WeightSpec['quantization'];
      if (w.quantization !== undefined) {
        const q = w.quantization;
        if (!isObj(q)) throw new ModelFormatError(`weight "${name}": quantization must be an object`);
        quantization = {
          dtype: str(q.dtype, `weight "${name}": quantization.dtype`),
          ...(typeof q.min === 'number' ? { min: q.min } : {}),
          ...(typeof q.scale === 'number' ? { scale: q.scale } : {}),
          ...(typeof q.original_dtype === 'string' ? { original_dtype: q.original_dtype } : {}),
        };
      }
      return { name, shape, dtype, ...(quantization ? { quantization } : {}) };
    });
    weightCount += weights.length;
    if (weightCount > MAX_WEIGHTS) throw new ModelFormatError(`weightsManifest lists more than ${MAX_WEIGHTS} weights`);
    return { paths, weights };
  });
  // TF.js prefers userDefinedMetadata.signature over the top-level one (graph_model.ts loadWithWeightMap).
  const udm = isObj(j.userDefinedMetadata) ? j.userDefinedMetadata : {};
  const sig = isObj(udm.signature) ? udm.signature : isObj(j.signature) ? j.signature : {};
  const entries = (v: unknown, what: string): SignatureEntry[] =>
    isObj(v)
      ? Object.keys(v).map((key) => {
          const e = v[key];
          if (!isObj(e)) throw new ModelFormatError(`signature.${what}["${key}"] must be an object`);
          return { key, name: str(e.name, `signature.${what}["${key}"].name`) };
        })
      : [];
  return { nodes, manifest, inputs: entries(sig.inputs, 'inputs'), outputs: entries(sig.outputs, 'outputs') };
}

/** "node:1" → ["node", 1]; "node" → ["node", 0]. */
export function splitTensorName(name: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(name);
  return m ? [m[1]!, Number(m[2])] : [name, 0];
}
