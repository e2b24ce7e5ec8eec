import { unaryOp } from './unary.js';

/** √x; NaN for x < 0. */
export const Sqrt = unaryOp('Sqrt', () => null, (x) => Math.sqrt(x), (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = Math.sqrt(x[i]!);
});
