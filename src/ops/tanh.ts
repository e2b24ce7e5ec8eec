import { unaryOp } from './unary.js';

/** tanh(x). */
export const Tanh = unaryOp('Tanh', () => null, (x) => Math.tanh(x), (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = Math.tanh(x[i]!);
});
