// Concat on the CPU engine: each input copied into its slice of the output, all in the output's layout.
import type { ArenaKernel } from '../types.js';
import { copyInto, logicalStrides, MAX_RANK } from './strided.js';

/** 'nhwc' when every input is 4-D 'nhwc' already, else 'plain'; declines constant inputs. */
export const concatKernel: ArenaKernel = {
  layouts(rn, have) {
    const rank = rn.outputShapes[0]!.length;
    if (rank > MAX_RANK || have.length !== rn.inputShapes.length || have.some((h) => h === undefined)) return undefined;
    const out = rank === 4 && have.every((h) => h === 'nhwc') ? 'nhwc' : 'plain';
    return { inputs: have.map(() => out), outputs: [out] };
  },
  build(ctx) {
    const { axis } = ctx.node.attrs as { axis: number };
    const y = ctx.output(0);
    const step = logicalStrides(y)[axis]! * 4;
    let at = y.offset;
    return ctx.node.inputShapes.flatMap((_, i) => {
      const x = ctx.input(i)!;
      const calls = copyInto(ctx, y, at, x.offset, logicalStrides(x), x.shape);
      at += x.shape[axis]! * step;
      return calls;
    });
  },
};
