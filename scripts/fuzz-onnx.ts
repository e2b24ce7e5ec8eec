/**
 * ONNX loader fuzzer. Mutates the valid models under fixtures/ (bit flips, byte insert/delete/overwrite,
 * truncation, length-prefix corruption, and structural edits made on the decoded message: node swaps,
 * duplicates and deletions, edges rewired into cycles or left dangling, hostile names, absurd/negative/overflowing
 * dims, wrong dtypes, short raw_data, attribute and opset corruption) and checks that every case ends either in a
 * Graph — which then resolves and runs on the CPU or fails with a SepconvError — or in a SepconvError, within a
 * time bound and without unjustified memory growth.
 *
 * Run through vitest (the engine imports JSON and ?raw modules, so it needs Vite's module runner):
 *   FUZZ_CASES=10000 FUZZ_SEED=1 npx vitest run test/fuzz-onnx.test.ts
 * The default suite runs a few hundred seeded cases through the same code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCpu } from '../src/cpu/run.js';
import { SepconvError } from '../src/errors.js';
import type { Graph } from '../src/graph/ir.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { loadOnnx } from '../src/onnx/import.js';
import { DataType, decodeModelProto } from '../src/onnx/proto.js';
import { encodeModelProto } from '../src/onnx/proto-encode.js';
import { OPS } from '../src/ops/registry.js';
import { sizeOf, type Shape } from '../src/tensor.js';

export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Every fixtures/<name>/model.onnx, smallest first. */
export function loadSeeds(fixturesDir: string, opts: { maxBytes?: number } = {}): Seed[] {
  const seeds: Seed[] = [];
  for (const name of readdirSync(fixturesDir).sort()) {
    const path = join(fixturesDir, name, 'model.onnx');
    if (!existsSync(path)) continue;
    const b = readFileSync(path);
    if (opts.maxBytes !== undefined && b.length > opts.maxBytes) continue;
    seeds.push({ name, bytes: new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) });
  }
  return seeds.sort((a, b) => a.bytes.length - b.bytes.length);
}

/** mulberry32 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
export const int = (r: Rand, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

// ---------------------------------------------------------------------------------------------- byte mutators

type ByteMutator = (b: Uint8Array, r: Rand) => Uint8Array;

export const BYTE_MUTATORS: Record<string, ByteMutator> = {
  bitflip(b, r) {
    const out = b.slice();
    const n = 1 + int(r, 8);
    for (let i = 0; i < n && out.length; i++) out[int(r, out.length)]! ^= 1 << int(r, 8);
    return out;
  },
  overwrite(b, r) {
    const out = b.slice();
    const n = 1 + int(r, 4);
    const interesting = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x08, 0x0a, 0x12, 0x1a, 0x3a];
    for (let i = 0; i < n && out.length; i++) out[int(r, out.length)] = r() < 0.5 ? pick(r, interesting) : int(r, 256);
    return out;
  },
  insert(b, r) {
    const at = int(r, b.length + 1);
    const ins = Uint8Array.from({ length: 1 + int(r, 16) }, () => int(r, 256));
    const out = new Uint8Array(b.length + ins.length);
    out.set(b.subarray(0, at));
    out.set(ins, at);
    out.set(b.subarray(at), at + ins.length);
    return out;
  },
  delete(b, r) {
    if (b.length < 2) return b.slice();
    const at = int(r, b.length);
    const len = 1 + int(r, Math.min(32, b.length - at));
    const out = new Uint8Array(b.length - len);
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + len), at);
    return out;
  },
  truncate(b, r) {
    return b.slice(0, int(r, b.length));
  },
  duplicate(b, r) {
    const at = int(r, b.length);
    const len = 1 + int(r, Math.min(64, b.length - at));
    const chunk = b.subarray(at, at + len);
    const to = int(r, b.length + 1);
    const out = new Uint8Array(b.length + len);
    out.set(b.subarray(0, to));
    out.set(chunk, to);
    out.set(b.subarray(to), to + len);
    return out;
  },
  /** Makes a varint (likely a length prefix or a dim) enormous: 0xff… continuation bytes. */
  varint(b, r) {
    const out = b.slice();
    const at = int(r, out.length);
    const n = 1 + int(r, 9);
    for (let i = 0; i < n && at + i < out.length; i++) out[at + i] = 0xff;
    if (at + n < out.length) out[at + n] = int(r, 0x80);
    return out;
  },
};

