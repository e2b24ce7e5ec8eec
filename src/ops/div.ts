import { binaryOp } from './broadcast.js';

/** a / b with numpy broadcasting; on two integer tensors the quotient truncates toward zero (as ONNX Runtime). */
export const Div = binaryOp(
  'Div',
  (a, b) => a / b,
  (a, b) => {
    if (b === 0) throw new RangeError('Div: integer division by zero');
    return Math.trunc(a / b);
  },
);
