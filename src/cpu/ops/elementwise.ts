import type { Value } from '../../graph/ir.js';
import { runBinary, type BinaryOpDef } from '../../ops/broadcast.js';
import type { OpDef } from '../../ops/types.js';
import { runUnary, type UnaryOpDef } from '../../ops/unary.js';
import { foldInputs, type VariadicOpDef } from '../../ops/variadic.js';
import { outputBuffer } from '../pool.js';

type Kernel = (inputs: readonly Value[], attrs: any) => Value[];

/** A broadcasting binary op's row loops, float outputs in recycled buffers (they write every element). */
function binaryKernel(def: BinaryOpDef): Kernel {
  return (inputs) => runBinary(def, inputs, true, outputBuffer);
}

/**
 * The fast kernel of an op built by unaryOp (when it has a whole-array loop), binaryOp or variadicOp; undefined
 * for any other op.
 */
export function elementwiseKernel(def: OpDef<any>): Kernel | undefined {
  if ('loop' in def) {
    const loop = (def as UnaryOpDef<unknown>).loop;
    return loop && ((inputs, a) => runUnary(inputs, a, loop, outputBuffer));
  }
  if ('rows' in def) return binaryKernel(def as BinaryOpDef);
  if ('binary' in def) {
    const k = binaryKernel((def as VariadicOpDef).binary);
    return (inputs) => foldInputs(inputs, k);
  }
  return undefined;
}
