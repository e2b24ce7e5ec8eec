import {
  activate,
  alignOperands,
  argMax,
  binary,
  cast,
  clip,
  floorDiv,
  matmul,
  nary,
  pad,
  pool,
  reduce,
  rsqrt,
  slice,
  square,
  squaredDifference,
  unary,
  type TfBuilder,
  type TfDtype,
  type TfTensor,
} from '../tf/index.js';
import { MAX_ELEMENTS } from '../onnx/tensor.js';
import { activation, num, padding, pair, type Lowering, type OpCtx } from './ops.js';
import { axisOf, scalar } from './ops-tensor.js';
import { BuiltinOperator as Op, TensorType } from './schema/tflite_generated.js';

/** An engine elementwise op that src/tf has no TF name for (Log, Ceil, Gelu, Round, Sin, Cos, Sign). */
const engineUnary = (b: TfBuilder, base: string, op: string, x: TfTensor, attrs: Record<string, string> = {}) => b.op(op, base, [x], attrs, x);

const reducer = (kind: 'Mean' | 'Sum' | 'Max' | 'Min'): Lowering => (c) => [reduce(c.b, c.base, kind, c.input(0), c.ints(1), c.op.options.keepDims === true)];

/** log(softmax(x)) over the last axis, as x − max − log Σ exp(x − max) so it never overflows. */
function logSoftmax(c: OpCtx): TfTensor[] {
  const x = c.input(0);
  const axis = x.shape.length - 1;
  const shifted = binary(c.b, c.base, 'Sub', x, reduce(c.b, c.base, 'Max', x, [axis], true));
  const sum = reduce(c.b, c.base, 'Sum', unary(c.b, c.base, 'Exp', shifted), [axis], true);
  return [binary(c.b, c.base, 'Sub', shifted, engineUnary(c.b, c.base, 'Log', sum))];
}

/**
 * TFLite LOCAL_RESPONSE_NORMALIZATION over the last axis: x / (bias + alpha·Σ x²)^beta, the sum over channels
 * c − radius … c + radius (alpha not divided by the window, as in TF): the squares zero-padded, then 2·radius + 1
 * shifted slices added.
 */
function localResponseNorm(c: OpCtx): TfTensor[] {
  const x = c.input(0);
  const r = num(c, 'radius');
  const last = x.shape.length - 1;
  const ch = x.shape[last]!;
  if (!(Number.isInteger(r) && r >= 0 && r <= 64)) throw c.fail(`radius ${r} must be an integer in 0..64`);
  const sq = square(c.b, c.base, x);
  const padded = pad(c.b, c.base, sq, x.shape.map((_, i): [number, number] => (i === last ? [r, r] : [0, 0])));
  const windows = Array.from({ length: 2 * r + 1 }, (_, k) => slice(c.b, c.base, padded, x.shape.map((_, i) => (i === last ? k : 0)), x.shape.map((d, i) => (i === last ? ch : d))));
  const sum = nary(c.b, c.base, 'Add', windows);
  const k = (name: string, v: number) => c.b.constant(`${c.base}::${name}`, [], [v]);
  const base = binary(c.b, c.base, 'Add', binary(c.b, c.base, 'Mul', sum, k('alpha', num(c, 'alpha'))), k('bias', num(c, 'bias')));
  const { operands, shape, layout } = alignOperands(c.b, c.base, [base, k('beta', num(c, 'beta'))]);
  return [binary(c.b, c.base, 'Div', x, c.b.op('Pow', c.base, operands, {}, { shape, layout, dtype: x.dtype }))];
}

/** A constant built from constant inputs (FILL, RANGE); a runtime input is refused. */
function folded(c: OpCtx, shape: number[], values: ArrayLike<number>): TfTensor[] {
  const out = c.outputInfo(0);
  return [c.b.constant(c.base, shape, values, DTYPE[out.type as TensorType] ?? 'float32')];
}

/** TFLite L2_NORMALIZATION over the last axis: x / max(‖x‖₂, 1e-6). */
const L2_EPSILON = 1e-6;
function l2Normalize(c: OpCtx): TfTensor[] {
  const x = c.input(0);
  const norm = unary(c.b, c.base, 'Sqrt', reduce(c.b, c.base, 'Sum', square(c.b, c.base, x), [x.shape.length - 1], true));
  const floor = binary(c.b, c.base, 'Max', norm, c.b.constant(`${c.base}::epsilon`, [], [L2_EPSILON]));
  return [activate(c.b, c.base, binary(c.b, c.base, 'Div', x, floor), activation(c))];
}

const DTYPE: Partial<Record<TensorType, TfDtype>> = {
  [TensorType.FLOAT32]: 'float32',
  [TensorType.INT32]: 'int32',
  [TensorType.INT64]: 'int32',
  [TensorType.BOOL]: 'bool',
};

