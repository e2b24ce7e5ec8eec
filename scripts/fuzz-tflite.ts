/**
 * .tflite loader fuzzer. Mutates small TFLite models written here with the generated object API (every op
 * family the importer lowers, the custom Convolution2DTransposeBias, float16 and int8 constants behind
 * DEQUANTIZE, full-integer int8 and uint8 models, sparse constants behind DENSIFY, MediaPipe's four custom ops) and MediaPipe's face_detection_short_range.tflite: structural edits on the unpacked model (dims
 * absurd, negative or overflowing, wrong tensor types, buffers swapped, short or long, tensor indices out of range,
 * ops reordered, duplicated, deleted or rewired into cycles, opcode and options-type confusion, option values
 * out of range, short custom options, hostile names, broken quantization, quantization parameters at edge values,
 * sparsity blocks rewritten: traversal order, block map, level formats and sizes, CSR segments and indices,
 * MediaPipe custom ops' flexbuffer options retyped, pushed to edge values, rewritten at byte widths 1–8, cut
 * short or flipped) and
 * byte-level ones after packing
 * (bit flips, truncation, insertions, offsets overwritten). Every case must end in a Graph that resolves and
 * runs on the CPU, or in a SepconvError, within a time bound and without unjustified memory growth.
 *
 *   FUZZ_CASES=10000 npx vitest run test/tflite-fuzz.test.ts     (npm run fuzz runs it beside the ONNX fuzzer)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTflite } from '../src/tflite/import.js';
import {
  ActivationFunctionType as Act,
  AddOptionsT,
  BatchMatMulOptionsT,
  BuiltinOperator as Op,
  BuiltinOptions,
  ConcatenationOptionsT,
  Conv2DOptionsT,
  DepthwiseConv2DOptionsT,
  FullyConnectedOptionsT,
  DimensionType,
  GatherOptionsT,
  Int32VectorT,
  MulOptionsT,
  OperatorCodeT,
  OperatorT,
  Padding,
  Pool2DOptionsT,
  QuantizationParametersT,
  ReducerOptionsT,
  ReshapeOptionsT,
  ResizeBilinearOptionsT,
  SoftmaxOptionsT,
  SparseIndexVector,
  SplitOptionsT,
  StridedSliceOptionsT,
  SubGraphT,
  TensorT,
  TensorType,
  TransposeConvOptionsT,
  Uint16VectorT,
  Uint8VectorT,
  type ModelT,
} from '../src/tflite/schema/tflite_generated.js';
import { encode } from 'flatbuffers/mjs/flexbuffers.js';
import { readFlexbuffer, type FlexValue } from '../src/tflite/flexbuffer.js';
import { flexMap } from '../test/support/flexbuffer.js';
import { buildTflite, f16, f32, i32, i8, pack, sparsify, unpack, type ModelSpec } from '../test/support/tflite-build.js';
import { int8MobileNet, uint8Io } from '../test/support/tflite-quant-models.js';
import { applyByteMutators, BYTE_MUTATORS, int, pick, DEFAULT_BUDGET, fuzz, rng, runImportedCase, type CaseResult, type FuzzOptions, type FuzzReport, type RunBudget, type Seed } from './fuzz-onnx.js';

type Rand = () => number;

function values(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => r() - 0.5);
}

// ---------------------------------------------------------------------------------------------------- seeds

/** conv (float16 weights behind DEQUANTIZE) → depthwise+relu6 → pad → max pool → add → reshape. */
function convNet(): ModelSpec {
  return {
    tensors: [
      { name: 'input', shape: [1, 8, 8, 3] },
      { name: 'w16', shape: [4, 3, 3, 3], type: TensorType.FLOAT16, data: f16(values(108, 1)) },
      { name: 'w', shape: [4, 3, 3, 3] },
      { name: 'b', shape: [4], data: f32(values(4, 2)) },
      { name: 'conv', shape: [1, 4, 4, 4] },
      { name: 'dw_w', shape: [1, 3, 3, 4], data: f32(values(36, 3)) },
      { name: 'dw_b', shape: [4], data: f32(values(4, 4)) },
      { name: 'dw', shape: [1, 4, 4, 4] },
      { name: 'pads', shape: [4, 2], type: TensorType.INT32, data: i32([0, 0, 0, 0, 0, 0, 0, 4]) },
      { name: 'padded', shape: [1, 4, 4, 8] },
      { name: 'pool', shape: [1, 2, 2, 8] },
      { name: 'pool2', shape: [1, 2, 2, 8] },
      { name: 'sum', shape: [1, 2, 2, 8] },
      { name: 'shape', shape: [3], type: TensorType.INT32, data: i32([1, 4, 8]) },
      { name: 'out', shape: [1, 4, 8] },
    ],
    ops: [
      { op: Op.DEQUANTIZE, inputs: [1], outputs: [2] },
      { op: Op.CONV_2D, inputs: [0, 2, 3], outputs: [4], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.SAME, 2, 2, Act.RELU) },
      { op: Op.DEPTHWISE_CONV_2D, inputs: [4, 5, 6], outputs: [7], optionsType: BuiltinOptions.DepthwiseConv2DOptions, options: new DepthwiseConv2DOptionsT(Padding.SAME, 1, 1, 1, Act.RELU6) },
      { op: Op.PAD, inputs: [7, 8], outputs: [9] },
      { op: Op.MAX_POOL_2D, inputs: [9], outputs: [10], optionsType: BuiltinOptions.Pool2DOptions, options: new Pool2DOptionsT(Padding.VALID, 2, 2, 2, 2) },
      { op: Op.AVERAGE_POOL_2D, inputs: [9], outputs: [11], optionsType: BuiltinOptions.Pool2DOptions, options: new Pool2DOptionsT(Padding.SAME, 2, 2, 3, 3) },
      { op: Op.ADD, inputs: [10, 11], outputs: [12], optionsType: BuiltinOptions.AddOptions, options: new AddOptionsT(Act.NONE) },
      { op: Op.RESHAPE, inputs: [12, 13], outputs: [14], optionsType: BuiltinOptions.ReshapeOptions, options: new ReshapeOptionsT([1, 4, 8]) },
    ],
    inputs: [0],
    outputs: [14],
  };
}

