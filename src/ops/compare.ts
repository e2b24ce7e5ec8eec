import { binaryOp, rowsOf, type BinaryFn } from './broadcast.js';

/** A broadcasting predicate giving 1 or 0 (runtime booleans are float32 0/1; integer operands give integers). */
const predicate = (op: string, f: (a: number, b: number) => boolean) => {
  const g: BinaryFn = (a, b) => (f(a, b) ? 1 : 0);
  return binaryOp(op, g, rowsOf(g));
};

/** Comparisons (ONNX names; NotEqual is TF's, ONNX spells it Not(Equal)). NaN compares false except in NotEqual. */
export const Equal = predicate('Equal', (a, b) => a === b);
export const NotEqual = predicate('NotEqual', (a, b) => a !== b);
export const Less = predicate('Less', (a, b) => a < b);
export const LessOrEqual = predicate('LessOrEqual', (a, b) => a <= b);
export const Greater = predicate('Greater', (a, b) => a > b);
export const GreaterOrEqual = predicate('GreaterOrEqual', (a, b) => a >= b);

/** Logical And / Or of operands read as booleans (non-zero is true). */
export const And = predicate('And', (a, b) => a !== 0 && b !== 0);
export const Or = predicate('Or', (a, b) => a !== 0 || b !== 0);