/** One to three byte-level mutators (BYTE_MUTATORS) applied in turn; their names are appended to `used`. */
export function applyByteMutators(bytes: Uint8Array, r: Rand, used: string[]): Uint8Array {
  const k = 1 + int(r, 3);
  for (let i = 0; i < k; i++) {
    const name = pick(r, Object.keys(BYTE_MUTATORS));
    bytes = BYTE_MUTATORS[name]!(bytes, r);
    used.push(name);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------- structural mutators

/* eslint-disable @typescript-eslint/no-explicit-any */
type Msg = any;
type StructMutator = (m: Msg, r: Rand) => void;

const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'x'.repeat(300), '\u0000', 'é∑'];
// int64s are numbers: the encoder writes 2^63 as INT64_MAX; -2^63 is INT64_MIN exactly.
const INT64_MAX = 2 ** 63;
const INT64_MIN = -(2 ** 63);
const EXTREME_INTS: number[] = [0, -1, -2, 1, 2, 3, 7, 64, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, -(2 ** 31), INT64_MAX, INT64_MIN];
const extremeInt = (r: Rand) => (r() < 0.3 ? int(r, 9) - 2 : pick(r, EXTREME_INTS));
const OP_NAMES = [...OPS.keys(), 'If', 'Loop', 'Resize', 'NotAnOp', ''];

const graphOf = (m: Msg): Msg => (m.graph ??= { node: [], initializer: [], input: [], output: [] });
const nodes = (m: Msg): Msg[] => graphOf(m).node ?? [];
const edgesOf = (m: Msg): string[] => {
  const g = graphOf(m);
  const s = new Set<string>();
  for (const i of g.input ?? []) s.add(i.name);
  for (const t of g.initializer ?? []) s.add(t.name);
  for (const n of g.node ?? []) for (const o of [...(n.input ?? []), ...(n.output ?? [])]) s.add(o);
  return [...s];
};
const pickNode = (m: Msg, r: Rand): Msg | undefined => (nodes(m).length ? pick(r, nodes(m)) : undefined);
const pickInit = (m: Msg, r: Rand): Msg | undefined => {
  const inits = graphOf(m).initializer ?? [];
  return inits.length ? pick(r, inits) : undefined;
};
/** The initializer or Constant-node tensor to corrupt. */
const pickTensor = (m: Msg, r: Rand): Msg | undefined => {
  if (r() < 0.3) {
    const consts = nodes(m).flatMap((n) => (n.attribute ?? []).filter((a: Msg) => a.t));
    if (consts.length) return pick(r, consts).t;
  }
  return pickInit(m, r);
};

const STRUCT_MUTATORS: Record<string, StructMutator> = {
  swapNodes(m, r) {
    const ns = nodes(m);
    if (ns.length < 2) return;
    const i = int(r, ns.length);
    const j = int(r, ns.length);
    [ns[i], ns[j]] = [ns[j], ns[i]];
  },
  duplicateNode(m, r) {
    const n = pickNode(m, r);
    if (n) nodes(m).splice(int(r, nodes(m).length + 1), 0, n);
  },
  deleteNode(m, r) {
    const ns = nodes(m);
    if (ns.length) ns.splice(int(r, ns.length), 1);
  },
  /** An input of an early node reads the output of a later one: a cycle in the (sorted) fixture graphs. */
  cycle(m, r) {
    const ns = nodes(m);
    if (!ns.length) return;
    const i = int(r, ns.length);
    const j = i + int(r, ns.length - i);
    const src = ns[j];
    if (!src.output?.length || !ns[i].input?.length) return;
    ns[i].input[int(r, ns[i].input.length)] = pick(r, src.output);
  },
  selfLoop(m, r) {
    const n = pickNode(m, r);
    if (n?.input?.length && n.output?.length) n.input[int(r, n.input.length)] = n.output[0];
  },
  dangling(m, r) {
    const n = pickNode(m, r);
    if (n?.input?.length) n.input[int(r, n.input.length)] = `ghost_${int(r, 100)}`;
  },
  /** Renames one value everywhere (a consistent, valid graph with a hostile name) or in a single place. */
  hostileName(m, r) {
    const edges = edgesOf(m);
    if (!edges.length) return;
    const from = pick(r, edges);
    const to = pick(r, HOSTILE_NAMES);
    const everywhere = r() < 0.7;
    const g = graphOf(m);
    const fix = (xs: string[] | undefined) => xs?.forEach((x, k) => x === from && (everywhere || r() < 0.5) && (xs[k] = to));
    for (const vi of [...(g.input ?? []), ...(g.output ?? []), ...(g.initializer ?? [])]) if (vi.name === from) vi.name = to;
    for (const n of g.node ?? []) {
      fix(n.input);
      fix(n.output);
    }
    if (r() < 0.3 && g.node?.length) pick<Msg>(r, g.node).name = to;
  },
  swapInputs(m, r) {
    const n = pickNode(m, r);
    if (!n?.input || n.input.length < 2) return;
    const i = int(r, n.input.length);
    const j = int(r, n.input.length);
    [n.input[i], n.input[j]] = [n.input[j], n.input[i]];
  },
  dropOrAddInput(m, r) {
    const n = pickNode(m, r);
    if (!n) return;
    n.input ??= [];
    if (r() < 0.5 && n.input.length) n.input.splice(int(r, n.input.length), 1);
    else n.input.push(r() < 0.3 ? '' : pick(r, edgesOf(m)));
  },
  rewireOutput(m, r) {
    const n = pickNode(m, r);
    if (!n) return;
    n.output ??= [];
    const choice = r();
    if (choice < 0.4 && n.output.length) n.output[int(r, n.output.length)] = pick(r, edgesOf(m)); // second producer
    else if (choice < 0.7) n.output.push(`extra_${int(r, 10)}`);
    else n.output = [];
  },
  graphOutputs(m, r) {
    const g = graphOf(m);
    g.output ??= [];
    const c = r();
    if (c < 0.3) g.output = [];
    else if (c < 0.6 && g.output.length) g.output[int(r, g.output.length)].name = r() < 0.5 ? `ghost_out` : pick(r, edgesOf(m));
    else g.output.push({ name: pick(r, edgesOf(m).concat(['ghost_out'])) });
  },
  tensorDims(m, r) {
    const t = pickTensor(m, r);
    if (!t) return;
    t.dims ??= [];
    const c = r();
    if (c < 0.6 && t.dims.length) t.dims[int(r, t.dims.length)] = extremeInt(r);
    else if (c < 0.8) t.dims.push(extremeInt(r));
    else t.dims.pop();
  },
  tensorDtype(m, r) {
    const t = pickTensor(m, r);
    if (t) t.data_type = r() < 0.8 ? int(r, 18) : pick(r, [-1, 99, 2 ** 31 - 1]);
  },
  tensorData(m, r) {
    const t = pickTensor(m, r);
    if (!t) return;
    // A plain copy: decoded bytes are views into the seed's bytes.
    const raw = new Uint8Array(t.raw_data ?? 0);
    const c = r();
    if (c < 0.3) t.raw_data = raw.slice(0, int(r, raw.length + 1));
    else if (c < 0.45) t.raw_data = new Uint8Array(0);
    else if (c < 0.6) {
      t.raw_data = new Uint8Array(0);
      t.float_data = Array.from({ length: int(r, 8) }, () => r() * 4 - 2);
    } else if (c < 0.75) t.data_location = 1;
    else {
      // Overwrite values: NaN/Inf floats, or extreme int64s for shape constants.
      const out = raw.slice();
      const v = new DataView(out.buffer);
      if (t.data_type === DataType.INT64 && out.length >= 8) {
        const big = pick(r, [0n, -1n, 2n ** 62n, -(2n ** 63n), 2n ** 31n, 1000000n, 3n, -3n]);
        v.setBigInt64(8 * int(r, Math.floor(out.length / 8)), big, true);
      } else if (out.length >= 4) v.setFloat32(4 * int(r, Math.floor(out.length / 4)), pick(r, [NaN, Infinity, -Infinity, 3.4e38, -0]), true);
      t.raw_data = out;
    }
  },
  deleteOrDuplicateInitializer(m, r) {
    const inits = graphOf(m).initializer ?? [];
    if (!inits.length) return;
    const i = int(r, inits.length);
    if (r() < 0.5) inits.splice(i, 1);
    else inits.push(inits[i]);
  },
  inputDims(m, r) {
    const ins = graphOf(m).input ?? [];
    if (!ins.length) return;
    const vi: Msg = pick(r, ins);
    const tt = vi.type?.tensor_type;
    if (!tt) return;
    const c = r();
    if (c < 0.1) tt.elem_type = int(r, 17);
    else if (c < 0.2) tt.shape = null;
    else if (c < 0.3) vi.type = null;
    else {
      tt.shape ??= { dim: [] };
      const dims = tt.shape.dim;
      const d = r() < 0.5 ? { dim_value: extremeInt(r) } : r() < 0.5 ? { dim_param: pick(r, HOSTILE_NAMES) } : {};
      if (dims.length && r() < 0.7) dims[int(r, dims.length)] = d;
      else if (r() < 0.5) dims.push(d);
      else dims.pop();
    }
  },
  attribute(m, r) {
    const n = pickNode(m, r);
    if (!n) return;
    n.attribute ??= [];
    const as: Msg[] = n.attribute;
    const c = r();
    if (c < 0.15 && as.length) as.splice(int(r, as.length), 1);
    else if (c < 0.3) {
      const other = pickNode(m, r);
      if (other?.attribute?.length) as.push(pick(r, other.attribute));
    } else if (c < 0.4 && as.length) pick(r, as).type = int(r, 16);
    else if (as.length) {
      const a = pick(r, as);
      if (a.ints?.length) a.ints[int(r, a.ints.length)] = extremeInt(r);
      else if (a.floats?.length) a.floats[int(r, a.floats.length)] = pick(r, [NaN, Infinity, -Infinity, 0, -1e30]);
      else if (a.type === 2) a.i = extremeInt(r);
      else if (a.type === 1) a.f = pick(r, [NaN, Infinity, -Infinity, 0, -1e30]);
      else if (a.type === 3) a.s = new TextEncoder().encode(pick(r, ['SAME_UPPER', 'VALID', 'NOTSET', 'bogus', '']));
      else if (a.ints) a.ints.push(extremeInt(r));
    }
  },
  /**
   * Splices in a node of a random op that reads existing edges plus a new INT64 constant of hostile values
   * (shapes, pads, axes, indices), and makes its output a graph output or feeds it to a later node.
   */
  insertOp(m, r) {
    const g = graphOf(m);
    const k = int(r, 1000);
    const len = int(r, 6);
    const vals = Array.from({ length: len }, () => BigInt(pick(r, [0, 1, -1, 2, 3, -2, 7, 1e6, 2 ** 31, -(2 ** 31), 2 ** 40, int(r, 5)])));
    if (r() < 0.1) vals.push(-(2n ** 63n), 2n ** 63n - 1n);
    const name = `hostile_c${k}`;
    (g.initializer ??= []).push({ name, dims: [vals.length], data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.from(vals).buffer) });
    const edges = edgesOf(m);
    const op = pick(r, ['ConstantOfShape', 'Pad', 'Reshape', 'Slice', 'Gather', 'Concat', 'Transpose', 'Split', 'Squeeze', 'Unsqueeze', 'ReduceMean', 'Flatten', 'Softmax', 'MaxPool', 'AveragePool', 'Conv', 'Cast', 'Shape', 'Add', 'MatMul', 'Gemm']);
    const inputs = Array.from({ length: 1 + int(r, 3) }, () => (r() < 0.5 ? name : pick(r, edges)));
    const attribute: unknown[] = [];
    const ints = (n: string) => ({ name: n, type: 7, ints: Array.from({ length: 1 + int(r, 4) }, () => extremeInt(r)) });
    if (r() < 0.6) attribute.push(pick(r, [ints('axes'), ints('perm'), ints('kernel_shape'), ints('pads'), ints('strides'), ints('split'), { name: 'axis', type: 2, i: extremeInt(r) }, { name: 'to', type: 2, i: int(r, 20) }, { name: 'keepdims', type: 2, i: extremeInt(r) }, { name: 'group', type: 2, i: extremeInt(r) }]));
    const out = `hostile_y${k}`;
    const node = { name: `hostile_${op}_${k}`, op_type: op, input: inputs, output: r() < 0.1 ? ['', out] : [out], attribute };
    const ns = nodes(m);
    const at = int(r, ns.length + 1);
    ns.splice(at, 0, node);
    const later = ns.slice(at + 1).filter((n: Msg) => n.input?.length);
    if (later.length && r() < 0.5) {
      const n = pick(r, later);
      n.input[int(r, n.input.length)] = out;
    } else (g.output ??= []).push({ name: out });
  },
  opType(m, r) {
    const n = pickNode(m, r);
    if (!n) return;
    if (r() < 0.85) n.op_type = pick(r, OP_NAMES);
    else n.domain = pick(r, ['com.microsoft', 'ai.onnx', 'ai.onnx.ml']);
  },
  opset(m, r) {
    m.opset_import ??= [];
    const c = r();
    if (c < 0.2) m.opset_import = [];
    else if (m.opset_import.length) m.opset_import[0].version = r() < 0.7 ? int(r, 24) : extremeInt(r);
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * A decoded Dimension carries both oneof members (the unset one at its default) and names the set one in `value`;
 * the encoder writes whichever members are present, so the unset one goes before re-encoding.
 */
function withoutUnsetDims(m: Msg): Msg {
  const g = m.graph;
  for (const vi of [...(g?.input ?? []), ...(g?.output ?? []), ...(g?.value_info ?? [])])
    for (const d of vi.type?.tensor_type?.shape?.dim ?? []) {
      if (d.value !== 'dim_value') delete d.dim_value;
      if (d.value !== 'dim_param') delete d.dim_param;
    }
  return m;
}

export const MUTATOR_NAMES = [...Object.keys(BYTE_MUTATORS), ...Object.keys(STRUCT_MUTATORS)];

/** One mutated model: 1–3 structural edits, or 1–3 byte-level ones, or structural then byte-level. */
export function mutate(seed: Seed, r: Rand): { bytes: Uint8Array; mutators: string[] } {
  const used: string[] = [];
  let bytes = seed.bytes;
  const mode = r();
  if (mode < 0.55) {
    const m = withoutUnsetDims(decodeModelProto(seed.bytes));
    const k = 1 + int(r, 3);
    for (let i = 0; i < k; i++) {
      const name = pick(r, Object.keys(STRUCT_MUTATORS));
      STRUCT_MUTATORS[name]!(m, r);
      used.push(name);
    }
    bytes = new Uint8Array(encodeModelProto(m)); // plain copy (see tensorData)
  }
  if (mode >= 0.45) {
    bytes = applyByteMutators(bytes, r, used);
  }
  return { bytes, mutators: used };
}

// ------------------------------------------------------------------------------------------------ one case

export type Outcome = 'ran' | 'resolved' | 'rejected-load' | 'rejected-resolve' | 'rejected-run' | 'FAILED';

export interface CaseResult {
  outcome: Outcome;
  /** SepconvError code when the case was rejected. */
  code?: string;
  /** Load + resolve time; run time separately. */
  loadMs: number;
  runMs: number;
  /** Heap + ArrayBuffer growth over the case (no GC in between: an upper bound of what it allocated and kept). */
  memDelta: number;
  error?: unknown;
}

/** Work limits for running a resolved mutant on the CPU: bigger graphs are resolved but not run. */
export interface RunBudget {
  maxElements: number;
  maxMacs: number;
}

export const DEFAULT_BUDGET: RunBudget = { maxElements: 4e6, maxMacs: 5e7 };

export function memNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Concrete shapes for the inputs: declared dims, symbolic ones bound to 2. */
function concreteShapes(g: Graph): Record<string, Shape> {
  const out: Record<string, Shape> = Object.create(null);
  for (const i of g.inputs) out[i.name] = i.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 2));
  return out;
}

