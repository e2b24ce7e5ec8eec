import type { AlphaAttrs } from './elu.js';
import { unaryOp } from './unary.js';

/** x ≥ 0 ? x : alpha·x; ONNX default alpha = 0.01 (TF's LeakyRelu default is 0.2: importers pass it). */
export const LeakyRelu = unaryOp<AlphaAttrs>(
  'LeakyRelu',
  (ctx) => ({ alpha: ctx.float('alpha', 0.01) }),
  (x, { alpha }) => (x < 0 ? alpha * x : x),
  (x, y, { alpha }) => {
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      y[i] = v < 0 ? alpha * v : v;
    }
  },
);
