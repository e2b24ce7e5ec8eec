import { onnx } from './onnx-proto-encode.js';
import type { ModelProtoMsg } from './proto.js';

/** Encodes an ONNX ModelProto (a plain object with the fields of proto.ts's message interfaces, or fewer). */
export function encodeModelProto(model: Partial<ModelProtoMsg> | Record<string, unknown>): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
