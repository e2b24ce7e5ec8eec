import { binaryOp } from './broadcast.js';

/** a - b with numpy broadcasting. */
export const Sub = binaryOp('Sub', (a, b) => a - b);
