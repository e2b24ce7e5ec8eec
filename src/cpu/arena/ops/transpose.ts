// Transpose on the CPU engine: one strided copy from the input's memory order to the output's (c/tensor.c).
import { type ArenaKernel, type Layout, type Slot } from '../types.js';
import { copyCall, copyPlan, layoutFor, logicalStrides, MAX_RANK, physicalOrder } from './strided.js';

type Perm = { perm: number[] };
const CLEARLY = 0.75;

function plan(inp: Pick<Slot, 'shape' | 'layout'>, out: Pick<Slot, 'shape' | 'layout'>, perm: readonly number[]) {
  const st = logicalStrides(inp);
  return copyPlan(out.shape, perm.map((p) => st[p]!), logicalStrides(out), physicalOrder(out.shape.length, out.layout));
}

/**
 * Takes the input as it is; gives a 4-D output as 'nhwc' only where that copy is clearly cheaper than the plain
 * one (e.g. a swap of H and W of an 'nhwc' input keeps channels contiguous: row copies instead of 4×4 transposes),
 * else 'plain'.
 */
export const transposeKernel: ArenaKernel = {
  layouts(rn, have) {
    const shape = rn.inputShapes[0]!;
    if (shape.length > MAX_RANK || have[0] === undefined) return undefined;
    const { perm } = rn.attrs as Perm;
    const inp = { shape, layout: layoutFor(shape.length, have[0]) };
    const outShape = rn.outputShapes[0]!;
    let out: Layout = 'plain';
    if (outShape.length === 4 && plan(inp, { shape: outShape, layout: 'nhwc' }, perm).cost < CLEARLY * plan(inp, { shape: outShape, layout: 'plain' }, perm).cost) out = 'nhwc';
    return { inputs: [inp.layout], outputs: [out] };
  },
  build(ctx) {
    const x = ctx.input(0)!;
    const y = ctx.output(0);
    return copyCall(ctx, y.offset, x.offset, plan(x, y, (ctx.node.attrs as Perm).perm));
  },
};
