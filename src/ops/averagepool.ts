import { asFloat, defineOp } from './types.js';
import { parsePool2D, type PoolAttrs } from './window.js';

export interface AveragePoolAttrs extends PoolAttrs {
  /** Divide by the taps inside the padded input (1) or only those inside the input (0). */
  countIncludePad: boolean;
}

/**
 * Mean over each window. With count_include_pad the divisor counts taps in the explicit padding but never
 * taps beyond it (possible with ceil_mode), as in PyTorch and onnxruntime.
 */
export const AveragePool = defineOp<AveragePoolAttrs>({
  op: 'AveragePool',
  parse(ctx) {
    return { ...parsePool2D(ctx, true), countIncludePad: ctx.int('count_include_pad', 0) !== 0 };
  },
  outputShapes: (ctx, a) => [[ctx.shape(0)[0]!, ctx.shape(0)[1]!, ...a.out]],
  reference(inputs, a) {
    const x = asFloat(inputs[0]);
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [Ho, Wo] = a.out;
    const [pt, pl, pb, pr] = a.pads;
    const y = new Float32Array(N * C * Ho * Wo);
    for (let p = 0; p < N * C; p++)
      for (let oy = 0; oy < Ho; oy++)
        for (let ox = 0; ox < Wo; ox++) {
          let s = 0;
          let count = 0;
          for (let ky = 0; ky < a.kernel[0]; ky++)
            for (let kx = 0; kx < a.kernel[1]; kx++) {
              const iy = oy * a.strides[0] - pt + ky * a.dilations[0];
              const ix = ox * a.strides[1] - pl + kx * a.dilations[1];
              const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
              const inPadded = iy >= -pt && iy < H + pb && ix >= -pl && ix < W + pr;
              if (inside) s += x.data[(p * H + iy) * W + ix]!;
              if (a.countIncludePad ? inPadded : inside) count++;
            }
          y[(p * Ho + oy) * Wo + ox] = s / count;
        }
    return [{ shape: [N, C, Ho, Wo], data: y }];
  },
});