/** The selfie models' head: hard-swish, resize, custom transposed conv, mul, concat, sigmoid, mean. */
function segNet(): ModelSpec {
  return {
    tensors: [
      { name: 'input_1', shape: [1, 4, 6, 2] },
      { name: 'hs', shape: [1, 4, 6, 2] },
      { name: 'size', shape: [2], type: TensorType.INT32, data: i32([8, 12]) },
      { name: 'up', shape: [1, 8, 12, 2] },
      { name: 'tw', shape: [2, 2, 2, 2], data: f32(values(16, 5)) },
      { name: 'tb', shape: [2], data: f32(values(2, 6)) },
      { name: 'tc', shape: [1, 8, 12, 2] },
      { name: 'axes', shape: [2], type: TensorType.INT32, data: i32([1, 2]) },
      { name: 'gap', shape: [1, 1, 1, 2] },
      { name: 'gate', shape: [1, 1, 1, 2] },
      { name: 'scaled', shape: [1, 4, 6, 2] },
      { name: 'cat', shape: [1, 4, 6, 4] },
      { name: 'segment', shape: [1, 8, 12, 2] },
    ],
    ops: [
      { op: Op.HARD_SWISH, inputs: [0], outputs: [1] },
      { op: Op.RESIZE_BILINEAR, inputs: [1, 2], outputs: [3], optionsType: BuiltinOptions.ResizeBilinearOptions, options: new ResizeBilinearOptionsT(false, true) },
      { op: 'Convolution2DTransposeBias', inputs: [0, 4, 5], outputs: [6], custom: i32([1, 2, 2]) },
      { op: Op.MEAN, inputs: [1, 7], outputs: [8], optionsType: BuiltinOptions.ReducerOptions, options: new ReducerOptionsT(true) },
      { op: Op.LOGISTIC, inputs: [8], outputs: [9] },
      { op: Op.MUL, inputs: [1, 9], outputs: [10], optionsType: BuiltinOptions.MulOptions, options: new MulOptionsT(Act.NONE) },
      { op: Op.CONCATENATION, inputs: [10, 1], outputs: [11], optionsType: BuiltinOptions.ConcatenationOptions, options: new ConcatenationOptionsT(3, Act.NONE) },
      { op: Op.ADD, inputs: [6, 3], outputs: [12], optionsType: BuiltinOptions.AddOptions, options: new AddOptionsT(Act.RELU) },
    ],
    inputs: [0],
    outputs: [12, 11],
  };
}

