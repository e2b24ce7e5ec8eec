import { binaryOp } from './broadcast.js';

/** a * b with numpy broadcasting (squeeze-excite scaling). */
export const Mul = binaryOp('Mul', (a, b) => a * b, {
  vv: (d, a, ia, b, ib, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = a[ia + j]! * b[ib + j]!;
  },
  vs: (d, a, ia, b, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = a[ia + j]! * b;
  },
  sv: (d, a, b, ib, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = a * b[ib + j]!;
  },
});
