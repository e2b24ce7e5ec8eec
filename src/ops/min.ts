import { binaryOp } from './broadcast.js';
import { variadicOp } from './variadic.js';

/** Elementwise minimum of one or more broadcasting inputs; NaN wins (Math.min, numpy.minimum, TF.js). */
export const Min = variadicOp(
  binaryOp('Min', (a, b) => Math.min(a, b), {
    vv: (d, a, ia, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = Math.min(a[ia + j]!, b[ib + j]!);
    },
    vs: (d, a, ia, b, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = Math.min(a[ia + j]!, b);
    },
    sv: (d, a, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = Math.min(a, b[ib + j]!);
    },
  }),
);
