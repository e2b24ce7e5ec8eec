import type { Value } from '../graph/ir.js';
import { asFloat, defineOp, type OpDef } from './types.js';

/** Builds an elementwise float op whose output has its input's shape. */
export function unaryOp<A>(op: string, parse: OpDef<A>['parse'], f: (x: number, a: A) => number): OpDef<A> {
  return defineOp<A>({
    op,
    parse,
    outputShapes: (ctx) => [ctx.shape(0)],
    reference(inputs: readonly Value[], a: A) {
      const x = asFloat(inputs[0]);
      const y = new Float32Array(x.data.length);
      for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]!, a);
      return [{ shape: x.shape, data: y }];
    },
  });
}