export function withinBudget(rg: ResolvedGraph, b: RunBudget): boolean {
  let elements = 0;
  let macs = 0;
  for (const s of rg.inputShapes.values()) elements += sizeOf(s);
  for (const rn of rg.nodes) {
    for (const s of [...rn.outputShapes, ...rn.inputShapes]) elements += sizeOf(s);
    macs += rn.cost.macs;
    // Window ops carry no MAC count; bound them by the kernel area times the output.
    const k = (rn.attrs as { kernel?: number[] } | null)?.kernel;
    if (k) macs += sizeOf(rn.outputShapes[0] ?? []) * sizeOf(k);
  }
  return elements <= b.maxElements && macs <= b.maxMacs;
}

/**
 * Loads `bytes` with `load` (a format's importer: the Graph and the input shapes to resolve it with); when that
 * yields a Graph, resolves it and (within `budget`) runs it on the CPU with random inputs that sometimes hold NaN
 * and ±Inf. Any throw other than a SepconvError is a failure.
 */
export function runImportedCase(bytes: Uint8Array, r: Rand, budget: RunBudget, load: (bytes: Uint8Array) => { graph: Graph; shapes: Record<string, Shape> }): CaseResult {
  const mem0 = memNow();
  const t0 = performance.now();
  let stage: 'load' | 'resolve' | 'run' = 'load';
  let loadMs = 0;
  let t1 = t0;
  const result = (outcome: Outcome, extra: Partial<CaseResult> = {}): CaseResult => {
    const now = performance.now();
    return { outcome, loadMs: stage === 'run' ? loadMs : now - t0, runMs: stage === 'run' ? now - t1 : 0, memDelta: memNow() - mem0, ...extra };
  };
  try {
    const { graph, shapes } = load(bytes);
    stage = 'resolve';
    const rg = resolve(graph, shapes);
    loadMs = performance.now() - t0;
    if (!withinBudget(rg, budget)) return result('resolved');
    stage = 'run';
    t1 = performance.now();
    const inputs: Record<string, Float32Array> = Object.create(null);
    const specials = r() < 0.2;
    for (const [name, s] of rg.inputShapes) {
      const x = new Float32Array(sizeOf(s));
      for (let i = 0; i < x.length; i++) x[i] = specials && r() < 0.05 ? pick(r, [NaN, Infinity, -Infinity]) : r() * 4 - 2;
      inputs[name] = x;
    }
    const out = runCpu(rg, inputs);
    for (const o of rg.graph.outputs) if (!out.get(o)) throw new Error(`output "${o}" missing from the result`);
    return result('ran');
  } catch (e) {
    if (e instanceof SepconvError) return result(`rejected-${stage}`, { code: e.code });
    return result('FAILED', { error: e });
  }
}

