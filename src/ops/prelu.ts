import { sameShape, shapeStr } from '../tensor.js';
import { binaryOp, broadcastShapes, type BinaryOpDef } from './broadcast.js';

const kernel = binaryOp('PRelu', (x, s) => (x < 0 ? x * s : x), {
  vv: (d, a, ia, b, ib, o, n) => {
    for (let j = 0; j < n; j++) {
      const x = a[ia + j]!;
      d[o + j] = x < 0 ? x * b[ib + j]! : x;
    }
  },
  vs: (d, a, ia, b, o, n) => {
    for (let j = 0; j < n; j++) {
      const x = a[ia + j]!;
      d[o + j] = x < 0 ? x * b : x;
    }
  },
  sv: (d, a, b, ib, o, n) => {
    for (let j = 0; j < n; j++) d[o + j] = a < 0 ? a * b[ib + j]! : a;
  },
});

/**
 * x < 0 ? slope·x : x, slope broadcast to X one way (numpy rules: a per-channel slope of NCHW X is [C, 1, 1];
 * a plain [C] would broadcast against W). NaN passes through.
 */
export const PRelu: BinaryOpDef = {
  ...kernel,
  parse(ctx) {
    const xs = ctx.shape(0);
    const ss = ctx.shape(1);
    const out = broadcastShapes([xs, ss], (m) => ctx.error(m));
    if (!sameShape(out, xs)) throw ctx.error(`slope ${shapeStr(ss)} does not broadcast to X ${shapeStr(xs)}`);
    return null;
  },
  outputShapes: (ctx) => [ctx.shape(0)],
};
