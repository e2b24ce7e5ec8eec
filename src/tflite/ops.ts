import { ModelFormatError, UnsupportedOpError } from '../errors.js';
import {
  activate,
  binary,
  concat,
  conv2d,
  depthToSpace,
  depthwiseConv2d,
  matmul,
  NONE,
  pad,
  pool,
  reduce,
  reshape,
  resize,
  softmax,
  squeeze,
  transpose,
  transposeConv2d,
  unary,
  type BinaryOp,
  type TfActivation,
  type TfBuilder,
  type TfPadding,
  type TfTensor,
  type UnaryOp,
} from '../tf/index.js';
import { tensorTypeName, type TfliteOperator, type TfliteTensor } from './read.js';
import { ActivationFunctionType, BuiltinOperator as Op, Padding } from './schema/tflite_generated.js';
import { constantValues, dequantize, isFloatType } from './values.js';

/** What a lowering sees of one TFLite operator. */
export interface OpCtx {
  readonly b: TfBuilder;
  readonly op: TfliteOperator;
  /** Edge-name base for the nodes it emits: the first output tensor's name. */
  readonly base: string;
  /** Input `k` as a builder tensor (a typed error if omitted). */
  input(k: number): TfTensor;
  /** Input `k`, or undefined where the file marks it omitted (-1) or leaves it out. */
  optional(k: number): TfTensor | undefined;
  /** The file's record of input `k` / output `k`. */
  inputInfo(k: number): TfliteTensor;
  outputInfo(k: number): TfliteTensor;
  /** Integer values of a constant input (shapes, axes, paddings). */
  ints(k: number): number[];
  /** A typed error about this operator. */
  fail(message: string): Error;
}

export type Lowering = (c: OpCtx) => TfTensor[];

export function activation(c: OpCtx): TfActivation {
  const a = c.op.options.activation;
  switch (a ?? ActivationFunctionType.NONE) {
    case ActivationFunctionType.NONE:
      return NONE;
    case ActivationFunctionType.RELU:
      return { kind: 'relu' };
    case ActivationFunctionType.RELU_N1_TO_1:
      return { kind: 'reluN1To1' };
    case ActivationFunctionType.RELU6:
      return { kind: 'relu6' };
    case ActivationFunctionType.TANH:
      return { kind: 'tanh' };
    default:
      throw new UnsupportedOpError([{ op: c.op.opName, node: c.base, reason: `fused activation ${ActivationFunctionType[a as number] ?? a} is not supported` }]);
  }
}

export function padding(c: OpCtx): TfPadding {
  const p = c.op.options.padding;
  if (p === Padding.SAME) return 'SAME';
  if (p === Padding.VALID) return 'VALID';
  throw c.fail(`padding ${String(p)} is neither SAME nor VALID`);
}

export function num(c: OpCtx, key: string): number {
  const v = c.op.options[key];
  if (typeof v !== 'number') throw c.fail(`has no ${key} option (its builtin options table is missing or of another type)`);
  return v;
}

/** Strides and dilations as TF's [h, w] pairs, each ≥ 1. */
export function pair(c: OpCtx, h: string, w: string): [number, number] {
  const v: [number, number] = [num(c, h), num(c, w)];
  if (v.some((x) => !(Number.isInteger(x) && x >= 1))) throw c.fail(`${h}/${w} are [${v.join(', ')}]; they must be positive`);
  return v;
}

const binaryOp = (op: BinaryOp, fused: boolean): Lowering => (c) => [
  activate(c.b, c.base, binary(c.b, c.base, op, c.input(0), c.input(1)), fused ? activation(c) : NONE),
];
const unaryOp = (op: UnaryOp): Lowering => (c) => [unary(c.b, c.base, op, c.input(0))];
const act = (a: TfActivation): Lowering => (c) => [activate(c.b, c.base, c.input(0), a)];

const poolOp = (kind: 'max' | 'avg'): Lowering => (c) => [
  pool(c.b, c.base, kind, c.input(0), {
    kernel: pair(c, 'filterH', 'filterW'),
    strides: pair(c, 'strideH', 'strideW'),
    padding: padding(c),
    activation: activation(c),
  }),
];

