import { ModelFormatError } from '../errors.js';
import { onnx } from './onnx-proto.js';

// Static code generated from onnx.proto by scripts/gen-onnx-proto.mjs, running on pb-reader.ts. The encoder is its
// own module (proto-encode.ts), which an app that only loads models does not bundle.
const ModelProto = onnx.ModelProto;

/** int64 fields decode as numbers (pb-reader.ts); long.js Longs (protobufjs's own decoding) are taken too. */
export type Int64 = number | { low: number; high: number; unsigned?: boolean; toNumber(): number };

/** TensorProto.DataType values (onnx.proto). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

const dataTypeNames = new Map<number, string>(Object.entries(DataType).map(([k, v]) => [v, k]));

/** 'FLOAT', 'STRING', … or `dtype <n>` for values the schema does not name. */
export function dataTypeName(code: number): string {
  return dataTypeNames.get(code) ?? `dtype ${code}`;
}

/** AttributeProto.AttributeType values (onnx.proto). */
export const AttrType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  SPARSE_TENSOR: 11,
  TYPE_PROTO: 13,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSORS: 12,
  TYPE_PROTOS: 14,
} as const;

const attrTypeNames = new Map<number, string>(Object.entries(AttrType).map(([k, v]) => [v, k]));

export function attrTypeName(code: number): string {
  return attrTypeNames.get(code) ?? `attribute type ${code}`;
}

// The fields this project reads or writes; decoded messages carry proto2 defaults on their prototypes.

export interface TensorProtoMsg {
  dims: Int64[];
  data_type: number;
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: Int64[];
  name: string;
  raw_data: Uint8Array;
  double_data: number[];
  uint64_data: Int64[];
  data_location: number;
  external_data: { key: string; value: string }[];
  segment?: unknown;
}

export interface AttributeProtoMsg {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: TensorProtoMsg | null;
  g?: GraphProtoMsg | null;
  sparse_tensor?: unknown;
  tp?: unknown;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProtoMsg[];
  graphs: GraphProtoMsg[];
  sparse_tensors: unknown[];
  type_protos: unknown[];
  ref_attr_name: string;
}

export interface NodeProtoMsg {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: AttributeProtoMsg[];
}

export interface DimensionMsg {
  dim_value?: Int64 | null;
  dim_param?: string | null;
}

export interface TypeProtoMsg {
  tensor_type?: { elem_type: number; shape?: { dim: DimensionMsg[] } | null } | null;
}

export interface ValueInfoProtoMsg {
  name: string;
  type?: TypeProtoMsg | null;
}

export interface GraphProtoMsg {
  node: NodeProtoMsg[];
  name: string;
  initializer: TensorProtoMsg[];
  sparse_initializer: unknown[];
  input: ValueInfoProtoMsg[];
  output: ValueInfoProtoMsg[];
}

export interface OperatorSetIdMsg {
  domain: string;
  version: Int64;
}

export interface ModelProtoMsg {
  ir_version: Int64;
  opset_import: OperatorSetIdMsg[];
  producer_name: string;
  graph?: GraphProtoMsg | null;
}

/** Exact for |v| < 2^53, correctly rounded beyond (INT64_MAX becomes 2^63). */
export function int64ToNumber(v: Int64 | string | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(BigInt(v));
  const hi = BigInt(v.high | 0);
  const lo = BigInt(v.low >>> 0);
  const bits = (hi << 32n) | lo;
  return Number(v.unsigned ? BigInt.asUintN(64, bits) : BigInt.asIntN(64, bits));
}

/** Decodes an ONNX ModelProto; every failure (truncation, bad wire type, deep nesting) becomes a ModelFormatError. */
export function decodeModelProto(bytes: Uint8Array | ArrayBuffer): ModelProtoMsg {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  try {
    return ModelProto.decode(buf) as unknown as ModelProtoMsg;
  } catch (e) {
    const reason = e instanceof RangeError && /call stack/i.test(e.message) ? 'messages nested too deeply' : errorMessage(e);
    throw new ModelFormatError(`not a valid ONNX model (protobuf decoding of ${buf.length} bytes failed): ${reason}`);
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
