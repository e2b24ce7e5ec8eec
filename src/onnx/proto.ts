import { PbfReader } from 'pbf';
import { ModelFormatError } from '../errors.js';
import {
  AttributeProtoAttributeType,
  readModelProto,
  TensorProtoDataType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type TensorShapeProtoDimension,
  type TypeProto,
  type ValueInfoProto,
} from './onnx-proto.js';

// Readers generated from onnx.proto by scripts/gen-onnx-proto.mjs (pbf's compiler): only pbf's reader at run time.
// The writers are their own module (proto-encode.ts), which an app that only loads models does not bundle.
// Decoded messages carry every field: proto2 defaults where absent (0, '', [], undefined for bytes and messages),
// the .proto's snake_case names, int64 as numbers (exact below 2^53, correctly rounded beyond: INT64_MAX is 2^63),
// and a oneof's member name in its own field (TensorShapeProto.Dimension: `value` is 'dim_value' or 'dim_param').

/** TensorProto.DataType values (onnx.proto). */
export const DataType = TensorProtoDataType;
/** AttributeProto.AttributeType values (onnx.proto). */
export const AttrType = AttributeProtoAttributeType;

export type ModelProtoMsg = ModelProto;
export type GraphProtoMsg = GraphProto;
export type NodeProtoMsg = NodeProto;
export type AttributeProtoMsg = AttributeProto;
export type TensorProtoMsg = TensorProto;
export type ValueInfoProtoMsg = ValueInfoProto;
export type TypeProtoMsg = TypeProto;
export type DimensionMsg = TensorShapeProtoDimension;

const dataTypeNames = new Map<number, string>(Object.entries(DataType).map(([k, v]) => [v, k]));

/** 'FLOAT', 'STRING', … or `dtype <n>` for values the schema does not name. */
export function dataTypeName(code: number): string {
  return dataTypeNames.get(code) ?? `dtype ${code}`;
}

const attrTypeNames = new Map<number, string>(Object.entries(AttrType).map(([k, v]) => [v, k]));

export function attrTypeName(code: number): string {
  return attrTypeNames.get(code) ?? `attribute type ${code}`;
}

/** protobufjs's default recursion limit, which this decoder kept. */
const MAX_MESSAGE_DEPTH = 100;
const WIRE_TYPES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A malformed byte sequence found by CheckedReader; decodeModelProto adds where. */
class Malformed extends Error {}

/**
 * pbf's reader trusts lengths (a length past the end gives a short view), reads field number 0 as the end of a
 * message and reads a field whatever its wire type. This one checks every length against the message that holds it,
 * rejects invalid tags, wire types that do not match the field, and bounds the nesting. The generated readers call
 * readMessageEnd(name) for each sub-message. A scalar read at the start of a value (pos === _valueStart) is the
 * field's own value, so its wire type is checked there.
 */
class CheckedReader extends PbfReader {
  /** Where each message being read ends, outermost first, and its name. */
  private readonly ends: number[];
  readonly names = ['ModelProto'];
  field = 0;

  constructor(buf: Uint8Array) {
    super(buf);
    this.ends = [this.length];
  }

  readMessageEnd(name: string): number {
    if (this.ends.length >= MAX_MESSAGE_DEPTH) throw new Malformed(`messages are nested more than ${MAX_MESSAGE_DEPTH} deep`);
    const end = this.checkedEnd(`${name} message`);
    this.ends.push(end);
    this.names.push(name);
    return end;
  }

  /** Reads a length prefix; the value it announces must fit in the enclosing message. */
  private checkedEnd(what: string): number {
    if (this.type !== LENGTH_DELIMITED)
      throw new Malformed(`field ${this.field} has wire type ${WIRE_TYPES[this.type]} but holds a ${what} (length-delimited)`);
    const at = this.pos;
    const length = super.readVarint();
    const limit = this.ends[this.ends.length - 1]!;
    if (this.pos + length > limit)
      throw new Malformed(`field ${this.field} at byte ${at} announces a ${what} of ${length} bytes but only ${limit - this.pos} remain in its message`);
    return this.pos + length;
  }

