import { unaryOp } from './unary.js';

/** −1, 0 or 1 (0 for ±0; NaN stays NaN). */
export const Sign = unaryOp('Sign', () => null, (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x));