/** int8 per-channel weights, TRANSPOSE_CONV, FULLY_CONNECTED, SOFTMAX, PRELU. */
function miscNet(): ModelSpec {
  return {
    tensors: [
      { name: 'x', shape: [1, 3, 3, 2] },
      { name: 'os', shape: [4], type: TensorType.INT32, data: i32([1, 6, 6, 2]) },
      { name: 'tw8', shape: [2, 3, 3, 2], type: TensorType.INT8, data: i8(values(36, 7).map((v) => Math.round(v * 200))), quant: { scale: [0.01, 0.02], zeroPoint: [0, 1], dimension: 0 } },
      { name: 'tw', shape: [2, 3, 3, 2] },
      { name: 'up', shape: [1, 6, 6, 2] },
      { name: 'alpha', shape: [1, 1, 2], data: f32([0.1, 0.3]) },
      { name: 'pr', shape: [1, 6, 6, 2] },
      { name: 'fw', shape: [5, 72], data: f32(values(360, 8)) },
      { name: 'fb', shape: [5], data: f32(values(5, 9)) },
      { name: 'fc', shape: [1, 5] },
      { name: 'prob', shape: [1, 5] },
    ],
    ops: [
      { op: Op.DEQUANTIZE, inputs: [2], outputs: [3] },
      { op: Op.TRANSPOSE_CONV, inputs: [1, 3, 0], outputs: [4], optionsType: BuiltinOptions.TransposeConvOptions, options: new TransposeConvOptionsT(Padding.SAME, 2, 2) },
      { op: Op.PRELU, inputs: [4, 5], outputs: [6] },
      { op: Op.FULLY_CONNECTED, inputs: [6, 7, 8], outputs: [9], optionsType: BuiltinOptions.FullyConnectedOptions, options: new FullyConnectedOptionsT(Act.TANH) },
      { op: Op.SOFTMAX, inputs: [9], outputs: [10], optionsType: BuiltinOptions.SoftmaxOptions, options: new SoftmaxOptionsT(1) },
    ],
    inputs: [0],
    outputs: [10],
  };
}

/** Half-zero values, so CSR levels skip entries. */
const pruned = (n: number, seed: number) => values(n, seed).map((v, i) => (i % 3 === 1 ? 0 : v));

/**
 * Sparse constants behind DENSIFY (float16 CSR conv weights, float32 1×2-block-sparse FC weights), then the
 * slicing and matrix builtins: STRIDED_SLICE, SPLIT, GATHER, BATCH_MATMUL.
 */
function sparseNet(): ModelSpec {
  const cw = sparsify(pruned(4 * 2 * 2 * 3, 10), [4, 2, 2, 3], { traversalOrder: [0, 1, 2, 3], csr: [false, true, false, false] });
  const fw = sparsify(pruned(6 * 8, 11), [6, 8], { traversalOrder: [0, 1, 2], blockMap: [1], blockSizes: [2], csr: [false, true, false], index: SparseIndexVector.Uint8Vector });
  return {
    tensors: [
      { name: 'x', shape: [1, 5, 5, 3] },
      { name: 'cw_sparse', shape: [4, 2, 2, 3], type: TensorType.FLOAT16, data: f16(cw.values), sparsity: cw.sparsity },
      { name: 'cw16', shape: [4, 2, 2, 3], type: TensorType.FLOAT16 },
      { name: 'cw', shape: [4, 2, 2, 3] },
      { name: 'conv', shape: [1, 4, 4, 4] },
      { name: 'begin', shape: [4], type: TensorType.INT32, data: i32([0, 0, 1, 0]) },
      { name: 'end', shape: [4], type: TensorType.INT32, data: i32([1, 4, 4, 4]) },
      { name: 'strides', shape: [4], type: TensorType.INT32, data: i32([1, 2, 1, 1]) },
      { name: 'sliced', shape: [2, 3, 4] },
      { name: 'axis', shape: [], type: TensorType.INT32, data: i32([2]) },
      { name: 'half0', shape: [2, 3, 2] },
      { name: 'half1', shape: [2, 3, 2] },
      { name: 'idx', shape: [2], type: TensorType.INT32, data: i32([2, 0]) },
      { name: 'picked', shape: [2, 2, 2] },
      { name: 'mm', shape: [2, 3, 2] },
      { name: 'fw_sparse', shape: [6, 8], data: f32(fw.values), sparsity: fw.sparsity },
      { name: 'fw', shape: [6, 8] },
      { name: 'flat', shape: [2, 6] },
      { name: 'fc', shape: [2, 8] },
      { name: 'fshape', shape: [2], type: TensorType.INT32, data: i32([2, 6]) },
    ],
    ops: [
      { op: Op.DENSIFY, inputs: [1], outputs: [2] },
      { op: Op.DEQUANTIZE, inputs: [2], outputs: [3] },
      { op: Op.CONV_2D, inputs: [0, 3, -1], outputs: [4], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.VALID, 1, 1, Act.NONE) },
      { op: Op.STRIDED_SLICE, inputs: [4, 5, 6, 7], outputs: [8], optionsType: BuiltinOptions.StridedSliceOptions, options: new StridedSliceOptionsT(0, 0, 0, 0, 1) },
      { op: Op.SPLIT, inputs: [9, 8], outputs: [10, 11], optionsType: BuiltinOptions.SplitOptions, options: new SplitOptionsT(2) },
      { op: Op.GATHER, inputs: [11, 12], outputs: [13], optionsType: BuiltinOptions.GatherOptions, options: new GatherOptionsT(1, 0) },
      { op: Op.BATCH_MATMUL, inputs: [10, 13], outputs: [14], optionsType: BuiltinOptions.BatchMatMulOptions, options: new BatchMatMulOptionsT(false, false) },
      { op: Op.DENSIFY, inputs: [15], outputs: [16] },
      { op: Op.RESHAPE, inputs: [14, 19], outputs: [17], optionsType: BuiltinOptions.ReshapeOptions, options: new ReshapeOptionsT([2, 6]) },
      { op: Op.BATCH_MATMUL, inputs: [17, 16], outputs: [18], optionsType: BuiltinOptions.BatchMatMulOptions, options: new BatchMatMulOptionsT(false, false) },
    ],
    inputs: [0],
    outputs: [18],
  };
}

