import type { Value } from '../graph/ir.js';
import { asFloat, type OpDef } from './types.js';

/** A whole-array loop computing the same f as the op's scalar function, written out so the arithmetic inlines. */
export type UnaryLoop<A> = (x: Float32Array, y: Float32Array, a: A) => void;

/** An elementwise op built by unaryOp; `loop`, when given, is what the CPU backend's kernel runs (src/cpu/ops/elementwise.ts). */
export interface UnaryOpDef<A> extends OpDef<A> {
  readonly loop?: UnaryLoop<A>;
}

/** Runs a whole-array loop over input 0 into an output from `alloc`. */
export function runUnary<A>(inputs: readonly Value[], a: A, loop: UnaryLoop<A>, alloc: (n: number) => Float32Array): Value[] {
  const x = asFloat(inputs[0]);
  const y = alloc(x.data.length);
  loop(x.data, y, a);
  return [{ shape: x.shape, data: y }];
}

/**
 * Builds an elementwise float op whose output has its input's shape. `f` is the reference; `loop`, when given,
 * is the fast form (a shared loop calling `f` per element goes megamorphic once several ops use it).
 */
export function unaryOp<A>(op: string, parse: OpDef<A>['parse'], f: (x: number, a: A) => number, loop?: UnaryLoop<A>): UnaryOpDef<A> {
  const ref: UnaryLoop<A> = (x, y, a) => {
    for (let i = 0; i < y.length; i++) y[i] = f(x[i]!, a);
  };
  return {
    op,
    parse,
    outputShapes: (ctx) => [ctx.shape(0)],
    reference: (inputs, a) => runUnary(inputs, a, ref, (n) => new Float32Array(n)),
    loop,
  };
}
