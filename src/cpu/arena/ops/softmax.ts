/**
 * Softmax on the CPU engine (c/elementwise.c elt_softmax_rows / elt_softmax_cols) over any axis, in the layout its
 * input has: the axis is located in storage order, so channel softmax of an NHWC tensor is contiguous rows. The
 * legacy form (opset < 13, the tail flattened from `axis`) needs that tail contiguous: plain, unless axis 0.
 */
import type { SoftmaxAttrs } from '../../../ops/softmax.js';
import { sizeOf } from '../../../tensor.js';
import type { ArenaKernel, Call } from '../types.js';
import { physicalOrder } from './elementwise.js';

export const softmaxKernel: ArenaKernel = {
  layouts(rn, have) {
    const x = have[0];
    if (x === undefined) return undefined;
    const { axis, legacy } = rn.attrs as SoftmaxAttrs;
    const layout = legacy && axis !== 0 ? 'plain' : x;
    return { inputs: [layout], outputs: [layout] };
  },
  build(ctx): Call[] {
    const x = ctx.input(0)!;
    const { axis, legacy } = ctx.node.attrs as SoftmaxAttrs;
    const order = physicalOrder(x.shape.length, x.layout);
    const dims = order.map((a) => x.shape[a]!);
    const p = order.indexOf(axis);
    const outer = sizeOf(dims.slice(0, p));
    const n = legacy ? sizeOf(dims.slice(p)) : dims[p]!;
    const inner = legacy ? 1 : sizeOf(dims.slice(p + 1));
    if (outer * n * inner === 0) return [];
    const y = ctx.output(0).offset;
    if (inner === 1) return [{ fn: 'elt_softmax_rows', args: [y, x.offset, n], tiles: outer }];
    return [{ fn: 'elt_softmax_cols', args: [y, x.offset, n, inner], tiles: outer * Math.ceil(inner / 4) }];
  },
};
