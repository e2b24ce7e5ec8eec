import { PbfWriter } from 'pbf';
import { writeModelProto } from './onnx-proto-encode.js';
import type { ModelProtoMsg } from './proto.js';

/** INT64_MAX as a 10-byte varint; 2^63 (what INT64_MAX reads back as) would wrap to INT64_MIN. */
const INT64_MAX_VARINT = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];

/** Clamps varints to int64: values at or above 2^63 are written as INT64_MAX (no field written here is uint64). */
class Int64Writer extends PbfWriter {
  override writeVarint(val: number): void {
    if (!(val >= 2 ** 63)) return super.writeVarint(val);
    this.realloc(INT64_MAX_VARINT.length);
    this.buf.set(INT64_MAX_VARINT, this.pos);
    this.pos += INT64_MAX_VARINT.length;
  }

  /** pbf writes non-negative packed values inline, past writeVarint: arrays that need the clamp take the slow path. */
  override writePackedVarint(tag: number, arr: number[]): void {
    if (arr.some((v) => v >= 2 ** 63)) this.writeMessage(tag, writeEach, arr);
    else super.writePackedVarint(tag, arr);
  }
}

function writeEach(arr: number[], writer: PbfWriter): void {
  for (const v of arr) writer.writeVarint(v);
}

type DeepPartial<T> = T extends Uint8Array ? T : T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> | null } : T;

/** Encodes an ONNX ModelProto (a plain object with any subset of the fields of proto.ts's message types). */
export function encodeModelProto(model: DeepPartial<ModelProtoMsg>): Uint8Array {
  const writer = new Int64Writer();
  writeModelProto(model as never, writer);
  return writer.finish();
}
