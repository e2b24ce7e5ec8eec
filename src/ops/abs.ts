import { unaryOp } from './unary.js';

/** |x|. */
export const Abs = unaryOp('Abs', () => null, (x) => Math.abs(x), (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = Math.abs(x[i]!);
});
