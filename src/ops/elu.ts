import { unaryOp } from './unary.js';

export interface AlphaAttrs {
  alpha: number;
}

/** x ≥ 0 ? x : alpha·(e^x − 1); ONNX default alpha = 1. NaN passes through. */
export const Elu = unaryOp<AlphaAttrs>(
  'Elu',
  (ctx) => ({ alpha: ctx.float('alpha', 1) }),
  (x, { alpha }) => (x < 0 ? alpha * (Math.exp(x) - 1) : x),
  (x, y, { alpha }) => {
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      y[i] = v < 0 ? alpha * (Math.exp(v) - 1) : v;
    }
  },
);
