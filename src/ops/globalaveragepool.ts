import { shapeStr, sizeOf } from '../tensor.js';
import { asFloat, defineOp } from './types.js';

/** Mean over every spatial axis (2..), keeping them as size 1: [N, C, D1, ...] -> [N, C, 1, ...]. */
export const GlobalAveragePool = defineOp<null>({
  op: 'GlobalAveragePool',
  parse(ctx) {
    const xs = ctx.shape(0);
    if (xs.length < 3) throw ctx.error(`input must be [N, C, D1, ...] (rank >= 3), got ${shapeStr(xs)}`);
    return null;
  },
  outputShapes(ctx) {
    const xs = ctx.shape(0);
    return [[xs[0]!, xs[1]!, ...xs.slice(2).map(() => 1)]];
  },
  reference(inputs) {
    const x = asFloat(inputs[0]);
    const planes = x.shape[0]! * x.shape[1]!;
    const inner = sizeOf(x.shape.slice(2));
    const y = new Float32Array(planes);
    for (let p = 0; p < planes; p++) {
      let s = 0;
      for (let i = 0; i < inner; i++) s += x.data[p * inner + i]!;
      y[p] = s / inner;
    }
    return [{ shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)], data: y }];
  },
});
