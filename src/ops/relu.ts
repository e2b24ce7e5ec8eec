import { unaryOp } from './unary.js';

/** y = max(x, 0); NaN stays NaN as in PyTorch. */
export const Relu = unaryOp('Relu', () => null, (x) => (x < 0 ? 0 : x), (x, y) => {
  for (let i = 0; i < y.length; i++) {
    const v = x[i]!;
    y[i] = v < 0 ? 0 : v;
  }
});