/** runImportedCase for ONNX bytes, resolved with their declared input shapes. */
export function runCase(bytes: Uint8Array, r: Rand, budget: RunBudget = DEFAULT_BUDGET): CaseResult {
  return runImportedCase(bytes, r, budget, (b) => {
    const graph = loadOnnx(b);
    return { graph, shapes: concreteShapes(graph) };
  });
}

// ------------------------------------------------------------------------------------------------- driver

export interface FuzzOptions {
  seeds: readonly Seed[];
  cases: number;
  seed?: number;
  budget?: RunBudget;
  /** Another format's mutator and case runner (scripts/fuzz-tflite.ts); ONNX's by default. */
  mutate?: (seed: Seed, r: () => number) => { bytes: Uint8Array; mutators: string[] };
  runCase?: (bytes: Uint8Array, r: () => number, budget?: RunBudget) => CaseResult;
  /** Called for every case (progress, custom checks). */
  onCase?: (k: number, info: { seed: string; mutators: string[]; bytes: Uint8Array }, res: CaseResult) => void;
}

export interface Failure {
  k: number;
  seed: string;
  mutators: string[];
  error: string;
  bytes: Uint8Array;
}

export interface FuzzReport {
  cases: number;
  outcomes: Record<string, number>;
  codes: Record<string, number>;
  failures: Failure[];
  maxLoadMs: number;
  maxLoadCase: string;
  maxRunMs: number;
  maxRunCase: string;
  /** Largest heap + ArrayBuffer growth of one case, in bytes, and the input size it came from. */
  maxMemDelta: number;
  maxMemCase: string;
  totalMs: number;
}

