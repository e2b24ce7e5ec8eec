import type { AttrValue, Graph, GraphInput, Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import { resolve } from '../graph/resolve.js';
import { AttrType, DataType } from './proto.js';
import { encodeModelProto } from './proto-encode.js';

// Attribute values carry no float/int tag in the IR, so whole numbers under these names are written as FLOAT(S).
const FLOAT_ATTRS = new Set([
  'alpha', 'beta', 'gamma', 'epsilon', 'momentum', 'min', 'max', 'ratio', 'bias', 'lambd', 'threshold',
  'mean', 'scale', 'seed', 'high', 'low', 'value_float', 'extrapolation_value', 'cubic_coeff_a',
]);
const FLOATS_ATTRS = new Set(['scales', 'value_floats']);

/** IR version matching each opset (onnx.helper.VERSION_TABLE), so other runtimes accept the file. */
function irVersionFor(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  return 8;
}

/** int64 for the protobuf writer, clamped to int64 (proto-encode.ts writes 2^63, INT64_MAX's nearest number, as INT64_MAX). */
function int64Out(n: number): number {
  return Number.isSafeInteger(n) ? n : Number(clampInt64(n));
}

function clampInt64(n: number): bigint {
  if (Number.isNaN(n)) return 0n;
  if (n >= 2 ** 63) return 2n ** 63n - 1n;
  if (n <= -(2 ** 63)) return -(2n ** 63n);
  return BigInt(Math.trunc(n));
}

function tensorProto(name: string, v: Value) {
  if (isInt(v)) {
    const raw = new Uint8Array(v.ints.length * 8);
    const view = new DataView(raw.buffer);
    v.ints.forEach((x, i) => view.setBigInt64(i * 8, clampInt64(x), true));
    return { name, dims: v.shape.map(int64Out), data_type: DataType.INT64, raw_data: raw };
  }
  const raw = new Uint8Array(v.data.length * 4);
  const view = new DataView(raw.buffer);
  v.data.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return { name, dims: v.shape.map(int64Out), data_type: DataType.FLOAT, raw_data: raw };
}

function attributeProto(name: string, v: AttrValue) {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || FLOAT_ATTRS.has(name)) return { name, type: AttrType.FLOAT, f: v };
    return { name, type: AttrType.INT, i: int64Out(v) };
  }
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === 'string'))
      return { name, type: AttrType.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    const nums = v as number[];
    if (FLOATS_ATTRS.has(name) || nums.some((x) => !Number.isInteger(x))) return { name, type: AttrType.FLOATS, floats: nums };
    return { name, type: AttrType.INTS, ints: nums.map(int64Out) };
  }
  return { name, type: AttrType.TENSOR, t: tensorProto('', v) };
}

function dim(d: number | string) {
  if (typeof d === 'number') return { dim_value: int64Out(d) };
  return d === '?' ? {} : { dim_param: d };
}

function valueInfo(name: string, shape: readonly (number | string)[] | undefined, elemType: number = DataType.FLOAT) {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, ...(shape ? { shape: { dim: shape.map(dim) } } : {}) } },
  };
}

/**
 * Output shapes for the graph's ValueInfos (the ONNX checker requires one). Shapes are inferred twice with every
 * symbolic input dim bound to 2 and then 3: dims that agree are fixed, dims that follow a lone symbol keep its name,
 * the rest are unknown. Undefined when the graph cannot be resolved with such bindings.
 */
function inferOutputShapes(graph: Graph): Map<string, (number | string)[]> | undefined {
  const free = graph.inputs.filter((i) => !graph.initializers.has(i.name));
  const symbols = new Set(free.flatMap((i) => i.shape.filter((d) => typeof d !== 'number' || d <= 0)));
  const run = (v: number) => {
    const shapes = Object.fromEntries(free.map((i) => [i.name, i.shape.map((d) => (typeof d === 'number' && d > 0 ? d : v))]));
    const shapesOf = resolve(graph, shapes).shapes;
    return graph.outputs.map((o) => shapesOf.get(o));
  };
  try {
    const a = run(2);
    const b = symbols.size ? run(3) : a;
    const symbol = symbols.size === 1 ? [...symbols][0] : undefined;
    const out = new Map<string, (number | string)[]>();
    graph.outputs.forEach((o, k) => {
      const sa = a[k];
      const sb = b[k];
      if (!sa || !sb || sa.length !== sb.length) return;
      out.set(o, sa.map((d, i) => (d === sb[i] ? d : d === 2 && sb[i] === 3 && typeof symbol === 'string' ? symbol : '?')));
    });
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Serialises a Graph as an ONNX ModelProto (default domain, the graph's opset). Float initializers are written as
 * little-endian raw_data; integer constants as INT64. Below opset 9 initializers are also listed as graph inputs,
 * as IR version 3 requires.
 */
export function encodeOnnx(graph: Graph): Uint8Array {
  const initializer = [...graph.initializers].map(([name, v]) => tensorProto(name, v));
  const input = graph.inputs.map((i: GraphInput) => valueInfo(i.name, i.shape));
  if (graph.opset < 9)
    for (const [name, v] of graph.initializers)
      if (!graph.inputs.some((i) => i.name === name)) input.push(valueInfo(name, v.shape, isInt(v) ? DataType.INT64 : DataType.FLOAT));
  const outShapes = inferOutputShapes(graph);
  const model = {
    ir_version: irVersionFor(graph.opset),
    producer_name: 'sepconv',
    opset_import: [{ domain: '', version: graph.opset }],
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) => ({
        name: n.name,
        op_type: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => attributeProto(k, v)),
      })),
      initializer,
      input,
      output: graph.outputs.map((o) => valueInfo(o, outShapes?.get(o))),
    },
  };
  const bytes = encodeModelProto(model);
  // The writer returns a view of its larger, growing buffer; hand back a standalone array.
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}
