import type { Value } from '../graph/ir.js';
import { sizeOf } from '../tensor.js';
import { defineOp } from './types.js';

export const Identity = defineOp<null>({
  op: 'Identity',
  parse: () => null,
  outputShapes: (ctx) => [ctx.shape(0)],
  reference: (inputs: readonly Value[]) => [inputs[0]!],
});

/** Inference-mode Dropout: output 0 is the input; the optional mask (output 1) is all true. */
export const Dropout = defineOp<{ mask: boolean }>({
  op: 'Dropout',
  parse(ctx) {
    if (ctx.opset >= 12 && ctx.has(2) && ctx.constFloat(2, 'training_mode') !== 0)
      throw ctx.error('training_mode=true is not supported; export the model in eval mode');
    return { mask: (ctx.node.outputs[1] ?? '') !== '' };
  },
  outputShapes: (ctx, a) => (a.mask ? [ctx.shape(0), ctx.shape(0)] : [ctx.shape(0)]),
  reference: (inputs: readonly Value[], a) => {
    const x = inputs[0]!;
    return a.mask ? [x, { shape: x.shape, ints: new Float64Array(sizeOf(x.shape)).fill(1) }] : [x];
  },
});
