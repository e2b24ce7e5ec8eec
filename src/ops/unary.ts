import type { Value } from '../graph/ir.js';
import { outputBuffer } from '../cpu/pool.js';
import { asFloat, defineOp, type OpDef } from './types.js';

/** A whole-array loop computing the same f as the op's scalar function, written out so the arithmetic inlines. */
export type UnaryLoop<A> = (x: Float32Array, y: Float32Array, a: A) => void;

/**
 * Builds an elementwise float op whose output has its input's shape. `f` is the reference; `loop`, when given,
 * is the fast kernel (a shared loop calling `f` per element goes megamorphic once several ops use it).
 */
export function unaryOp<A>(op: string, parse: OpDef<A>['parse'], f: (x: number, a: A) => number, loop?: UnaryLoop<A>): OpDef<A> {
  const run = (inputs: readonly Value[], a: A, k: UnaryLoop<A>, fast: boolean): Value[] => {
    const x = asFloat(inputs[0]);
    const y = fast ? outputBuffer(x.data.length) : new Float32Array(x.data.length);
    k(x.data, y, a);
    return [{ shape: x.shape, data: y }];
  };
  const ref: UnaryLoop<A> = (x, y, a) => {
    for (let i = 0; i < y.length; i++) y[i] = f(x[i]!, a);
  };
  return defineOp<A>({
    op,
    parse,
    outputShapes: (ctx) => [ctx.shape(0)],
    reference: (inputs, a) => run(inputs, a, ref, false),
    ...(loop ? { fast: (inputs: readonly Value[], a: A) => run(inputs, a, loop, true) } : {}),
  });
}
