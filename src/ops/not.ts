import { unaryOp } from './unary.js';

/** Logical not: 1 where x is 0, else 0 (runtime booleans are float32 0/1). */
export const Not = unaryOp('Not', () => null, (x) => (x === 0 ? 1 : 0));
