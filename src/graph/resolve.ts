import { InputError, ModelFormatError, ShapeError, UnsupportedOpError } from '../errors.js';
import { OPS } from '../ops/registry.js';
import { NodeCtx, type Cost, type OpDef } from '../ops/types.js';
import { MAX_ELEMENTS, shapeStr, sizeOf, type Shape } from '../tensor.js';
import type { Graph, Node, Value } from './ir.js';

/** A node ready to execute: its op, parsed attributes and concrete shapes. */
export interface ResolvedNode {
  readonly node: Node;
  readonly def: OpDef<any>;
  readonly attrs: unknown;
  readonly inputShapes: Shape[];
  readonly outputShapes: Shape[];
  readonly cost: Cost;
}

/** A graph specialised to concrete input shapes: constants folded, shapes inferred, nodes in topological order. */
export interface ResolvedGraph {
  readonly graph: Graph;
  readonly inputShapes: ReadonlyMap<string, Shape>;
  /** Nodes that run at inference time (constant subgraphs already folded away). */
  readonly nodes: ResolvedNode[];
  /** Initializers plus every folded value. */
  readonly constants: ReadonlyMap<string, Value>;
  readonly shapes: ReadonlyMap<string, Shape>;
}

/**
 * Constant folding creates at most this many elements per output unless its constant inputs already hold as
 * many (Reshape, Transpose, Identity of a big initializer): a tiny hostile model (ConstantOfShape [2^31 - 1],
 * a MatMul blowing up two small weights) must not allocate gigabytes while it loads. Bigger foldable nodes stay
 * in the graph and run like any other node.
 */
export const MAX_FOLD_ELEMENTS = 2 ** 24;

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Kahn's algorithm; rejects cycles and inputs that no node, initializer or graph input produces. */
export function topoSort(graph: Graph): Node[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === '') continue;
      if (producer.has(o))
        throw new ModelFormatError(`value "${o}" is produced by more than one node (second: "${n.name}")`);
      producer.set(o, i);
    }
  });
  const known = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  const indeg = new Array<number>(graph.nodes.length).fill(0);
  const readers = new Map<number, number[]>();
  graph.nodes.forEach((n, i) => {
    for (const inp of n.inputs) {
      if (inp === '') continue;
      const p = producer.get(inp);
      if (p === undefined) {
        if (!known.has(inp))
          throw new ModelFormatError(`node "${n.name}" (${n.op}) reads "${inp}", which no node, initializer or graph input provides`);
        continue;
      }
      indeg[i]!++;
      const r = readers.get(p) ?? [];
      r.push(i);
      readers.set(p, r);
    }
  });
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  const order: Node[] = [];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q]!;
    order.push(graph.nodes[i]!);
    for (const r of readers.get(i) ?? []) if (--indeg[r]! === 0) queue.push(r);
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((_, i) => indeg[i]! > 0).map((n) => `"${n.name}"`);
    throw new ModelFormatError(`the graph has a cycle through node(s) ${stuck.slice(0, 5).join(', ')}`);
  }
  for (const o of graph.outputs)
    if (!producer.has(o) && !known.has(o)) throw new ModelFormatError(`graph output "${o}" is never produced`);
  return order;
}

/** Lists every (op, node) the registry lacks, all at once, before any work. */
export function checkSupported(graph: Graph): void {
  const missing = graph.nodes.filter((n) => !OPS.has(n.op)).map((n) => ({ op: n.op, node: n.name }));
  if (missing.length) throw new UnsupportedOpError(missing);
}

function valueShape(v: Value): Shape {
  return v.shape;
}

/**
 * Binds concrete input shapes (symbolic dims resolved from `inputShapes`), folds every node whose inputs are
 * all constants by running its reference kernel (or whose op computes its outputs from shapes alone, like Shape),
 * and infers the shape of every other edge.
 */
