import { unaryOp } from './unary.js';

/** e^x. */
export const Exp = unaryOp('Exp', () => null, (x) => Math.exp(x), (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = Math.exp(x[i]!);
});
