// Concat on the CPU engine: each input copied into its slice of the output, all in the output's layout; constant
// inputs are placed once, at load, in the read-only region in that layout.
import { ShapeError } from '../../../errors.js';
import type { ArenaKernel, BuildCtx, Slot } from '../types.js';
import { copyInto, logicalStrides, MAX_RANK } from './strided.js';

/** A constant input (logical row-major) laid out as `layout` in the read-only region. */
function placeConstant(ctx: BuildCtx, data: Float32Array, shape: readonly number[], layout: Slot['layout']): Slot {
  const st = logicalStrides({ shape, layout });
  const out = new Float32Array(data.length);
  const idx = shape.map(() => 0);
  for (let i = 0; i < data.length; i++) {
    out[idx.reduce((o, x, k) => o + x * st[k]!, 0)] = data[i]!;
    for (let k = idx.length - 1; k >= 0 && ++idx[k]! === shape[k]!; k--) idx[k] = 0;
  }
  return { offset: ctx.weights(out), shape, layout };
}

/** 'nhwc' when every non-constant input is 4-D 'nhwc' already, else 'plain'. */
export const concatKernel: ArenaKernel = {
  layouts(rn, have) {
    const rank = rn.outputShapes[0]!.length;
    if (rank > MAX_RANK || have.every((h) => h === undefined)) return undefined;
    const out = rank === 4 && have.every((h) => h !== 'plain') ? 'nhwc' : 'plain';
    return { inputs: have.map((h) => (h === undefined ? undefined : out)), outputs: [out] };
  },
  build(ctx) {
    const { axis } = ctx.node.attrs as { axis: number };
    const y = ctx.output(0);
    const step = logicalStrides(y)[axis]! * 4;
    let at = y.offset;
    return ctx.node.inputShapes.flatMap((shape, i) => {
      const c = ctx.input(i) ? undefined : ctx.constant(i);
      if (!ctx.input(i) && !c) throw new ShapeError(ctx.node.node.name, 'Concat', `input ${i} is neither in the arena nor a float constant`);
      const x = ctx.input(i) ?? placeConstant(ctx, c!, shape, y.layout);
      const calls = copyInto(ctx, y, at, x.offset, logicalStrides(x), x.shape);
      at += x.shape[axis]! * step;
      return calls;
    });
  },
};
