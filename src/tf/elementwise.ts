import { ShapeError } from '../errors.js';
import { broadcastShapes } from '../ops/broadcast.js';
import { shapeStr, sizeOf } from '../tensor.js';
import type { TfBuilder, TfDtype, TfTensor } from './builder.js';

/** TF element-wise binary ops and the engine op (ONNX semantics, numpy broadcasting) each becomes. */
export const BINARY = {
  Add: 'Add', Sub: 'Sub', Mul: 'Mul', Div: 'Div', Max: 'Max', Min: 'Min', FloorMod: 'FloorMod', Atan2: 'Atan2',
  Equal: 'Equal', NotEqual: 'NotEqual', Less: 'Less', LessEqual: 'LessOrEqual', Greater: 'Greater', GreaterEqual: 'GreaterOrEqual',
  LogicalAnd: 'And', LogicalOr: 'Or',
} as const;
/** TF ops of BINARY whose result is bool. */
export const PREDICATES: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr']);
export type BinaryOp = keyof typeof BINARY;

/** Single-input ops with identical TF and ONNX semantics. */
export type UnaryOp = 'Relu' | 'Sigmoid' | 'Tanh' | 'Abs' | 'Neg' | 'Sqrt' | 'Reciprocal' | 'Exp' | 'Floor' | 'HardSwish' | 'Not' | 'Sin' | 'Cos';

/**
 * Brings operands of a broadcasting op into one layout. When the result is 4-D and some operand is held as
 * NCHW, every operand is turned to NCHW (lower-rank ones first padded to rank 4 with leading ones, TF's
 * broadcasting alignment); single-element operands broadcast the same in any layout and are left alone.
 */
export function alignOperands(b: TfBuilder, base: string, xs: readonly TfTensor[]): { operands: TfTensor[]; shape: number[]; layout: 'nchw' | 'plain' } {
  const shape = [...broadcastShapes(xs.map((x) => x.shape), (m) => new ShapeError(base, 'broadcast', `${m} (operands ${xs.map((x) => shapeStr(x.shape)).join(', ')})`))];
  const nchw = shape.length === 4 && xs.some((x) => x.layout === 'nchw');
  if (!nchw) return { operands: xs.map((x) => b.toPlain(x)), shape, layout: 'plain' };
  const operands = xs.map((x) => {
    if (x.layout === 'nchw' || (sizeOf(x.shape) === 1 && x.shape.length <= 1)) return x;
    const r4 = x.shape.length === 4 ? x : reshapeTo(b, base, x, [...new Array(4 - x.shape.length).fill(1), ...x.shape]);
    return b.toNchw(r4);
  });
  return { operands, shape, layout: 'nchw' };
}

export function binary(b: TfBuilder, base: string, op: BinaryOp, x: TfTensor, y: TfTensor, dtype?: TfDtype): TfTensor {
  const { operands, shape, layout } = alignOperands(b, base, [x, y]);
  return b.op(BINARY[op], base, operands, {}, { shape, layout, dtype: dtype ?? (PREDICATES.has(op) ? 'bool' : x.dtype) });
}

/** Variadic Max/Min/Add (AddN) as a chain of binary nodes. */
export function nary(b: TfBuilder, base: string, op: BinaryOp, xs: readonly TfTensor[]): TfTensor {
  if (xs.length === 0) throw new ShapeError(base, op, 'needs at least one input');
  let acc = xs[0]!;
  for (const x of xs.slice(1)) acc = binary(b, base, op, acc, x);
  return acc;
}

export function unary(b: TfBuilder, base: string, op: UnaryOp, x: TfTensor): TfTensor {
  return b.op(op, base, [x], {}, op === 'Not' ? { ...x, dtype: 'bool' } : x);
}

/** cond ? x : y (SelectV2: all three broadcast; Select: a rank-1 cond picks rows of higher-rank x, y). */
export function select(b: TfBuilder, base: string, cond: TfTensor, x: TfTensor, y: TfTensor, rowWise = false): TfTensor {
  const c = rowWise && cond.shape.length === 1 && x.shape.length > 1 ? reshapeTo(b, base, cond, [cond.shape[0]!, ...x.shape.slice(1).map(() => 1)]) : cond;
  const { operands, shape, layout } = alignOperands(b, base, [c, x, y]);
  return b.op('Where', base, operands, {}, { shape, layout, dtype: x.dtype });
}

/** (x - y)², TF SquaredDifference. */
export function squaredDifference(b: TfBuilder, base: string, x: TfTensor, y: TfTensor): TfTensor {
  const d = binary(b, base, 'Sub', x, y);
  return binary(b, base, 'Mul', d, d);
}

/**
 * floor(x / y), TF FloorDiv. Integers: (x - FloorMod(x, y)) / y, exact both when folded (integer Div truncates,
 * ONNX's rule, which rounds negative quotients the wrong way) and at run time (float32 values of integers).
 */
export function floorDiv(b: TfBuilder, base: string, x: TfTensor, y: TfTensor): TfTensor {
  if (x.dtype === 'int32' && y.dtype === 'int32') return binary(b, base, 'Div', binary(b, base, 'Sub', x, binary(b, base, 'FloorMod', x, y)), y);
  const q = binary(b, base, 'Div', x, y);
  return b.op('Floor', base, [q], {}, q);
}

/** 1 / sqrt(x), TF Rsqrt. */
export function rsqrt(b: TfBuilder, base: string, x: TfTensor): TfTensor {
  return unary(b, base, 'Reciprocal', unary(b, base, 'Sqrt', x));
}

/** x², TF Square. */
export function square(b: TfBuilder, base: string, x: TfTensor): TfTensor {
  return binary(b, base, 'Mul', x, x);
}

/** min(max(x, lo), hi) as one Clip node (the conv epilogue absorbs it). */
export function clip(b: TfBuilder, base: string, x: TfTensor, lo: number, hi: number): TfTensor {
  const lv = b.constant(`${base}::min`, [], [lo]);
  const hv = b.constant(`${base}::max`, [], [hi]);
  return b.op('Clip', base, [x, lv, hv], {}, x);
}

/** A Reshape to a TF shape, taking the tensor to TF layout first (the only place layouts must meet). */
export function reshapeTo(b: TfBuilder, base: string, x: TfTensor, shape: readonly number[]): TfTensor {
  const p = b.toPlain(x);
  if (p.shape.length === shape.length && p.shape.every((d, i) => d === shape[i])) return p;
  const target = b.ints(`${base}::shape`, shape);
  return b.op('Reshape', base, [p, target], {}, { shape, layout: 'plain', dtype: x.dtype });
}

/** Cast: to float is free (runtime values are float32); to int truncates toward zero; to bool is x != 0. */
export function cast(b: TfBuilder, base: string, x: TfTensor, to: TfDtype): TfTensor {
  if (to === 'float32' || to === x.dtype) return { ...x, dtype: to };
  return b.op('Cast', base, [x], { to: to === 'int32' ? 6 : 9 }, { ...x, dtype: to });
}
