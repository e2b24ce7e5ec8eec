import { binaryOp } from './broadcast.js';

/** a + b with numpy broadcasting (residual adds, bias adds). */
export const Add = binaryOp('Add', (a, b) => a + b);