/** Builtin operators sepconv runs, by BuiltinOperator code, each lowered through the shared TF lowering. */
export const BUILTINS: Partial<Record<Op, Lowering>> = {
  // float16 weights (widened) and weight-only int8/uint8/int16 constants (f = scale·(q − zero_point)) become
  // float32 constants at load; a DEQUANTIZE of a runtime tensor would mean quantized inference.
  [Op.DEQUANTIZE]: (c) => {
    const t = c.inputInfo(0);
    // A constant computed at load (DENSIFY of a sparse weight) is held as float32 already: constants of
    // quantized tensors are dequantized when they are made.
    if (!t.data && c.b.isConst(c.input(0))) return [c.input(0)];
    if (!t.data)
      throw new UnsupportedOpError([{ op: c.op.opName, node: c.base, reason: `dequantizes a runtime ${tensorTypeName(t.type)} tensor; only constants are dequantized` }]);
    return [c.b.constant(c.base, t.shape, isFloatType(t.type) ? constantValues(t) : dequantize(t))];
  },
  // Sparse constants are densified when the file is read (src/tflite/sparsity.ts); DENSIFY passes them on.
  [Op.DENSIFY]: (c) => {
    if (!c.inputInfo(0).data) throw c.fail('densifies a runtime tensor; only sparse constants can be densified');
    return [c.input(0)];
  },
  [Op.CONV_2D]: (c) => [
    conv2d(c.b, c.base, c.input(0), c.input(1), c.optional(2), {
      filterLayout: 'OHWI',
      strides: pair(c, 'strideH', 'strideW'),
      dilations: pair(c, 'dilationH', 'dilationW'),
      padding: padding(c),
      activation: activation(c),
    }),
  ],
  // depth_multiplier is redundant (the filter's last dim says it) and some converters leave it 0.
  [Op.DEPTHWISE_CONV_2D]: (c) => [
    depthwiseConv2d(c.b, c.base, c.input(0), c.input(1), c.optional(2), {
      filterLayout: '1HWO',
      strides: pair(c, 'strideH', 'strideW'),
      dilations: pair(c, 'dilationH', 'dilationW'),
      padding: padding(c),
      activation: activation(c),
    }),
  ],
  // Inputs: output_shape, weights [Cout, kH, kW, Cin], input, optional bias.
  [Op.TRANSPOSE_CONV]: (c) => [
    transposeConv2d(c.b, c.base, c.input(2), c.input(1), c.ints(0), c.optional(3), {
      filterLayout: 'OHWI',
      strides: pair(c, 'strideH', 'strideW'),
      padding: padding(c),
      activation: activation(c),
    }),
  ],
  [Op.FULLY_CONNECTED]: (c) => {
    if (num(c, 'weightsFormat') !== 0) throw new UnsupportedOpError([{ op: c.op.opName, node: c.base, reason: 'shuffled int8 weights are not supported' }]);
    const w = c.input(1);
    if (w.shape.length !== 2) throw c.fail(`weights ${JSON.stringify(w.shape)} must be 2-D [units, depth]`);
    const x = c.input(0);
    const depth = w.shape[1]!;
    const flat = reshape(c.b, c.base, x, [-1, depth]);
    const y = matmul(c.b, c.base, flat, w, c.optional(2), { transposeB: true, activation: activation(c) });
    return [c.op.options.keepNumDims ? reshape(c.b, c.base, y, [...x.shape.slice(0, -1), w.shape[0]!]) : y];
  },
  [Op.MAX_POOL_2D]: poolOp('max'),
  [Op.AVERAGE_POOL_2D]: poolOp('avg'),
  [Op.ADD]: binaryOp('Add', true),
  [Op.SUB]: binaryOp('Sub', true),
  [Op.MUL]: binaryOp('Mul', true),
  [Op.DIV]: binaryOp('Div', true),
  [Op.MAXIMUM]: binaryOp('Max', false),
  [Op.MINIMUM]: binaryOp('Min', false),
  [Op.RELU]: act({ kind: 'relu' }),
  [Op.RELU6]: act({ kind: 'relu6' }),
  [Op.RELU_N1_TO_1]: act({ kind: 'reluN1To1' }),
  [Op.LOGISTIC]: unaryOp('Sigmoid'),
  [Op.TANH]: unaryOp('Tanh'),
  [Op.HARD_SWISH]: unaryOp('HardSwish'),
  [Op.ABS]: unaryOp('Abs'),
  [Op.NEG]: unaryOp('Neg'),
  [Op.EXP]: unaryOp('Exp'),
  [Op.SQRT]: unaryOp('Sqrt'),
  [Op.FLOOR]: unaryOp('Floor'),
  [Op.PRELU]: (c) => [activate(c.b, c.base, c.input(0), { kind: 'prelu', slope: c.input(1) })],
  [Op.LEAKY_RELU]: (c) => [activate(c.b, c.base, c.input(0), { kind: 'leakyRelu', alpha: num(c, 'alpha') })],
  [Op.SOFTMAX]: (c) => {
    const beta = num(c, 'beta');
    const x = beta === 1 ? c.input(0) : binary(c.b, c.base, 'Mul', c.input(0), c.b.constant(`${c.base}::beta`, [], [beta]));
    return [softmax(c.b, c.base, x, -1)];
  },
  [Op.PAD]: (c) => [pad(c.b, c.base, c.input(0), pairs(c, 1))],
  [Op.PADV2]: (c) => {
    const v = c.optional(2);
    const value = v ? c.ints(2)[0] ?? 0 : 0;
    return [pad(c.b, c.base, c.input(0), pairs(c, 1), value)];
  },
  // The target shape is the second input when present, else the options' new_shape.
  [Op.RESHAPE]: (c) => {
    const shape = c.optional(1) ? c.ints(1) : (c.op.options.newShape as number[] | undefined);
    if (!shape) throw c.fail('has neither a shape input nor new_shape');
    return [reshape(c.b, c.base, c.input(0), shape)];
  },
  [Op.SQUEEZE]: (c) => [squeeze(c.b, c.base, c.input(0), (c.op.options.squeezeDims as number[] | undefined) ?? [])],
  [Op.TRANSPOSE]: (c) => [transpose(c.b, c.base, c.input(0), c.ints(1))],
  [Op.CONCATENATION]: (c) => {
    const xs = c.op.inputs.map((_, k) => c.input(k));
    return [activate(c.b, c.base, concat(c.b, c.base, xs, num(c, 'axis')), activation(c))];
  },
  [Op.MEAN]: (c) => [reduce(c.b, c.base, 'Mean', c.input(0), c.ints(1), c.op.options.keepDims === true)],
  [Op.SUM]: (c) => [reduce(c.b, c.base, 'Sum', c.input(0), c.ints(1), c.op.options.keepDims === true)],
  [Op.REDUCE_MAX]: (c) => [reduce(c.b, c.base, 'Max', c.input(0), c.ints(1), c.op.options.keepDims === true)],
  [Op.RESIZE_BILINEAR]: (c) => [
    resize(c.b, c.base, c.input(0), c.ints(1), { mode: 'bilinear', alignCorners: c.op.options.alignCorners === true, halfPixelCenters: c.op.options.halfPixelCenters === true }),
  ],
  [Op.RESIZE_NEAREST_NEIGHBOR]: (c) => [
    resize(c.b, c.base, c.input(0), c.ints(1), { mode: 'nearest', alignCorners: c.op.options.alignCorners === true, halfPixelCenters: c.op.options.halfPixelCenters === true }),
  ],
  [Op.DEPTH_TO_SPACE]: (c) => [depthToSpace(c.b, c.base, c.input(0), num(c, 'blockSize'))],
};

/** A [rank, 2] int paddings input as [[before, after]] per dim. */
export function pairs(c: OpCtx, k: number): [number, number][] {
  const v = c.ints(k);
  const info = c.inputInfo(k);
  if (info.shape.length !== 2 || info.shape[1] !== 2 || v.some((x) => !(Number.isInteger(x) && x >= 0)))
    throw new ModelFormatError(`TFLite model: ${c.op.opName} "${c.base}": paddings [${info.shape.join(', ')}] must be [rank, 2] non-negative integers`);
  return Array.from({ length: info.shape[0]! }, (_, i) => [v[2 * i]!, v[2 * i + 1]!] as [number, number]);
}
