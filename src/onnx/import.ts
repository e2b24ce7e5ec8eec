import { ModelFormatError, UnsupportedOpError } from '../errors.js';
import type { AttrValue, Graph, GraphInput, Node, Value } from '../graph/ir.js';
import { checkSupported } from '../graph/resolve.js';
import {
  AttrType,
  attrTypeName,
  DataType,
  dataTypeName,
  decodeModelProto,
  type AttributeProtoMsg,
  type ModelProtoMsg,
  type ValueInfoProtoMsg,
} from './proto.js';
import { MAX_ELEMENTS, tensorFromProto } from './tensor.js';

export const MIN_OPSET = 7;
export const MAX_OPSET = 18;

export interface LoadOnnxOptions {
  /**
   * Reject ops the engine does not implement (default true). Turn off to inspect a model's structure
   * (e.g. a summary listing what is missing); other-domain ops and graph attributes are rejected regardless.
   */
  checkOps?: boolean;
}

type Unsupported = { op: string; node: string; reason?: string };

/**
 * Decodes an ONNX model (as written by torch.onnx.export, opsets 7–18) into the engine's Graph.
 * Throws ModelFormatError for undecodable or structurally wrong files and one UnsupportedOpError listing
 * every node the engine cannot run.
 */
export function loadOnnx(bytes: Uint8Array | ArrayBuffer, opts: LoadOnnxOptions = {}): Graph {
  const model = decodeModelProto(bytes);
  const g = model.graph;
  if (!g) throw new ModelFormatError('the ONNX model has no graph (ModelProto.graph is missing)');
  const opset = defaultOpset(model);

  if ((g.sparse_initializer?.length ?? 0) > 0)
    throw new ModelFormatError(`graph "${g.name}" has ${g.sparse_initializer.length} sparse initializer(s); sparse tensors are not supported`);
  const initializers = new Map<string, Value>();
  for (const [i, t] of (g.initializer ?? []).entries()) {
    if (!t.name) throw new ModelFormatError(`initializer #${i} has no name`);
    if (initializers.has(t.name)) throw new ModelFormatError(`initializer "${t.name}" is defined twice`);
    initializers.set(t.name, tensorFromProto(t, `initializer "${t.name}"`));
  }

  const inputs: GraphInput[] = [];
  for (const vi of g.input ?? []) if (!initializers.has(vi.name)) inputs.push(graphInput(vi));
  const outputs = (g.output ?? []).map((vi, i) => {
    if (!vi.name) throw new ModelFormatError(`graph output #${i} has no name`);
    return vi.name;
  });

  const unsupported: Unsupported[] = [];
  const nodes: Node[] = (g.node ?? []).map((n, index) => {
    const op = n.op_type ?? '';
    const name = n.name || `${op}_${index}`;
    if (!op) throw new ModelFormatError(`node "${name}" (#${index}) has no op_type`);
    const domain = n.domain ?? '';
    if (domain !== '' && domain !== 'ai.onnx')
      unsupported.push({ op: `${domain}::${op}`, node: name, reason: `only the default ONNX domain is supported` });
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) {
      if (!a.name) throw new ModelFormatError(`node "${name}" (${op}) has an attribute without a name`);
      const v = attrValue(a, op, name, unsupported);
      // defineProperty: a hostile "__proto__" attribute must become a plain entry, not the record's prototype.
      if (v !== undefined) Object.defineProperty(attrs, a.name, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return { name, op, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs };
  });

  const graph: Graph = { name: g.name || 'main', inputs, outputs, nodes, initializers, opset };
  if (opts.checkOps ?? true) {
    try {
      checkSupported(graph);
    } catch (e) {
      if (!(e instanceof UnsupportedOpError)) throw e;
      const listed = new Set(unsupported.map((u) => u.node));
      for (const u of e.unsupported) if (!listed.has(u.node)) unsupported.push(u);
    }
  }
  if (unsupported.length) {
    const order = new Map(nodes.map((n, i) => [n.name, i]));
    unsupported.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
    throw new UnsupportedOpError(unsupported);
  }
  return graph;
}

function defaultOpset(model: ModelProtoMsg): number {
  const entry = (model.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new ModelFormatError('the model declares no opset for the default ONNX domain (opset_import is empty)');
  const v = entry.version;
  if (!(v >= MIN_OPSET && v <= MAX_OPSET))
    throw new ModelFormatError(`the model uses ONNX opset ${v}; supported opsets are ${MIN_OPSET} to ${MAX_OPSET}`);
  return v;
}

function graphInput(vi: ValueInfoProtoMsg): GraphInput {
  const name = vi.name;
  if (!name) throw new ModelFormatError('a graph input has no name');
  const tt = vi.type?.tensor_type;
  if (!tt) throw new ModelFormatError(`graph input "${name}" is not a tensor (its type has no tensor_type)`);
  if (tt.elem_type !== DataType.FLOAT)
    throw new ModelFormatError(`graph input "${name}" has element type ${dataTypeName(tt.elem_type)}; only FLOAT inputs are supported`);
  if (!tt.shape) throw new ModelFormatError(`graph input "${name}" has no shape (unknown rank); the engine needs at least the rank`);
  const shape = (tt.shape.dim ?? []).map((d, i): number | string => {
    if (d.value === 'dim_value') {
      const v = d.dim_value;
      // Some exporters write -1 for "unknown"; treat any negative as unknown rather than failing the load.
      if (v < 0) return '?';
      if (!Number.isInteger(v) || v > MAX_ELEMENTS)
        throw new ModelFormatError(`graph input "${name}": dimension ${i} is ${v}, above the limit of ${MAX_ELEMENTS}`);
      return v;
    }
    if (d.value === 'dim_param' && d.dim_param) return d.dim_param;
    return '?';
  });
  return { name, shape };
}

/** An unset bytes field decodes to undefined. */
function utf8(b: Uint8Array | undefined): string {
  return b ? new TextDecoder().decode(b) : '';
}

/** Converts one attribute; returns undefined (and records why) for kinds the engine cannot represent. */
function attrValue(a: AttributeProtoMsg, op: string, node: string, unsupported: Unsupported[]): AttrValue | undefined {
  const type = a.type || inferAttrType(a);
  const refuse = (kind: string) => {
    unsupported.push({ op, node, reason: `attribute "${a.name}" (${kind}) is not supported` });
    return undefined;
  };
  switch (type) {
    case AttrType.FLOAT:
      return a.f;
    case AttrType.INT:
      return a.i;
    case AttrType.STRING:
      return utf8(a.s);
    case AttrType.TENSOR:
      if (!a.t) throw new ModelFormatError(`node "${node}" (${op}): tensor attribute "${a.name}" has no tensor`);
      return tensorFromProto(a.t, `attribute "${a.name}" of node "${node}" (${op})`);
    case AttrType.FLOATS:
      return [...(a.floats ?? [])];
    case AttrType.INTS:
      return [...(a.ints ?? [])];
    case AttrType.STRINGS:
      return (a.strings ?? []).map(utf8);
    case AttrType.GRAPH:
    case AttrType.GRAPHS:
      return refuse(`${attrTypeName(type)}: subgraphs such as If/Loop/Scan bodies`);
    default:
      return refuse(attrTypeName(type));
  }
}

/**
 * IR version 1 files may leave AttributeProto.type unset; infer it from whichever field is present. Decoded scalars
 * carry no presence, so f or i set to 0 is indistinguishable from absent: such an attribute stays UNDEFINED (refused).
 */
function inferAttrType(a: AttributeProtoMsg): number {
  if (a.g) return AttrType.GRAPH;
  if (a.t) return AttrType.TENSOR;
  if (a.sparse_tensor) return AttrType.SPARSE_TENSOR;
  if (a.graphs?.length) return AttrType.GRAPHS;
  if (a.tensors?.length) return AttrType.TENSORS;
  if (a.floats?.length) return AttrType.FLOATS;
  if (a.ints?.length) return AttrType.INTS;
  if (a.strings?.length) return AttrType.STRINGS;
  if (a.s !== undefined) return AttrType.STRING;
  if (a.f !== 0) return AttrType.FLOAT;
  if (a.i !== 0) return AttrType.INT;
  return AttrType.UNDEFINED;
}
