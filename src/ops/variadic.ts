import type { Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import { broadcastShapes, type BinaryOpDef } from './broadcast.js';
import type { OpDef } from './types.js';

type Kernel = OpDef<null>['reference'];

/** An n-ary op folding a broadcasting binary op; `binary` is what the CPU backend folds with its own kernel. */
export interface VariadicOpDef extends OpDef<null> {
  readonly binary: BinaryOpDef;
}

/** Folds `kernel` left to right over the inputs (one input: a copy of it). */
export function foldInputs(inputs: readonly Value[], kernel: Kernel): Value[] {
  let acc = inputs[0]!;
  if (inputs.length === 1)
    return [isInt(acc) ? { shape: acc.shape, ints: acc.ints.slice() } : { shape: acc.shape, data: acc.data.slice() }];
  for (let k = 1; k < inputs.length; k++) acc = kernel([acc, inputs[k]!], null)[0]!;
  return [acc];
}

/** An n-ary op (Max, Min, Sum…) folding a broadcasting binary op left to right over its inputs. */
export function variadicOp(binary: BinaryOpDef): VariadicOpDef {
  return {
    op: binary.op,
    parse(ctx) {
      if (ctx.node.inputs.length === 0) throw ctx.error('needs at least one input');
      ctx.node.inputs.forEach((_, i) => ctx.shape(i));
      return null;
    },
    outputShapes: (ctx) => [broadcastShapes(ctx.node.inputs.map((_, i) => ctx.shape(i)), (m) => ctx.error(m))],
    reference: (inputs) => foldInputs(inputs, binary.reference),
    binary,
  };
}
