import { unaryOp } from './unary.js';

/** ln x; −∞ at 0, NaN below 0 (TFLite LOG, the tail of LOG_SOFTMAX). */
export const Log = unaryOp('Log', () => null, (x) => Math.log(x), (x, y) => {
  for (let i = 0; i < y.length; i++) y[i] = Math.log(x[i]!);
});
