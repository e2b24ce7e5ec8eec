import { unaryOp } from './unary.js';

/** cos x. */
export const Cos = unaryOp('Cos', () => null, (x) => Math.cos(x));
