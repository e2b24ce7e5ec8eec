// Types for the generated onnx-proto-encode.js (encode only), limited to what src/onnx/export.ts uses.
interface GeneratedEncoder {
  /** Takes a message or a plain object with its fields. */
  encode(message: object): { finish(): Uint8Array };
}

export declare const onnx: {
  readonly ModelProto: GeneratedEncoder;
};
