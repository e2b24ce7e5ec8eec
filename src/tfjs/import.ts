import { InputError, ModelFormatError, UnsupportedOpError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { OPS } from '../ops/registry.js';
import { MAX_ELEMENTS } from '../onnx/tensor.js';
import { TfBuilder, type TfDtype, type TfTensor } from '../tf/index.js';
import { Attrs } from './attrs.js';
import { parseModelJson, splitTensorName, type ModelJson, type TfNode } from './model-json.js';
import { DTYPES, outputDtype, TFJS_OPS } from './ops.js';
import { decodeWeights, type DecodedWeight } from './weights.js';

/** An input or output at the API, as TF.js reports it: NHWC shape, TF dtype. */
export interface IoInfo {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: TfDtype;
}

export interface TfjsGraph {
  readonly graph: Graph;
  readonly inputs: IoInfo[];
  readonly outputs: IoInfo[];
}

export interface TfjsImportOptions {
  /** Concrete NHWC shapes for inputs with unknown dims; an unknown batch (-1) otherwise becomes 1. */
  inputShapes?: Record<string, readonly number[]>;
}

/** Ops that need control flow, dynamic shapes or outputs the engine cannot hold: named explicitly in errors. */
const CONTROL_FLOW = new Set(['Switch', 'Merge', 'Enter', 'Exit', 'NextIteration', 'LoopCond', 'TensorArrayV3', 'If', 'StatelessIf', 'While', 'StatelessWhile']);

/**
 * Lists every TF op type the importer or the engine cannot run, one node each, in one UnsupportedOpError —
 * before any weight is decoded or GPU work is done.
 */
export function checkTfjsOps(m: ModelJson): void {
  const seen = new Map<string, { op: string; node: string; reason?: string }>();
  for (const n of m.nodes) {
    if (n.op === 'Const' || n.op === 'Placeholder' || n.op === 'NoOp' || seen.has(n.op)) continue;
    const entry = TFJS_OPS[n.op];
    if (!entry) {
      seen.set(n.op, { op: n.op, node: n.name, ...(CONTROL_FLOW.has(n.op) || n.op.startsWith('TensorArray') || n.op.startsWith('TensorList') ? { reason: 'control flow is not supported' } : {}) });
      continue;
    }
    let needs: string[];
    try {
      needs = entry.needs(n, new Attrs(n));
    } catch (e) {
      seen.set(n.op, { op: n.op, node: n.name, reason: (e as Error).message });
      continue;
    }
    const missing = needs.filter((o) => !OPS.has(o));
    if (missing.length) seen.set(`${n.op}|${missing.join(',')}`, { op: n.op, node: n.name, reason: `the engine lacks ${missing.join(', ')}` });
  }
  if (seen.size) throw new UnsupportedOpError([...seen.values()]);
}

/** Kahn's order over data inputs; cycles and dangling inputs are ModelFormatErrors. */
function topoOrder(nodes: readonly TfNode[]): TfNode[] {
  const byName = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (byName.has(n.name)) throw new ModelFormatError(`node name "${n.name}" is used twice`);
    byName.set(n.name, i);
  });
  const indeg = new Array<number>(nodes.length).fill(0);
  const readers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const inp of n.inputs) {
      const p = byName.get(splitTensorName(inp)[0]);
      if (p === undefined) throw new ModelFormatError(`node "${n.name}" (${n.op}) reads "${inp}", which no node produces`);
      indeg[i]!++;
      readers[p]!.push(i);
    }
  });
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  for (let q = 0; q < queue.length; q++) for (const r of readers[queue[q]!]!) if (--indeg[r]! === 0) queue.push(r);
  if (queue.length !== nodes.length) {
    const stuck = nodes.filter((_, i) => indeg[i]! > 0).slice(0, 5).map((n) => `"${n.name}"`);
    throw new ModelFormatError(`the graph has a cycle through node(s) ${stuck.join(', ')}`);
  }
  return queue.map((i) => nodes[i]!);
}

/** The model's outputs in TF.js's order: the signature's, else every node nothing reads. */
function outputNames(m: ModelJson): string[] {
  if (m.outputs.length) return m.outputs.map((e) => e.name);
  const read = new Set(m.nodes.flatMap((n) => n.inputs.map((i) => splitTensorName(i)[0])));
  return m.nodes.filter((n) => !read.has(n.name) && n.op !== 'NoOp').map((n) => n.name);
}

function inputNodes(m: ModelJson): TfNode[] {
  const placeholders = m.nodes.filter((n) => n.op === 'Placeholder' || n.op === 'PlaceholderWithDefault');
  if (!m.inputs.length) return placeholders;
  return m.inputs.map((e) => {
    const n = placeholders.find((p) => p.name === splitTensorName(e.name)[0]);
    if (!n) throw new ModelFormatError(`signature input "${e.key}" names "${e.name}", which is not a Placeholder`);
    return n;
  });
}

/**
 * The declared inputs (unknown dims as -1) when some input has an unknown rank or an unknown dim other than a
 * leading batch, and `given` has no shape for it: such a model is specialised per input shape at run time.
 */
