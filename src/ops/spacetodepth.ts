import type { Value } from '../graph/ir.js';
import { shapeStr } from '../tensor.js';
import { allocLike, elems, withData } from './broadcast.js';
import { parseBlock, type BlockAttrs } from './depthtospace.js';
import { defineOp } from './types.js';

/** [N, C, H, W] -> [N, C·b², H/b, W/b], channel (i·b + j)·C + c for block row i, column j (TF's order). */
export const SpaceToDepth = defineOp<BlockAttrs>({
  op: 'SpaceToDepth',
  parse(ctx) {
    const { blocksize: b } = parseBlock(ctx);
    const xs = ctx.shape(0);
    const [n, c, h, w] = xs as [number, number, number, number];
    if (h % b !== 0 || w % b !== 0) throw ctx.error(`spatial dims of input ${shapeStr(xs)} are not divisible by blocksize ${b}`);
    return { blocksize: b, crd: false, outShape: [n, c * b * b, h / b, w / b] };
  },
  outputShapes: (_ctx, a) => [a.outShape],
  reference(inputs: readonly Value[], a) {
    const x = inputs[0]!;
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const b = a.blocksize;
    const src = elems(x);
    const y = allocLike(x, src.length);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let iy = 0; iy < H; iy++)
          for (let ix = 0; ix < W; ix++) {
            const ch = ((iy % b) * b + (ix % b)) * C + c;
            y[((n * C * b * b + ch) * (H / b) + Math.floor(iy / b)) * (W / b) + Math.floor(ix / b)] = src[((n * C + c) * H + iy) * W + ix]!;
          }
    return [withData(x, a.outShape, y)];
  },
});
