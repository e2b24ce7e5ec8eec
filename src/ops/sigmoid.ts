import { unaryOp } from './unary.js';

/** 1/(1+e^-x), evaluated through e^-|x| so neither branch overflows for large |x|. */
export const Sigmoid = unaryOp('Sigmoid', () => null, (x) => {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
});