export function newReport(): FuzzReport {
  return {
    cases: 0, outcomes: {}, codes: {}, failures: [], maxLoadMs: 0, maxLoadCase: '', maxRunMs: 0, maxRunCase: '',
    maxMemDelta: 0, maxMemCase: '', totalMs: 0,
  };
}

/** Adds case `k`'s result to the report (outcome and error-code counts, slowest and largest cases, failures). */
export function recordCase(rep: FuzzReport, k: number, info: { seed: string; mutators: string[]; bytes: Uint8Array }, res: CaseResult): void {
  const label = `#${k} ${info.seed} [${info.mutators.join(', ')}] (${info.bytes.length} bytes)`;
  rep.cases++;
  rep.outcomes[res.outcome] = (rep.outcomes[res.outcome] ?? 0) + 1;
  if (res.code) rep.codes[res.code] = (rep.codes[res.code] ?? 0) + 1;
  if (res.loadMs > rep.maxLoadMs) [rep.maxLoadMs, rep.maxLoadCase] = [res.loadMs, label];
  if (res.runMs > rep.maxRunMs) [rep.maxRunMs, rep.maxRunCase] = [res.runMs, label];
  if (res.memDelta > rep.maxMemDelta) [rep.maxMemDelta, rep.maxMemCase] = [res.memDelta, label];
  if (res.outcome === 'FAILED') {
    const err = res.error instanceof Error ? `${res.error.name}: ${res.error.message}\n${res.error.stack?.split('\n').slice(1, 5).join('\n')}` : String(res.error);
    rep.failures.push({ k, seed: info.seed, mutators: info.mutators, error: err, bytes: info.bytes });
  }
}

