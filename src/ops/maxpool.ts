import { asFloat, defineOp } from './types.js';
import { parsePool2D, type PoolAttrs } from './window.js';

/** Max over each window; padding acts as −∞ and NaN wins, as in PyTorch. */
export const MaxPool = defineOp<PoolAttrs>({
  op: 'MaxPool',
  parse(ctx) {
    if (ctx.int('storage_order', 0) !== 0) throw ctx.error('storage_order=1 is unsupported');
    if ((ctx.node.outputs[1] ?? '') !== '') throw ctx.error('the second (Indices) output is unsupported');
    return parsePool2D(ctx, true);
  },
  outputShapes: (ctx, a) => [[ctx.shape(0)[0]!, ctx.shape(0)[1]!, ...a.out]],
  reference(inputs, a) {
    const x = asFloat(inputs[0]);
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [Ho, Wo] = a.out;
    const y = new Float32Array(N * C * Ho * Wo);
    for (let p = 0; p < N * C; p++)
      for (let oy = 0; oy < Ho; oy++)
        for (let ox = 0; ox < Wo; ox++) {
          let m = -Infinity;
          for (let ky = 0; ky < a.kernel[0]; ky++)
            for (let kx = 0; kx < a.kernel[1]; kx++) {
              const iy = oy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
              const ix = ox * a.strides[1] - a.pads[1] + kx * a.dilations[1];
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const v = x.data[(p * H + iy) * W + ix]!;
              if (v > m || Number.isNaN(v)) m = v;
            }
          y[(p * Ho + oy) * Wo + ox] = m;
        }
    return [{ shape: [N, C, Ho, Wo], data: y }];
  },
});
