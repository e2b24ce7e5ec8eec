import { ModelFormatError, UnsupportedOpError } from '../errors.js';
import { intTensor, isInt, type AttrValue, type Graph, type GraphInput, type Node, type Value } from '../graph/ir.js';
import { EMPTY_VALUE, MAX_FOLD_ELEMENTS, runKernel } from '../graph/resolve.js';
import { OPS } from '../ops/registry.js';
import { NodeCtx } from '../ops/types.js';
import { MAX_ELEMENTS, shapeStr, sizeOf, type Shape } from '../tensor.js';
import { NCHW_AXIS, NCHW_PERM, NHWC_PERM, permute } from './layout.js';

/** Element type as TF sees it; runtime activations are float32 in the engine whatever this says. */
export type TfDtype = 'float32' | 'int32' | 'bool';

/**
 * A TF tensor inside the builder. `shape` is always the TF (NHWC) shape. With layout 'nchw' the tensor is 4-D
 * and its engine edge holds the NCHW permutation of it; with 'plain' the edge holds it as TF sees it.
 */
export interface TfTensor {
  readonly edge: string;
  readonly shape: readonly number[];
  readonly layout: 'nchw' | 'plain';
  readonly dtype: TfDtype;
}

/** Opset of the graphs the builder emits (ONNX semantics of each engine op at this opset). */
export const TF_OPSET = 17;

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Accumulates an engine Graph (NCHW-logical, ONNX semantics) from TF ops. Every emitted node is shape-checked
 * at once by the engine op's own rule, and folded into a constant when all its inputs are constants, so the
 * lowering always knows concrete shapes and constant values (Shape → StridedSlice → Pack → Reshape chains).
 */
