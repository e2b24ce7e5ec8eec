import type { Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import { broadcastShapes } from './broadcast.js';
import { defineOp, type OpDef } from './types.js';

/** An n-ary op (Max, Min, Sum…) folding a broadcasting binary op left to right over its inputs. */
export function variadicOp(binary: OpDef<null>): OpDef<null> {
  const fold = (inputs: readonly Value[], kernel: OpDef<null>['reference']): Value[] => {
    let acc = inputs[0]!;
    if (inputs.length === 1)
      return [isInt(acc) ? { shape: acc.shape, ints: acc.ints.slice() } : { shape: acc.shape, data: acc.data.slice() }];
    for (let k = 1; k < inputs.length; k++) acc = kernel([acc, inputs[k]!], null)[0]!;
    return [acc];
  };
  const fast = binary.fast ?? binary.reference;
  return defineOp<null>({
    op: binary.op,
    parse(ctx) {
      if (ctx.node.inputs.length === 0) throw ctx.error('needs at least one input');
      ctx.node.inputs.forEach((_, i) => ctx.shape(i));
      return null;
    },
    outputShapes: (ctx) => [broadcastShapes(ctx.node.inputs.map((_, i) => ctx.shape(i)), (m) => ctx.error(m))],
    reference: (inputs) => fold(inputs, binary.reference),
    fast: (inputs) => fold(inputs, fast),
  });
}