/**
 * MediaPipe's custom ops of the attention face mesh: Landmarks2TransformMatrix (flexbuffer options at byte width
 * 8), TransformTensorBilinear, TransformLandmarks (version 2) and Convolution2DTransposeBias on the crop.
 */
function mediapipeNet(): ModelSpec {
  return {
    tensors: [
      { name: 'landmarks', shape: [1, 6, 3] },
      { name: 'image', shape: [1, 8, 8, 2] },
      { name: 'matrix', shape: [1, 4, 4] },
      { name: 'crop', shape: [1, 4, 4, 2] },
      { name: 'moved', shape: [1, 6, 3] },
      { name: 'tw', shape: [2, 2, 2, 2], data: f32(values(16, 12)) },
      { name: 'tb', shape: [2], data: f32(values(2, 13)) },
      { name: 'up', shape: [1, 8, 8, 2] },
    ],
    ops: [
      {
        op: 'Landmarks2TransformMatrix', inputs: [0], outputs: [2], version: 2,
        custom: flexMap({ left_rotation_idx: 0, right_rotation_idx: 3, output_width: 4, output_height: 4, scale_x: { float: 1.5 }, scale_y: { float: 1.25 }, target_rotation_radians: { float: 0.25 }, subset_idxs: [0, 1, 2, 3, 4, 5] }, 8),
      },
      { op: 'TransformTensorBilinear', inputs: [1, 2], outputs: [3], version: 2, custom: encode({ output_height: 4, output_width: 4 }) },
      { op: 'TransformLandmarks', inputs: [0, 2], outputs: [4], version: 2 },
      { op: 'Convolution2DTransposeBias', inputs: [3, 5, 6], outputs: [7], custom: i32([1, 2, 2]) },
    ],
    inputs: [0, 1],
    outputs: [7, 4],
  };
}

export const FACE_SHORT = 'node_modules/@mediapipe/face_detection/face_detection_short_range.tflite';

/** The seed models, smallest first; the real MediaPipe model joins when `withReal`. */
export function tfliteSeeds(root: string, withReal = true): Seed[] {
  const seeds: Seed[] = [
    { name: 'conv-net', bytes: buildTflite(convNet()) },
    { name: 'seg-net', bytes: buildTflite(segNet()) },
    { name: 'misc-net', bytes: buildTflite(miscNet()) },
    { name: 'int8-net', bytes: buildTflite(int8MobileNet()) },
    { name: 'uint8-io', bytes: buildTflite(uint8Io()) },
    { name: 'sparse-net', bytes: buildTflite(sparseNet()) },
    { name: 'mediapipe-net', bytes: buildTflite(mediapipeNet()) },
  ];
  if (withReal) seeds.push({ name: 'face_detection_short_range', bytes: new Uint8Array(readFileSync(join(root, FACE_SHORT))) });
  return seeds.sort((a, b) => a.bytes.length - b.bytes.length);
}

// ---------------------------------------------------------------------------------------- structural mutators

