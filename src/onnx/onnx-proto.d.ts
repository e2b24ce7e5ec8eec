// Types for the generated onnx-proto.js (decode only), limited to what src/onnx/proto.ts uses; its message
// interfaces describe the fields.
interface GeneratedDecoder {
  decode(bytes: Uint8Array): object;
}

export declare const onnx: {
  readonly ModelProto: GeneratedDecoder;
};
