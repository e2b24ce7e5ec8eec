import { shapeStr, sizeOf } from '../tensor.js';
import { asFloat, defineOp } from './types.js';

export interface BatchNormAttrs {
  epsilon: number;
}

/** Inference-mode batch normalisation over channel axis 1: y = scale·(x − mean)/√(var + ε) + B. */
export const BatchNormalization = defineOp<BatchNormAttrs>({
  op: 'BatchNormalization',
  parse(ctx) {
    const xs = ctx.shape(0);
    if (xs.length < 2) throw ctx.error(`input must have rank >= 2 (N, C, ...), got ${shapeStr(xs)}`);
    if (ctx.int('training_mode', 0) !== 0) throw ctx.error('training_mode=1 is not supported (inference only)');
    const c = xs[1]!;
    (['scale', 'B', 'mean', 'var'] as const).forEach((what, k) => {
      const s = ctx.shape(k + 1);
      if (s.length !== 1 || s[0] !== c)
        throw ctx.error(`${what} ${shapeStr(s)} must be [${c}] to match input ${shapeStr(xs)}`);
    });
    return { epsilon: ctx.float('epsilon', 1e-5) };
  },
  outputShapes: (ctx) => [ctx.shape(0)],
  // torchinfo counts weight + bias (the running statistics are buffers) and N · params mult-adds.
  cost(ins) {
    const params = 2 * ins[0]![1]!;
    return { params, macs: ins[0]![0]! * params };
  },
  reference(inputs, a) {
    const [x, scale, b, mean, v] = inputs.map((t) => asFloat(t));
    const [N, C] = x!.shape as [number, number];
    const inner = sizeOf(x!.shape.slice(2));
    const y = new Float32Array(x!.data.length);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let i = 0; i < inner; i++) {
          const k = (n * C + c) * inner + i;
          y[k] = (scale!.data[c]! * (x!.data[k]! - mean!.data[c]!)) / Math.sqrt(v!.data[c]! + a.epsilon) + b!.data[c]!;
        }
    return [{ shape: x!.shape, data: y }];
  },
});