const MEDIAPIPE_OPS = ['Convolution2DTransposeBias', 'TransformLandmarks', 'TransformTensorBilinear', 'Landmarks2TransformMatrix'];
const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ', 'x'.repeat(300), '\u0000', 'é∑', 'input'];
const EXTREME = [0, -1, -2, 1, 2, 3, 7, 255, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 20];
const extreme = (r: Rand) => (r() < 0.3 ? int(r, 9) - 2 : pick(r, EXTREME));

type StructMutator = (m: ModelT, r: Rand) => void;
const sg = (m: ModelT): SubGraphT => m.subgraphs[0] ?? (m.subgraphs[0] = new SubGraphT());
const tensor = (m: ModelT, r: Rand): TensorT | undefined => (sg(m).tensors.length ? pick(r, sg(m).tensors) : undefined);
const operator = (m: ModelT, r: Rand): OperatorT | undefined => (sg(m).operators.length ? pick(r, sg(m).operators) : undefined);
const tensorIndex = (m: ModelT, r: Rand) => (r() < 0.75 ? int(r, sg(m).tensors.length) : pick(r, [-1, -7, sg(m).tensors.length, 2 ** 31 - 1]));

const STRUCT_MUTATORS: Record<string, StructMutator> = {
  dim(m, r) {
    const t = tensor(m, r);
    if (!t) return;
    if (r() < 0.2) t.shape.push(extreme(r));
    else if (r() < 0.2) t.shape.pop();
    else if (t.shape.length) t.shape[int(r, t.shape.length)] = extreme(r);
  },
  tensorType(m, r) {
    const t = tensor(m, r);
    if (t) t.type = int(r, 21) as TensorType;
  },
  tensorBuffer(m, r) {
    const t = tensor(m, r);
    if (t) t.buffer = r() < 0.7 ? int(r, m.buffers.length) : pick(r, [m.buffers.length, 2 ** 31 - 1, 4294967295]);
  },
  bufferData(m, r) {
    const b = m.buffers.length > 1 ? m.buffers[1 + int(r, m.buffers.length - 1)]! : undefined;
    if (!b) return;
    if (r() < 0.5) b.data = b.data.slice(0, int(r, b.data.length + 1));
    else b.data = [...b.data, ...Array.from({ length: 1 + int(r, 64) }, () => int(r, 256))];
  },
  externalBuffer(m, r) {
    const b = m.buffers.length > 1 ? m.buffers[1 + int(r, m.buffers.length - 1)]! : undefined;
    if (!b) return;
    b.data = [];
    b.offset = BigInt(pick(r, [1, 8, 1e6, 2 ** 40]));
    b.size = BigInt(pick(r, [4, 1e9, 2 ** 62]));
  },
  opInput(m, r) {
    const o = operator(m, r);
    if (o && o.inputs.length) o.inputs[int(r, o.inputs.length)] = tensorIndex(m, r);
    else if (o) o.inputs.push(tensorIndex(m, r));
  },
  opOutput(m, r) {
    const o = operator(m, r);
    if (o && o.outputs.length) o.outputs[int(r, o.outputs.length)] = tensorIndex(m, r);
  },
  /** Op i reads what op j ≥ i writes: a cycle (or a self-loop). */
  cycle(m, r) {
    const ops = sg(m).operators;
    if (ops.length < 1) return;
    const i = int(r, ops.length);
    const j = i + int(r, ops.length - i);
    const out = ops[j]!.outputs[0];
    if (out !== undefined && ops[i]!.inputs.length) ops[i]!.inputs[int(r, ops[i]!.inputs.length)] = out;
  },
  swapOps(m, r) {
    const ops = sg(m).operators;
    if (ops.length < 2) return;
    const i = int(r, ops.length);
    const j = int(r, ops.length);
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  },
  duplicateOp(m, r) {
    const o = operator(m, r);
    if (o) sg(m).operators.splice(int(r, sg(m).operators.length + 1), 0, o);
  },
  deleteOp(m, r) {
    if (sg(m).operators.length) sg(m).operators.splice(int(r, sg(m).operators.length), 1);
  },
  opcodeIndex(m, r) {
    const o = operator(m, r);
    if (o) o.opcodeIndex = r() < 0.5 ? int(r, m.operatorCodes.length) : pick(r, [m.operatorCodes.length, 2 ** 31 - 1, 4294967295]);
  },
  builtinCode(m, r) {
    const c = m.operatorCodes.length ? pick(r, m.operatorCodes) : undefined;
    if (!c) return;
    const code = r() < 0.8 ? int(r, 170) : pick(r, [-1, 127, 2 ** 31 - 1]);
    c.builtinCode = code as Op;
    c.deprecatedBuiltinCode = Math.max(-128, Math.min(127, code));
    if (code === Op.CUSTOM) c.customCode = pick(r, [...HOSTILE_NAMES, ...MEDIAPIPE_OPS]);
  },
  customCode(m, r) {
    m.operatorCodes.push(new OperatorCodeT(Op.CUSTOM, pick(r, [...HOSTILE_NAMES, ...MEDIAPIPE_OPS]), 1, Op.CUSTOM));
    const o = operator(m, r);
    if (o) o.opcodeIndex = m.operatorCodes.length - 1;
  },
  /** Options of one op type under another's union tag (read as the wrong table). */
  optionsType(m, r) {
    const o = operator(m, r);
    if (o) o.builtinOptionsType = pick(r, [0, 1, 2, 5, 8, 9, 10, 11, 12, 15, 17, 19, 21, 23, 27, 32, 35, 40, 49, 57, 59, 64, 74, 77, 79, 94, 101, 116, 200]) as BuiltinOptions;
  },
  optionValue(m, r) {
    const o = operator(m, r);
    const opts = o?.builtinOptions as Record<string, unknown> | null | undefined;
    if (!opts) return;
    const keys = Object.keys(opts).filter((k) => typeof opts[k] === 'number' || typeof opts[k] === 'boolean' || Array.isArray(opts[k]));
    if (!keys.length) return;
    const k = pick(r, keys);
    if (Array.isArray(opts[k])) opts[k] = Array.from({ length: int(r, 6) }, () => extreme(r));
    else if (typeof opts[k] === 'boolean') opts[k] = !opts[k];
    else opts[k] = k === 'padding' || k.startsWith('fused') ? int(r, 8) : extreme(r);
  },
  /** A flexbuffer options map edited: a value of the wrong type or at an edge, a key dropped, all rewritten at another byte width, or the bytes cut short, flipped or overwritten. */
  flexOptions(m, r) {
    const asMap = (bytes: number[]): Record<string, FlexValue> | undefined => {
      try {
        const v = readFlexbuffer(Uint8Array.from(bytes));
        return v && typeof v === 'object' && !Array.isArray(v) ? { ...v } : undefined;
      } catch {
        return undefined; // not a flexbuffer (the raw struct of Convolution2DTransposeBias, or already broken)
      }
    };
    const flex = sg(m).operators.filter((op) => op.customOptions.length && asMap(op.customOptions));
    const o = flex.length ? pick(r, flex) : operator(m, r);
    if (!o) return;
    const code = m.operatorCodes[o.opcodeIndex];
    if (code && r() < 0.1) code.version = pick(r, [0, 1, 3]);
    const map = asMap(o.customOptions) ?? {};
    const keys = Object.keys(map);
    const key = keys.length && r() < 0.8 ? pick(r, keys) : pick(r, ['output_height', 'output_width', 'subset_idxs', 'scale_x', 'left_rotation_idx', '']);
    const bytes = Uint8Array.from(o.customOptions);
    const edit = int(r, 8);
    if (edit === 0) map[key] = pick<FlexValue>(r, ['4', true, null, [], [1, 2], { nested: 1 }, 1.5, -0, NaN, Infinity]);
    else if (edit === 1) {
      const v = () => (r() < 0.5 ? int(r, 9) : extreme(r));
      map[key] = key === 'subset_idxs' ? Array.from({ length: pick(r, [0, 1, 3, 600]) }, v) : v();
    }
    else if (edit === 2) delete map[key];
    if (edit <= 2 || edit === 3) {
      // edit 3: the same options rewritten with every value, length and offset 1, 2, 4 or 8 bytes wide
      const ints = (v: FlexValue) => (typeof v === 'number' && Number.isInteger(v) ? v : Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x)) ? (v as number[]) : undefined);
      const simple = Object.values(map).every((v) => ints(v) !== undefined || typeof v === 'number');
      if (simple && (edit === 3 || r() < 0.5)) {
        const opts = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, ints(v) ?? { float: v as number }]));
        const width = edit === 3 ? pick(r, [1, 2, 4, 8] as const) : 8;
        try {
          o.customOptions = Array.from(flexMap(opts, width));
        } catch {
          o.customOptions = Array.from(flexMap(opts, 8)); // a value or offset too wide for `width`
        }
      } else o.customOptions = Array.from(encode(map));
      return;
    }
    if (edit === 4) o.customOptions = Array.from(bytes.slice(0, int(r, bytes.length + 1)));
    else if (edit === 5) {
      for (let i = 1 + int(r, 4); i > 0 && bytes.length; i--) bytes[int(r, bytes.length)]! ^= 1 << int(r, 8);
      o.customOptions = Array.from(bytes);
    } else if (edit === 6) {
      // the root's or a map's width byte, or a packed type, set to an edge value
      const at = r() < 0.5 ? bytes.length - 1 - int(r, 2) : int(r, bytes.length);
      if (bytes.length) bytes[at] = pick(r, [0, 3, 8, 16, 0xff, (9 << 2) | 3, (11 << 2) | 3, (10 << 2) | 3, (5 << 2) | 3, (36 << 2) | 3]);
      o.customOptions = Array.from(bytes);
    } else o.customOptions = Array.from({ length: int(r, 48) }, () => int(r, 256));
  },
  customOptions(m, r) {
    const o = sg(m).operators.find((op) => op.customOptions.length) ?? operator(m, r);
    if (!o) return;
    o.customOptions = r() < 0.5 ? o.customOptions.slice(0, int(r, o.customOptions.length + 1)) : Array.from(i32([extreme(r), extreme(r), extreme(r)]));
  },
  graphIo(m, r) {
    const g = sg(m);
    const list = r() < 0.5 ? g.inputs : g.outputs;
    if (list.length && r() < 0.7) list[int(r, list.length)] = tensorIndex(m, r);
    else if (r() < 0.5) list.push(tensorIndex(m, r));
    else list.length = 0;
  },
  /** Constant values changed in place (NaN, ±Inf, huge, denormal bytes): the graph stays valid and runs. */
  weights(m, r) {
    const b = m.buffers.length > 1 ? m.buffers[1 + int(r, m.buffers.length - 1)]! : undefined;
    if (!b || !b.data.length) return;
    const n = 1 + int(r, 16);
    for (let i = 0; i < n; i++) b.data[int(r, b.data.length)] = pick(r, [0x7f, 0xff, 0x80, 0x00, 0x7c, 0xfe, int(r, 256)]);
  },
  /** A fresh unique name: valid, so the case still runs (names reach the graph's edges and outputs). */
  rename(m, r) {
    const t = tensor(m, r);
    if (t) t.name = `${pick(r, HOSTILE_NAMES)}#${int(r, 1e6)}`;
  },
  name(m, r) {
    const t = tensor(m, r);
    if (t) t.name = pick(r, [...HOSTILE_NAMES, ...sg(m).tensors.map((x) => String(x.name))]);
  },
  /** A quantized tensor's parameters pushed to edge values (scale 0, NaN, huge; zero point out of range; per-channel lengths and axis off). */
  quantParams(m, r) {
    const ts = sg(m).tensors.filter((t) => t.quantization?.scale.length);
    const t = ts.length ? pick(r, ts) : undefined;
    if (!t) return;
    const q = t.quantization!;
    const edit = int(r, 5);
    if (edit === 0) q.scale[int(r, q.scale.length)] = pick(r, [0, -0.5, NaN, Infinity, 1e-30, 1e30, 2 ** -20]);
    else if (edit === 1) q.zeroPoint[int(r, Math.max(1, q.zeroPoint.length))] = BigInt(pick(r, [-129, 128, 256, -1, 2 ** 31 - 1, 0]));
    else if (edit === 2) q.quantizedDimension = extreme(r);
    else if (edit === 3) q.scale.push(...Array.from({ length: 1 + int(r, 3) }, () => 0.05));
    else t.type = pick(r, [TensorType.INT8, TensorType.UINT8, TensorType.INT16, TensorType.INT32, TensorType.FLOAT32]);
  },
  quantization(m, r) {
    const t = tensor(m, r);
    if (!t) return;
    const n = int(r, 5);
    t.quantization = new QuantizationParametersT([], [], Array.from({ length: n }, () => pick(r, [0.1, 0, -1, NaN, 1e30])), Array.from({ length: int(r, 5) }, () => BigInt(extreme(r))), undefined, null, extreme(r));
    if (r() < 0.5) t.type = pick(r, [TensorType.INT8, TensorType.UINT8, TensorType.INT16]);
  },
  variable(m, r) {
    const t = tensor(m, r);
    if (t) t.isVariable = true;
  },
  /** A sparse tensor's SparsityParameters rewritten in one place (or a dense constant marked sparse). */
  sparsity(m, r) {
    const sparse = sg(m).tensors.filter((t) => t.sparsity);
    const t = sparse.length && r() < 0.9 ? pick(r, sparse) : tensor(m, r);
    if (!t) return;
    if (!t.sparsity) {
      const other = sparse.length ? pick(r, sparse).sparsity : null;
      t.sparsity = other;
      return;
    }
    const sp = t.sparsity;
    const list = (xs: number[]) => {
      if (r() < 0.2) xs.push(extreme(r));
      else if (r() < 0.2) xs.pop();
      else if (xs.length) xs[int(r, xs.length)] = r() < 0.5 ? int(r, 6) : extreme(r);
    };
    const dm = sp.dimMetadata.length ? pick(r, sp.dimMetadata) : undefined;
    switch (int(r, 7)) {
      case 0:
        return list(sp.traversalOrder);
      case 1:
        return list(sp.blockMap);
      case 2:
        if (dm) dm.format = int(r, 3) as DimensionType;
        return;
      case 3:
        if (dm) dm.denseSize = extreme(r);
        return;
      case 4:
        if (dm?.arraySegments) list(dm.arraySegments.values);
        else if (dm?.arrayIndices) list(dm.arrayIndices.values);
        return;
      case 5:
        if (dm?.arrayIndices) list(dm.arrayIndices.values);
        return;
      default: {
        // Index vectors re-typed (narrowing wraps values) or dropped.
        if (!dm) return;
        const t2 = int(r, 4) as SparseIndexVector;
        const re = (v: Int32VectorT | Uint16VectorT | Uint8VectorT | null) =>
          !v || t2 === SparseIndexVector.NONE ? null : t2 === SparseIndexVector.Uint8Vector ? new Uint8VectorT(v.values.map((x) => x & 0xff)) : t2 === SparseIndexVector.Uint16Vector ? new Uint16VectorT(v.values.map((x) => x & 0xffff)) : new Int32VectorT(v.values);
        dm.arraySegments = re(dm.arraySegments);
        dm.arrayIndices = re(dm.arrayIndices);
        dm.arraySegmentsType = dm.arrayIndicesType = t2;
        if (r() < 0.3) sp.dimMetadata.splice(int(r, sp.dimMetadata.length), 1);
      }
    }
  },
  version(m, r) {
    m.version = pick(r, [0, 1, 2, 4, 2 ** 31 - 1]);
  },
  subgraphs(m, r) {
    if (r() < 0.5) m.subgraphs = [];
    else m.subgraphs.push(new SubGraphT());
  },
};