/** Elementwise math, reductions, matrix products and activations beyond the first set. */
export const MATH_BUILTINS: Partial<Record<Op, Lowering>> = {
  [Op.REDUCE_MIN]: reducer('Min'),
  [Op.SQUARED_DIFFERENCE]: (c) => [squaredDifference(c.b, c.base, c.input(0), c.input(1))],
  [Op.SQUARE]: (c) => [square(c.b, c.base, c.input(0))],
  [Op.RSQRT]: (c) => [rsqrt(c.b, c.base, c.input(0))],
  [Op.LOG]: (c) => [engineUnary(c.b, c.base, 'Log', c.input(0))],
  [Op.CEIL]: (c) => [engineUnary(c.b, c.base, 'Ceil', c.input(0))],
  [Op.ROUND]: (c) => [engineUnary(c.b, c.base, 'Round', c.input(0))],
  [Op.SIN]: (c) => [engineUnary(c.b, c.base, 'Sin', c.input(0))],
  [Op.COS]: (c) => [engineUnary(c.b, c.base, 'Cos', c.input(0))],
  [Op.SIGN]: (c) => [engineUnary(c.b, c.base, 'Sign', c.input(0))],
  [Op.POW]: (c) => {
    const { operands, shape, layout } = alignOperands(c.b, c.base, [c.input(0), c.input(1)]);
    return [c.b.op('Pow', c.base, operands, {}, { shape, layout, dtype: c.input(0).dtype })];
  },
  [Op.GELU]: (c) => [engineUnary(c.b, c.base, 'Gelu', c.input(0), { approximate: c.op.options.approximate === true ? 'tanh' : 'none' })],
  [Op.LOG_SOFTMAX]: logSoftmax,
  [Op.L2_NORMALIZATION]: l2Normalize,
  [Op.LOCAL_RESPONSE_NORMALIZATION]: localResponseNorm,
  // Inputs: dims, value (both constants).
  [Op.FILL]: (c) => {
    const dims = c.ints(0);
    const v = c.ints(1);
    if (v.length !== 1 || dims.some((d) => !(Number.isInteger(d) && d >= 0)) || dims.reduce((a, d) => a * d, 1) > MAX_ELEMENTS)
      throw c.fail(`dims [${dims.join(', ')}] and value [${v.join(', ')}] do not make a tensor of at most ${MAX_ELEMENTS} elements`);
    return folded(c, dims, new Float64Array(dims.reduce((a, d) => a * d, 1)).fill(v[0]!));
  },
  // Inputs: start, limit, delta (constants): start, start + delta, … up to (not including) limit.
  [Op.RANGE]: (c) => {
    const [start, limit, delta] = [0, 1, 2].map((k) => scalar(c, k)) as [number, number, number];
    const n = delta === 0 ? -1 : Math.ceil((limit - start) / delta);
    if (!(n >= 0 && n <= MAX_ELEMENTS)) throw c.fail(`range ${start}..${limit} by ${delta} is empty-stepped or longer than ${MAX_ELEMENTS}`);
    return folded(c, [n], Array.from({ length: n }, (_, i) => start + i * delta));
  },
  [Op.ELU]: (c) => [activate(c.b, c.base, c.input(0), { kind: 'elu', alpha: 1 })],
  [Op.RELU_0_TO_1]: (c) => [clip(c.b, c.base, c.input(0), 0, 1)],
  [Op.FLOOR_DIV]: (c) => [floorDiv(c.b, c.base, c.input(0), c.input(1))],
  // x − ⌊x / y⌋·y: the remainder with the divisor's sign.
  [Op.FLOOR_MOD]: (c) => {
    const [x, y] = [c.input(0), c.input(1)];
    return [binary(c.b, c.base, 'Sub', x, binary(c.b, c.base, 'Mul', floorDiv(c.b, c.base, x, y), y))];
  },
  // √(mean of x² over the window's in-bounds elements), as TFLite's L2Pool.
  [Op.L2_POOL_2D]: (c) => {
    const opts = { kernel: pair(c, 'filterH', 'filterW'), strides: pair(c, 'strideH', 'strideW'), padding: padding(c) };
    const pooled = pool(c.b, c.base, 'avg', square(c.b, c.base, c.input(0)), opts);
    return [activate(c.b, c.base, unary(c.b, c.base, 'Sqrt', pooled), activation(c))];
  },
  [Op.ADD_N]: (c) => [nary(c.b, c.base, 'Add', c.op.inputs.map((_, k) => c.input(k)))],
  [Op.BATCH_MATMUL]: (c) => [matmul(c.b, c.base, c.input(0), c.input(1), undefined, { transposeA: c.op.options.adjX === true, transposeB: c.op.options.adjY === true })],
  [Op.ARG_MAX]: (c) => {
    const x = c.input(0);
    return [argMax(c.b, c.base, x, axisOf(c, scalar(c, 1), x.shape.length))];
  },
  // The first smallest element is the first largest of −x.
  [Op.ARG_MIN]: (c) => {
    const x = c.input(0);
    return [argMax(c.b, c.base, unary(c.b, c.base, 'Neg', x), axisOf(c, scalar(c, 1), x.shape.length))];
  },
  [Op.CAST]: (c) => {
    const to = DTYPE[c.outputInfo(0).type as TensorType];
    if (!to) throw c.fail(`casts to ${TensorType[c.outputInfo(0).type] ?? c.outputInfo(0).type}`);
    return [cast(c.b, c.base, c.input(0), to)];
  },
  // x · ones(shape): numpy broadcasting does the rest, and x·1 is x exactly (−0 and NaN included).
  [Op.BROADCAST_TO]: (c) => {
    const shape = c.ints(1);
    const x = c.input(0);
    if (shape.some((d) => !(Number.isInteger(d) && d >= 0)) || shape.reduce((a, d) => a * d, 1) > MAX_ELEMENTS)
      throw c.fail(`shape [${shape.join(', ')}] is not a shape of at most ${MAX_ELEMENTS} elements`);
    return [binary(c.b, c.base, 'Mul', x, c.b.constant(`${c.base}::ones`, shape, new Float32Array(shape.reduce((a, d) => a * d, 1)).fill(1), x.dtype))];
  },
};
