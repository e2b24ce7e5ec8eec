import { unaryOp } from './unary.js';

/** -x. */
export const Neg = unaryOp('Neg', () => null, (x) => -x, (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = -x[i]!;
});
