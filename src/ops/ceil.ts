import { unaryOp } from './unary.js';

/** ⌈x⌉. */
export const Ceil = unaryOp('Ceil', () => null, (x) => Math.ceil(x), (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = Math.ceil(x[i]!);
});