export class TfBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers = new Map<string, Value>();
  private readonly shapes = new Map<string, Shape>();
  private readonly inputs: GraphInput[] = [];
  private readonly converted = new Map<string, TfTensor>();
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'main') {}

  /** A graph input with its concrete TF shape (the API keeps it NHWC). */
  input(name: string, shape: readonly number[], dtype: TfDtype = 'float32'): TfTensor {
    this.claim(name);
    checkShape(shape, `input "${name}"`);
    this.inputs.push({ name, shape: [...shape] });
    this.shapes.set(name, [...shape]);
    return { edge: name, shape: [...shape], layout: 'plain', dtype };
  }

  /** Whether `t` is a graph input (its NHWC→NCHW Transpose is free: an alias on the CPU, elided on the GPU). */
  isInput(t: TfTensor): boolean {
    return this.inputs.some((i) => i.name === t.edge);
  }

  /** A constant in TF layout; integer dtypes are held exactly (shape arithmetic), floats as float32. */
  constant(name: string, shape: readonly number[], data: ArrayLike<number>, dtype: TfDtype = 'float32'): TfTensor {
    checkShape(shape, `constant "${name}"`);
    if (data.length !== sizeOf(shape))
      throw new ModelFormatError(`constant "${name}" has ${data.length} values for shape ${shapeStr(shape)}`);
    const edge = this.fresh(name);
    const v: Value = dtype === 'float32' ? { shape: [...shape], data: Float32Array.from(data) } : intTensor(shape, data);
    this.initializers.set(edge, v);
    this.shapes.set(edge, [...shape]);
    return { edge, shape: [...shape], layout: 'plain', dtype };
  }

  ints(name: string, values: readonly number[]): TfTensor {
    return this.constant(name, [values.length], values, 'int32');
  }

  /** The value of a constant tensor in TF layout, or undefined when it is only known at run time. */
  valueOf(t: TfTensor): Value | undefined {
    const v = this.initializers.get(t.edge);
    if (!v || t.layout === 'plain') return v;
    return this.valueOf(this.toPlain(t));
  }

  /** Integer values of a constant, or a typed error naming `what`. */
  constInts(t: TfTensor, what: string): number[] {
    const v = this.valueOf(t);
    if (!v) throw new UnsupportedOpError([{ op: what, node: t.edge, reason: 'needs a value known at load time' }]);
    return Array.from(isInt(v) ? v.ints : v.data);
  }

  isConst(t: TfTensor): boolean {
    return this.initializers.has(t.edge);
  }

  /**
   * Adds one engine node; returns its output edges. Shapes come from the op's rule; a node whose inputs are all
   * constants becomes a constant. `base` names the TF node it lowers (for error messages and edge names).
   */
  emit(op: string, base: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
    const def = OPS.get(op);
    if (!def) throw new UnsupportedOpError([{ op, node: base, reason: 'the engine has no such op' }]);
    const outs = Array.from({ length: outputs }, () => this.fresh(`${base}::${op}`));
    const clean: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) Object.defineProperty(clean, k, { value: v, enumerable: true });
    const node: Node = { name: outs[0]!, op, inputs: [...inputs], outputs: outs, attrs: clean };
    const inShapes = inputs.map((i) => (i === '' ? undefined : this.shapes.get(i)));
    const consts = inputs.map((i) => (i === '' ? undefined : this.initializers.get(i)));
    inputs.forEach((i, k) => {
      if (i !== '' && inShapes[k] === undefined) throw new ModelFormatError(`node "${base}" reads "${i}", which is not defined`);
    });
    const ctx = new NodeCtx(node, inShapes, consts, TF_OPSET);
    const parsed = def.parse(ctx);
    const outShapes = def.outputShapes(ctx, parsed);
    for (const s of outShapes) {
      if (s.some((d) => !Number.isInteger(d) || d < 0)) throw ctx.error(`invalid output shape ${shapeStr(s)}`);
      if (sizeOf(s) > MAX_ELEMENTS) throw ctx.error(`output shape ${shapeStr(s)} has more than ${MAX_ELEMENTS} elements`);
    }
    const constElements = consts.reduce((n, c) => n + (c ? sizeOf(c.shape) : 0), 0);
    const foldable = outShapes.every((s) => sizeOf(s) <= Math.max(MAX_FOLD_ELEMENTS, constElements));
    const allConst = foldable && inputs.every((i, k) => i === '' || consts[k] !== undefined);
    const folded =
      def.foldFromShapes?.(ctx, parsed) ??
      (allConst ? runKernel(node, () => def.reference(consts.map((c) => c ?? EMPTY_VALUE), parsed)) : undefined);
    outs.forEach((o, k) => {
      this.shapes.set(o, outShapes[k]!);
      if (folded) this.initializers.set(o, folded[k]!);
    });
    if (!folded) this.nodes.push(node);
    return outs;
  }

  /** One-output emit wrapped as a TfTensor. */
  op(op: string, base: string, inputs: readonly TfTensor[] | readonly string[], attrs: Record<string, AttrValue>, like: {
    shape: readonly number[];
    layout: 'nchw' | 'plain';
    dtype: TfDtype;
  }): TfTensor {
    const edges = inputs.map((i) => (typeof i === 'string' ? i : i.edge));
    const [edge] = this.emit(op, base, edges, attrs);
    const t: TfTensor = { edge: edge!, shape: [...like.shape], layout: like.layout, dtype: like.dtype };
    const engine = this.shapes.get(edge!)!;
    const expect = engineShape(t);
    if (engine.length !== expect.length || engine.some((d, i) => d !== expect[i]))
      throw new ModelFormatError(`node "${base}": lowered ${op} gives ${shapeStr(engine)}, expected ${shapeStr(expect)}`);
    return t;
  }

  /** The NCHW form of a 4-D tensor (one Transpose per tensor, or a free Reshape when only unit dims move). */
  toNchw(t: TfTensor): TfTensor {
    if (t.layout === 'nchw') return t;
    if (t.shape.length !== 4) throw new ModelFormatError(`tensor "${t.edge}" ${shapeStr(t.shape)} is not 4-D; it has no NCHW form`);
    const key = `nchw:${t.edge}`;
    const hit = this.converted.get(key);
    if (hit) return hit;
    const r = this.relayout(t, NCHW_PERM, 'nchw');
    this.converted.set(key, r);
    this.converted.set(`plain:${r.edge}`, t);
    return r;
  }

  /** The TF-layout form of a tensor. */
  toPlain(t: TfTensor): TfTensor {
    if (t.layout === 'plain') return t;
    const key = `plain:${t.edge}`;
    const hit = this.converted.get(key);
    if (hit) return hit;
    const r = this.relayout(t, NHWC_PERM, 'plain');
    this.converted.set(key, r);
    this.converted.set(`nchw:${r.edge}`, t);
    return r;
  }

  /** Engine (logical) shape of a tensor's edge. */
  engineShape(t: TfTensor): number[] {
    return engineShape(t);
  }

  /**
   * Finishes the graph: `outputs` are returned in TF layout under the given names (an Identity renames when an
   * output name is taken or is a graph input). Unreachable nodes and constants are dropped.
   */
  finish(outputs: readonly { name: string; tensor: TfTensor }[]): Graph {
    const plains = outputs.map((o) => this.toPlain(o.tensor));
    const uses = new Map<string, number>();
    for (const p of plains) uses.set(p.edge, (uses.get(p.edge) ?? 0) + 1);
    const outNames: string[] = [];
    outputs.forEach(({ name }, i) => {
      const plain = plains[i]!;
      if (outNames.includes(name)) throw new ModelFormatError(`output "${name}" is listed twice`);
      const isInput = this.inputs.some((x) => x.name === name);
      if (plain.edge === name && !isInput) {
        outNames.push(name);
        return;
      }
      this.claim(name);
      this.shapes.set(name, engineShape(plain));
      const produced = this.nodes.some((n) => n.outputs.includes(plain.edge));
      if (produced && uses.get(plain.edge) === 1) {
        // the output names the producing node's edge itself: no Identity in between (the GPU elides a boundary Transpose)
        this.renameEdge(plain.edge, name);
      } else {
        this.nodes.push({ name, op: 'Identity', inputs: [plain.edge], outputs: [name], attrs: {} });
        const c = this.initializers.get(plain.edge);
        if (c) this.initializers.set(name, c);
      }
      outNames.push(name);
    });
    this.foldBiasAdds(new Set(outNames));
    return this.prune({ name: this.name, inputs: [...this.inputs], outputs: outNames, nodes: this.nodes, initializers: this.initializers, opset: TF_OPSET });
  }

  /**
   * Conv/ConvTranspose without bias → Add of a per-channel constant (TF's Conv2D + BiasAdd/Add when the converter
   * did not fuse them) becomes the conv's bias, so the optimizer can fuse a following activation.
   */
  private foldBiasAdds(outputs: Set<string>): void {
    const readers = new Map<string, number>();
    for (const n of this.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
    const producer = new Map<string, Node>();
    for (const n of this.nodes) for (const o of n.outputs) producer.set(o, n);
    const drop = new Set<Node>();
    for (const add of this.nodes) {
      if (add.op !== 'Add' || add.inputs.length !== 2) continue;
      for (const side of [0, 1]) {
        const convOut = add.inputs[side]!;
        const conv = producer.get(convOut);
        const c = this.initializers.get(add.inputs[1 - side]!);
        const ys = this.shapes.get(convOut);
        if (!conv || !c || isInt(c) || !ys || ys.length !== 4 || drop.has(conv)) continue;
        if ((conv.op !== 'Conv' && conv.op !== 'ConvTranspose') || conv.inputs.length !== 2 || readers.get(convOut) !== 1 || outputs.has(convOut)) continue;
        const cs = c.shape;
        const ch = ys[1]!;
        const perChannel = cs.length <= 4 && cs.length >= 3 && cs[cs.length - 3] === ch && cs.every((d, i) => i === cs.length - 3 || d === 1);
        if (!perChannel) continue;
        const bias = this.fresh(`${conv.name}::bias`);
        this.initializers.set(bias, { shape: [ch], data: Float32Array.from(c.data) });
        this.shapes.set(bias, [ch]);
        const i = this.nodes.indexOf(conv);
        this.nodes[i] = { ...conv, inputs: [...conv.inputs, bias], outputs: [add.outputs[0]!] };
        producer.set(add.outputs[0]!, this.nodes[i]!);
        drop.add(add);
        break;
      }
    }
    if (drop.size) this.nodes.splice(0, this.nodes.length, ...this.nodes.filter((n) => !drop.has(n)));
  }

  private renameEdge(from: string, to: string): void {
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[i]!;
      if (n.inputs.includes(from) || n.outputs.includes(from))
        this.nodes[i] = { ...n, inputs: n.inputs.map((e) => (e === from ? to : e)), outputs: n.outputs.map((e) => (e === from ? to : e)) };
    }
    for (const [k, v] of this.converted) if (v.edge === from) this.converted.set(k, { ...v, edge: to });
  }

  /** A unique edge name derived from `base`. */
  fresh(base: string): string {
    let name = base;
    while (this.used.has(name) || this.shapes.has(name)) name = `${base}#${++this.counter}`;
    this.used.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.used.has(name) || this.shapes.has(name)) throw new ModelFormatError(`tensor name "${name}" is defined twice`);
    this.used.add(name);
  }

  private relayout(t: TfTensor, perm: readonly number[], layout: 'nchw' | 'plain'): TfTensor {
    const from = engineShape(t);
    const to = permute(from, perm);
    const like = { shape: t.shape, layout, dtype: t.dtype };
    const movesOnlyUnitDims = perm.filter((p) => from[p]! !== 1).every((p, i, a) => i === 0 || a[i - 1]! < p);
    if (movesOnlyUnitDims) return this.op('Reshape', t.edge, [t.edge, this.ints(`${t.edge}::shape`, to).edge], {}, like);
    return this.op('Transpose', t.edge, [t], { perm: [...perm] }, like);
  }

  /** Keeps the nodes and constants the outputs depend on, constant outputs kept as initializers. */
  private prune(g: Graph): Graph {
    const producer = new Map<string, Node>();
    for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
    const keep = new Set<Node>();
    const consts = new Map<string, Value>();
    const stack = [...g.outputs];
    const seen = new Set<string>();
    while (stack.length) {
      const e = stack.pop()!;
      if (seen.has(e)) continue;
      seen.add(e);
      const c = g.initializers.get(e);
      const p = producer.get(e);
      if (p && !keep.has(p)) {
        keep.add(p);
        for (const i of p.inputs) if (i !== '') stack.push(i);
      } else if (!p && c) consts.set(e, c);
    }
    return { ...g, nodes: g.nodes.filter((n) => keep.has(n)), initializers: consts };
  }
}

/** Engine (logical) shape of a TF tensor's edge. */
export function engineShape(t: { shape: readonly number[]; layout: 'nchw' | 'plain' }): number[] {
  return t.layout === 'nchw' ? permute(t.shape, NCHW_PERM) : [...t.shape];
}

/** Maps an NHWC axis (negative allowed) of a tensor to its engine axis. */
export function engineAxis(t: TfTensor, axis: number): number {
  const r = t.shape.length;
  const a = axis < 0 ? axis + r : axis;
  if (!(a >= 0 && a < r)) throw new ModelFormatError(`axis ${axis} is out of range for tensor "${t.edge}" ${shapeStr(t.shape)}`);
  return t.layout === 'nchw' ? NCHW_AXIS[a]! : a;
}

function checkShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ModelFormatError(`${what}: invalid shape ${Array.isArray(shape) ? shapeStr(shape) : String(shape)}`);
  if (sizeOf(shape) > MAX_ELEMENTS) throw new ModelFormatError(`${what}: shape ${shapeStr(shape)} has more than ${MAX_ELEMENTS} elements`);
}

export { own };
