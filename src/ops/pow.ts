import { binaryOp } from './broadcast.js';

/**
 * a^b with numpy broadcasting, as C's pow: a negative base takes an integer exponent only (NaN otherwise), and
 * a^0 = 1 for every a. shaders/binary.wgsl builds the same from WGSL's pow of |a|.
 */
export const Pow = binaryOp('Pow', (a, b) => Math.pow(a, b), {
  vv: (d, a, ia, b, ib, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = Math.pow(a[ia + j]!, b[ib + j]!);
  },
  vs: (d, a, ia, b, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = Math.pow(a[ia + j]!, b);
  },
  sv: (d, a, b, ib, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = Math.pow(a, b[ib + j]!);
  },
});