export function resolve(graph: Graph, inputShapes: Record<string, Shape> = {}): ResolvedGraph {
  checkSupported(graph);
  const order = topoSort(graph);
  const shapes = new Map<string, Shape>();
  const constants = new Map<string, Value>(graph.initializers);
  const bound = new Map<string, Shape>();
  for (const inp of graph.inputs) {
    if (constants.has(inp.name)) continue;
    // Own properties only: an input named "constructor" or "__proto__" must not find Object's.
    const given = own(inputShapes, inp.name) ? inputShapes[inp.name] : undefined;
    const decl = inp.shape;
    let shape: number[];
    if (given) {
      if (!Array.isArray(given))
        throw new InputError(`input "${inp.name}": expected a shape (array of dimensions), got ${String(given)}`);
      if (given.length !== decl.length)
        throw new InputError(`input "${inp.name}": expected rank ${decl.length} ${declStr(decl)}, got ${shapeStr(given)}`);
      decl.forEach((d, i) => {
        if (typeof d === 'number' && d > 0 && d !== given[i])
          throw new InputError(`input "${inp.name}": expected shape ${declStr(decl)}, got ${shapeStr(given)}`);
      });
      shape = [...given];
    } else {
      if (decl.some((d) => typeof d !== 'number' || d <= 0))
        throw new InputError(`input "${inp.name}" has symbolic shape ${declStr(decl)}; pass a concrete shape`);
      shape = decl as number[];
    }
    if (shape.some((d) => !Number.isInteger(d) || d <= 0))
      throw new InputError(`input "${inp.name}": every dimension must be a positive integer, got ${shapeStr(shape)}`);
    if (sizeOf(shape) > MAX_ELEMENTS)
      throw new InputError(`input "${inp.name}": shape ${shapeStr(shape)} has more than ${MAX_ELEMENTS} elements`);
    shapes.set(inp.name, shape);
    bound.set(inp.name, shape);
  }
  for (const name of Object.keys(inputShapes))
    if (!bound.has(name))
      throw new InputError(`unknown input "${name}"; the model's inputs are ${[...bound.keys()].map((n) => `"${n}"`).join(', ')}`);
  for (const [k, v] of constants) shapes.set(k, valueShape(v));

  const nodes: ResolvedNode[] = [];
  for (const node of order) {
    const def = OPS.get(node.op)!;
    const inShapes = node.inputs.map((i) => (i === '' ? undefined : shapes.get(i)));
    const consts = node.inputs.map((i) => (i === '' ? undefined : constants.get(i)));
    const ctx = new NodeCtx(node, inShapes, consts, graph.opset);
    const attrs = def.parse(ctx);
    const outShapes = def.outputShapes(ctx, attrs);
    // By position: outputs ['', 'y'] of a one-output op name a second output that does not exist.
    if (node.outputs.some((o, k) => o !== '' && k >= outShapes.length))
      throw ctx.error(`produces ${outShapes.length} output(s) but the node names ${node.outputs.length}`);
    for (const s of outShapes) {
      if (s.some((d) => !Number.isInteger(d) || d < 0)) throw ctx.error(`invalid output shape ${shapeStr(s)}`);
      if (sizeOf(s) > MAX_ELEMENTS)
        throw ctx.error(`output shape ${shapeStr(s)} has ${sizeOf(s)} elements, above the limit of ${MAX_ELEMENTS}`);
    }
    const constElements = consts.reduce((n, c) => n + (c ? sizeOf(c.shape) : 0), 0);
    const foldable = outShapes.every((s) => sizeOf(s) <= Math.max(MAX_FOLD_ELEMENTS, constElements));
    const allConst = foldable && node.inputs.every((i, k) => i === '' || consts[k] !== undefined);
    const out =
      def.foldFromShapes?.(ctx, attrs) ??
      (allConst ? runKernel(node, () => def.reference(consts.map((c) => c ?? EMPTY_VALUE), attrs)) : undefined);
    if (out) {
      node.outputs.forEach((o, k) => {
        if (o === '') return;
        constants.set(o, out[k]!);
        shapes.set(o, out[k]!.shape);
      });
      continue;
    }
    node.outputs.forEach((o, k) => o !== '' && shapes.set(o, outShapes[k]!));
    const realShapes = inShapes.map((s) => s ?? []);
    const cost = def.cost?.(realShapes, outShapes, attrs) ?? { params: 0, macs: 0 };
    nodes.push({ node, def, attrs, inputShapes: realShapes, outputShapes: outShapes, cost });
  }
  return { graph, inputShapes: bound, nodes, constants, shapes };
}

/**
 * Runs one kernel call for `node`. Kernels throw RangeError for data-dependent faults (a Gather index out of range,
 * integer division by zero) that shape inference cannot see; those become a ShapeError naming the node and op.
 */
export function runKernel<T>(node: Node, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) {
      const err = new ShapeError(node.name, node.op, e.message);
      (err as Error & { cause?: unknown }).cause = e;
      throw err;
    }
    throw e;
  }
}

/** Stands in for an omitted optional input ('' in node.inputs) when kernels are called. */
export const EMPTY_VALUE: Value = { shape: [0], data: new Float32Array(0) };

function declStr(d: readonly (number | string)[]): string {
  return `[${d.join(', ')}]`;
}
