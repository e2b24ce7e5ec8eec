import { unaryOp } from './unary.js';

/** x * max(0, min(1, x/6 + 1/2)). */
export const HardSwish = unaryOp('HardSwish', () => null, (x) => {
  const g = x / 6 + 0.5;
  return x * (g < 0 ? 0 : g > 1 ? 1 : g);
});