/** Bias towards small seeds: they are cheap to run, and structure matters more than size. */
export const pickSeed = (seeds: readonly Seed[], r: Rand): Seed => seeds[Math.floor(r() ** 2 * seeds.length)]!;

export function fuzz(opts: FuzzOptions): FuzzReport {
  const r = rng(opts.seed ?? 1);
  const rep = newReport();
  const start = performance.now();
  for (let k = 0; k < opts.cases; k++) {
    const seed = pickSeed(opts.seeds, r);
    const { bytes, mutators } = (opts.mutate ?? mutate)(seed, r);
    const res = (opts.runCase ?? runCase)(bytes, r, opts.budget);
    recordCase(rep, k, { seed: seed.name, mutators, bytes }, res);
    opts.onCase?.(k, { seed: seed.name, mutators, bytes }, res);
  }
  rep.totalMs = performance.now() - start;
  return rep;
}

export function formatReport(rep: FuzzReport): string {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  return [
    `${rep.cases} cases in ${(rep.totalMs / 1000).toFixed(1)} s`,
    `outcomes: ${JSON.stringify(rep.outcomes)}`,
    `error codes: ${JSON.stringify(rep.codes)}`,
    `slowest load+resolve: ${rep.maxLoadMs.toFixed(1)} ms (${rep.maxLoadCase})`,
    `slowest CPU run: ${rep.maxRunMs.toFixed(1)} ms (${rep.maxRunCase})`,
    `largest memory growth in one case: ${mb(rep.maxMemDelta)} (${rep.maxMemCase})`,
    `failures: ${rep.failures.length}`,
    ...rep.failures.slice(0, 20).map((f) => `  #${f.k} ${f.seed} [${f.mutators.join(', ')}]: ${f.error}`),
  ].join('\n');
}
