import { unaryOp } from './unary.js';

/** 1/x; ±inf at ±0. */
export const Reciprocal = unaryOp('Reciprocal', () => null, (x) => 1 / x, (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = 1 / x[i]!;
});