export function dynamicInputs(m: ModelJson, given: Record<string, readonly number[]> = {}): IoInfo[] | undefined {
  let dynamic = false;
  const infos = inputNodes(m).map((n): IoInfo => {
    const a = n.attr.shape?.shape;
    const decl = !a || a.unknownRank ? undefined : (a.dim ?? []).map((d) => Number(d.size ?? -1));
    if (!Object.prototype.hasOwnProperty.call(given, n.name) && (!decl || decl.some((d, i) => d < 0 && i > 0))) dynamic = true;
    return { name: n.name, shape: decl ?? [], dtype: DTYPES[new Attrs(n).type('dtype')] ?? 'float32' };
  });
  return dynamic ? infos : undefined;
}

function placeholderShape(n: TfNode, given: readonly number[] | undefined): number[] {
  const a = n.attr.shape?.shape;
  if (!a || a.unknownRank) {
    if (given) return [...given];
    throw new InputError(`input "${n.name}" has unknown rank; pass inputShapes["${n.name}"]`);
  }
  const decl = (a.dim ?? []).map((d) => Number(d.size ?? -1));
  if (given) {
    if (given.length !== decl.length || decl.some((d, i) => d >= 0 && d !== given[i]) || given.some((d) => !Number.isInteger(d) || d <= 0))
      throw new InputError(`input "${n.name}": expected shape [${decl.join(', ')}], got [${given.join(', ')}]`);
    return [...given];
  }
  const shape = decl.map((d, i) => (d < 0 && i === 0 ? 1 : d));
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new InputError(`input "${n.name}" has shape [${decl.join(', ')}] with unknown dims; pass inputShapes["${n.name}"]`);
  if (shape.reduce((x, y) => x * y, 1) > MAX_ELEMENTS) throw new InputError(`input "${n.name}": shape [${shape.join(', ')}] is too large`);
  return shape;
}

/** Builds the engine graph of a TF.js graph model from its model.json and decoded weights. */
export function tfjsToGraph(m: ModelJson, weights: ReadonlyMap<string, DecodedWeight>, opts: TfjsImportOptions = {}): TfjsGraph {
  checkTfjsOps(m);
  const b = new TfBuilder('tfjs');
  const tensors = new Map<string, TfTensor>();
  const given = opts.inputShapes ?? {};
  const ins = inputNodes(m);
  for (const k of Object.keys(given))
    if (!ins.some((n) => n.name === k)) throw new InputError(`unknown input "${k}"; the model's inputs are ${ins.map((n) => `"${n.name}"`).join(', ')}`);
  const inputs: IoInfo[] = ins.map((n) => {
    const own = Object.prototype.hasOwnProperty.call(given, n.name) ? given[n.name] : undefined;
    const dtype = DTYPES[new Attrs(n).type('dtype')];
    if (!dtype || dtype === 'bool') throw new UnsupportedOpError([{ op: 'Placeholder', node: n.name, reason: `input dtype ${new Attrs(n).type('dtype')}` }]);
    const shape = placeholderShape(n, own);
    tensors.set(`${n.name}:0`, b.input(n.name, shape, dtype));
    return { name: n.name, shape, dtype };
  });
  for (const n of topoOrder(m.nodes)) {
    if (n.op === 'Placeholder' || n.op === 'PlaceholderWithDefault') {
      if (!tensors.has(`${n.name}:0`)) throw new ModelFormatError(`Placeholder "${n.name}" is not a model input`);
      continue;
    }
    if (n.op === 'NoOp') continue;
    if (n.op === 'Const') {
      const w = weights.get(n.name);
      if (!w) throw new ModelFormatError(`Const node "${n.name}" has no entry in the weights manifest`);
      tensors.set(`${n.name}:0`, b.constant(n.name, w.shape, w.data, w.dtype));
      continue;
    }
    const inputsOf = n.inputs.map((i) => {
      const [nm, k] = splitTensorName(i);
      const t = tensors.get(`${nm}:${k}`);
      if (!t) throw new ModelFormatError(`node "${n.name}" (${n.op}) reads "${i}", which its producer does not output`);
      return t;
    });
    const attrs = new Attrs(n);
    const ctx = {
      b,
      node: n,
      inputs: inputsOf,
      attrs,
      ints: (i: number) => {
        const t = inputsOf[i];
        if (!t) throw new ModelFormatError(`node "${n.name}" (${n.op}) needs input ${i}`);
        return b.constInts(t, `${n.op} (input ${i} of "${n.name}")`);
      },
    };
    const outs = TFJS_OPS[n.op]!.lower(ctx);
    const dt = outputDtype(ctx);
    outs.forEach((t, k) => tensors.set(`${n.name}:${k}`, dt ? { ...t, dtype: dt } : t));
  }
  const outputs: IoInfo[] = [];
  const finals = outputNames(m).map((full) => {
    const [nm, k] = splitTensorName(full);
    const t = tensors.get(`${nm}:${k}`);
    if (!t) throw new ModelFormatError(`output "${full}" is never produced`);
    outputs.push({ name: nm, shape: [...t.shape], dtype: t.dtype });
    return { name: nm, tensor: t };
  });
  return { graph: b.finish(finals), inputs, outputs };
}

/** model.json + its weight shards (per manifest group, per path) → engine graph. */
export function importTfjs(modelJson: string | Uint8Array | object, shards: readonly (readonly Uint8Array[])[], opts: TfjsImportOptions = {}): TfjsGraph {
  const m = parseModelJson(modelJson);
  checkTfjsOps(m);
  return tfjsToGraph(m, decodeWeights(m.manifest, shards), opts);
}
