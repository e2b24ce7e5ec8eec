// Split on the CPU engine: each output a strided copy of its slice of the input, in the input's layout.
import type { SplitAttrs } from '../../../ops/split.js';
import type { ArenaKernel } from '../types.js';
import { copyInto, logicalStrides, sameLayout } from './strided.js';

export const splitKernel: ArenaKernel = {
  layouts: sameLayout,
  build(ctx) {
    const x = ctx.input(0)!;
    const { axis, sizes } = ctx.node.attrs as SplitAttrs;
    const st = logicalStrides(x);
    let at = x.offset;
    return sizes.flatMap((d, i) => {
      // An output no one reads (named '') has no slot.
      const y = ctx.node.node.outputs[i] ? ctx.output(i) : undefined;
      const calls = y ? copyInto(ctx, y, y.offset, at, st, y.shape) : [];
      at += d * st[axis]! * 4;
      return calls;
    });
  },
};
