import { binaryOp } from './broadcast.js';

/** a + b with numpy broadcasting (residual adds, bias adds). */
export const Add = binaryOp('Add', (a, b) => a + b, {
  vv: (d, a, ia, b, ib, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = a[ia + j]! + b[ib + j]!;
  },
  vs: (d, a, ia, b, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = a[ia + j]! + b;
  },
  sv: (d, a, b, ib, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = a + b[ib + j]!;
  },
});
