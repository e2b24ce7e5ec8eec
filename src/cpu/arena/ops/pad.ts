// Pad on the CPU engine (constant, edge, reflect; negative pads crop) in the input's layout: each output row
// written once (c/tensor.c tensor_pad).
import type { PadAttrs } from '../../../ops/pad.js';
import type { ArenaKernel } from '../types.js';
import { padCall, padPlan, physicalOrder, sameLayout } from './strided.js';

export const padKernel: ArenaKernel = {
  layouts: sameLayout,
  build(ctx) {
    const x = ctx.input(0)!;
    const a = ctx.node.attrs as PadAttrs;
    const order = physicalOrder(x.shape.length, x.layout);
    const plan = padPlan(order.map((k) => x.shape[k]!), order.map((k) => a.begin[k]!), order.map((k) => a.shape[k]!), a.mode);
    return padCall(ctx, ctx.output(0).offset, x.offset, plan, a.value);
  },
};
