import { binaryOp } from './broadcast.js';
import { variadicOp } from './variadic.js';

/** Elementwise maximum of one or more broadcasting inputs; NaN wins (Math.max, numpy.maximum, TF.js). */
export const Max = variadicOp(
  binaryOp('Max', (a, b) => Math.max(a, b), {
    vv: (d, a, ia, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = Math.max(a[ia + j]!, b[ib + j]!);
    },
    vs: (d, a, ia, b, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = Math.max(a[ia + j]!, b);
    },
    sv: (d, a, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = Math.max(a, b[ib + j]!);
    },
  }),
);
