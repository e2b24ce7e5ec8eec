import { binaryOp } from './broadcast.js';

/** a / b with numpy broadcasting; on two integer tensors the quotient truncates toward zero (as ONNX Runtime). */
export const Div = binaryOp(
  'Div',
  (a, b) => a / b,
  {
    vv: (d, a, ia, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = a[ia + j]! / b[ib + j]!;
    },
    vs: (d, a, ia, b, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = a[ia + j]! / b;
    },
    sv: (d, a, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = a / b[ib + j]!;
    },
  },
  (a, b) => {
    if (b === 0) throw new RangeError('Div: integer division by zero');
    return Math.trunc(a / b) + 0; // + 0: integers have no -0
  },
);
