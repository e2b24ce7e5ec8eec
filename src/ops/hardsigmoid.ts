import { unaryOp } from './unary.js';

/** max(0, min(1, alpha*x + beta)); ONNX defaults alpha=0.2, beta=0.5 (PyTorch's Hardsigmoid exports alpha=1/6). */
export const HardSigmoid = unaryOp(
  'HardSigmoid',
  (ctx) => ({ alpha: ctx.float('alpha', 0.2), beta: ctx.float('beta', 0.5) }),
  (x, { alpha, beta }) => {
    const y = alpha * x + beta;
    return y < 0 ? 0 : y > 1 ? 1 : y;
  },
);