  override nextField(end = this.length): number {
    if (this.pos === this._valueStart) this.skip(this.type);
    if (this.pos >= end) {
      if (this.pos > end) throw new Malformed(`a field runs ${this.pos - end} byte(s) past the end of its message`);
      if (this.ends.length > 1) {
        this.ends.pop();
        this.names.pop();
      }
      return 0;
    }
    const at = this.pos;
    const tag = super.readVarint();
    this.field = tag >>> 3;
    this.type = tag & 7;
    if (this.pos > end) throw new Malformed(`the field tag at byte ${at} runs past the end of its message`);
    if (this.field === 0) throw new Malformed(`invalid field number 0 at byte ${at}`);
    if (this.type === 3 || this.type === 4 || this.type > 5)
      throw new Malformed(`field ${this.field} at byte ${at} has wire type ${this.type}${WIRE_TYPES[this.type] ? ` (${WIRE_TYPES[this.type]}, unsupported)` : ', which does not exist'}`);
    this._valueStart = this.pos;
    return this.field;
  }

  private expectWireType(type: number, what: string): void {
    if (this.pos === this._valueStart && this.type !== type)
      throw new Malformed(`field ${this.field} has wire type ${WIRE_TYPES[this.type]} but holds a ${what} (${WIRE_TYPES[type]})`);
  }

  override readVarint(isSigned?: boolean): number {
    this.expectWireType(VARINT, 'varint');
    return super.readVarint(isSigned);
  }

  override readFloat(): number {
    this.expectWireType(FIXED32, 'float');
    return super.readFloat();
  }

  override readDouble(): number {
    this.expectWireType(FIXED64, 'double');
    return super.readDouble();
  }

  override skip(type: number): void {
    if (type === LENGTH_DELIMITED) this.pos = this.checkedEnd('value');
    else super.skip(type);
  }

  override readBytes(): Uint8Array {
    this.rewindChecked('bytes value');
    return super.readBytes();
  }

  override readString(): string {
    this.rewindChecked('string');
    return super.readString();
  }

  /** Checks the length prefix ahead, for pbf's own readers to read it again (as a length, not a value). */
  private rewindChecked(what: string): void {
    const start = this.pos;
    this.checkedEnd(what);
    this.pos = start;
    this._valueStart = -1;
  }

  /** Wire type of one element of the repeated field being read, and the end of its packed array (-1: one element). */
  private elementType = VARINT;
  private packedEnd = -1;

  override readPackedEnd(): number {
    if (this.type === LENGTH_DELIMITED) return (this.packedEnd = this.checkedEnd('packed array'));
    this.expectWireType(this.elementType, 'repeated scalar');
    this.packedEnd = -1;
    return this.pos + 1;
  }

  /** A packed array must end on an element boundary (pbf reads the element that straddles its end). */
  private packed(elementType: number, read: () => number[]): number[] {
    this.elementType = elementType;
    const arr = read();
    if (this.packedEnd >= 0 && this.pos !== this.packedEnd)
      throw new Malformed(`the packed array of field ${this.field} ends inside an element (${this.pos - this.packedEnd} byte(s) over)`);
    return arr;
  }

  override readPackedVarint(arr?: number[], isSigned?: boolean): number[] {
    return this.packed(VARINT, () => super.readPackedVarint(arr, isSigned));
  }

  override readPackedFloat(arr?: number[]): number[] {
    return this.packed(FIXED32, () => super.readPackedFloat(arr));
  }

  override readPackedDouble(arr?: number[]): number[] {
    return this.packed(FIXED64, () => super.readPackedDouble(arr));
  }
}

/** Decodes an ONNX ModelProto; every malformed input (truncation, bad lengths, tags or wire types, deep nesting) becomes a ModelFormatError. */
export function decodeModelProto(bytes: Uint8Array | ArrayBuffer): ModelProtoMsg {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const reader = new CheckedReader(buf);
  try {
    return readModelProto(reader);
  } catch (e) {
    const n = reader.names;
    const path = n.length > 8 ? [...n.slice(0, 3), `… ${n.length - 6} more …`, ...n.slice(-3)] : n;
    const where = `at byte ${reader.pos} in ${path.join(' > ')}`;
    let reason: string;
    if (e instanceof Malformed) reason = e.message;
    else if (e instanceof RangeError && /call stack/i.test(e.message)) reason = 'messages nested too deeply';
    else if (reader.pos + 8 >= buf.length) reason = `the data ends inside a value (truncated file?): ${errorMessage(e)}`;
    else reason = errorMessage(e);
    throw new ModelFormatError(`not a valid ONNX model (protobuf decoding of ${buf.length} bytes failed ${where}): ${reason}`);
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