export const TFLITE_MUTATORS = [...Object.keys(BYTE_MUTATORS), ...Object.keys(STRUCT_MUTATORS)];

/** One mutant: 1–3 structural edits on the unpacked model (50%), 1–3 byte-level ones (40%), or both (10%). */
export function mutateTflite(seed: Seed, r: Rand): { bytes: Uint8Array; mutators: string[] } {
  const used: string[] = [];
  let bytes = seed.bytes;
  const mode = r();
  if (mode < 0.6) {
    const m = unpack(seed.bytes);
    const k = 1 + int(r, 3);
    for (let i = 0; i < k; i++) {
      const name = pick(r, Object.keys(STRUCT_MUTATORS));
      STRUCT_MUTATORS[name]!(m, r);
      used.push(name);
    }
    bytes = pack(m);
  }
  if (mode >= 0.5) {
    bytes = applyByteMutators(bytes, r, used);
  }
  return { bytes, mutators: used };
}

/** A MediaPipe custom-op mutant: 1 (70%) or 2 flexOptions edits, then (30%) one byte-level edit of the whole file. */
export function mutateCustomOptions(seed: Seed, r: Rand): { bytes: Uint8Array; mutators: string[] } {
  const m = unpack(seed.bytes);
  const used: string[] = [];
  for (let k = r() < 0.7 ? 1 : 2; k > 0; k--) {
    STRUCT_MUTATORS.flexOptions!(m, r);
    used.push('flexOptions');
  }
  let bytes = pack(m);
  if (r() < 0.3) {
    const name = pick(r, Object.keys(BYTE_MUTATORS));
    bytes = BYTE_MUTATORS[name]!(bytes, r);
    used.push(name);
  }
  return { bytes, mutators: used };
}

/** Loads a mutant; a Graph is resolved and (within budget) run on the CPU. Any throw but a SepconvError fails. */
export function runTfliteCase(bytes: Uint8Array, r: Rand, budget: RunBudget = DEFAULT_BUDGET): CaseResult {
  return runImportedCase(bytes, r, budget, (b) => ({ graph: loadTflite(b), shapes: {} }));
}

export function fuzzTflite(opts: Omit<FuzzOptions, 'mutate' | 'runCase'>, mutate = mutateTflite): FuzzReport {
  return fuzz({ ...opts, mutate, runCase: runTfliteCase });
}
