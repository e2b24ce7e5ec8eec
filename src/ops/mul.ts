import { binaryOp } from './broadcast.js';

/** a * b with numpy broadcasting (squeeze-excite scaling). */
export const Mul = binaryOp('Mul', (a, b) => a * b);
