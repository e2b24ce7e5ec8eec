// Types for the generated onnx-proto.js, limited to what src/onnx/proto.ts uses; its message interfaces describe
// the fields.
interface GeneratedCodec {
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
}

export declare const onnx: {
  readonly ModelProto: GeneratedCodec;
  readonly GraphProto: GeneratedCodec;
  readonly NodeProto: GeneratedCodec;
  readonly TensorProto: GeneratedCodec;
  readonly AttributeProto: GeneratedCodec;
  readonly ValueInfoProto: GeneratedCodec;
};
