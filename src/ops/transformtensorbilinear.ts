import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { asFloat, defineOp } from './types.js';

export interface TransformTensorBilinearAttrs {
  outH: number;
  outW: number;
}

/**
 * The two rows of MediaPipe's TransformTensorBilinear v2 sampling transform from a 4×4 matrix m (row-major): the
 * half-pixel correction (x, y) → S·(T·A) folds into the translation column (mediapipe/util/tflite/operations/
 * transform_tensor_bilinear.cc).
 */
export function samplingRows(m: ArrayLike<number>): [number, number, number, number, number, number] {
  const ax = m[0]!, bx = m[1]!, ay = m[4]!, by = m[5]!;
  return [ax, bx, m[3]! + (ax + bx) * 0.5 - 0.5, ay, by, m[7]! + (ay + by) * 0.5 - 0.5];
}

/**
 * MediaPipe's TransformTensorBilinear (version 2): x [1, C, H, W] sampled bilinearly at the affine image of each
 * output pixel (x_out, y_out) under the first two rows of the 4×4 matrix (input 1, 16 values); a sample outside
 * [0, W − 1] × [0, H − 1] is 0, and a corner past the edge reads 0. Output [1, C, outH, outW].
 */
export const TransformTensorBilinear = defineOp<TransformTensorBilinearAttrs>({
  op: 'TransformTensorBilinear',
  parse(ctx) {
    const xs = ctx.shape(0);
    const ms = ctx.shape(1);
    if (xs.length !== 4 || xs[0] !== 1) throw ctx.error(`input ${shapeStr(xs)} must be [1, C, H, W]`);
    if (sizeOf(ms) !== 16) throw ctx.error(`the matrix ${shapeStr(ms)} must hold 16 values (4×4)`);
    const outH = ctx.int('output_height', 0)!;
    const outW = ctx.int('output_width', 0)!;
    if (!(outH > 0 && outW > 0)) throw ctx.error(`output size ${outH}×${outW} must be positive`);
    return { outH, outW };
  },
  outputShapes: (ctx, a) => [[1, ctx.shape(0)[1]!, a.outH, a.outW]],
  cost: (_i, outs) => ({ params: 0, macs: 4 * sizeOf(outs[0]!) }),
  reference(inputs: readonly Value[], a) {
    const x = asFloat(inputs[0]);
    const [, c, h, w] = x.shape as [number, number, number, number];
    const [ax, bx, tx, ay, by, ty] = samplingRows(asFloat(inputs[1]).data);
    const y = new Float32Array(c * a.outH * a.outW);
    const read = (ch: number, r: number, q: number) => (r < 0 || q < 0 || r >= h || q >= w ? 0 : x.data[(ch * h + r) * w + q]!);
    for (let oy = 0; oy < a.outH; oy++)
      for (let ox = 0; ox < a.outW; ox++) {
        const sx = Math.fround(ax * ox + bx * oy + tx);
        const sy = Math.fround(ay * ox + by * oy + ty);
        if (!(sx >= 0 && sx <= w - 1 && sy >= 0 && sy <= h - 1)) continue;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        for (let ch = 0; ch < c; ch++) {
          const upper = (1 - fx) * read(ch, y0, x0) + fx * read(ch, y0, x0 + 1);
          const lower = (1 - fx) * read(ch, y0 + 1, x0) + fx * read(ch, y0 + 1, x0 + 1);
          y[(ch * a.outH + oy) * a.outW + ox] = fy * lower + (1 - fy) * upper;
        }
      }
    return [{ shape: [1, c, a.outH, a.outW], data: y }];
  },
});
