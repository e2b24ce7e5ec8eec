import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, type Shape } from '../tensor.js';
import { allocLike, elems, stridedCopy, withData } from './broadcast.js';
import { defineOp, type NodeCtx } from './types.js';

export interface BlockAttrs {
  blocksize: number;
  /** Channel order of the deep tensor: DCR (depth-column-row, TF's order) or CRD (column-row-depth). */
  crd: boolean;
  outShape: Shape;
}

/**
 * The index space [N, C, H, b, W, b] shared by DepthToSpace and SpaceToDepth, where [N, C, H·b, W·b] is the
 * spatially big tensor and [N, C·b², H, W] the deep one, with each tensor's stride along every index dim.
 * Deep channel = (i·b + j)·C + c (DCR) or c·b² + i·b + j (CRD) for block row i, column j.
 */
export function blockPlan(big: Shape, b: number, crd: boolean, bigStrides: readonly number[], deepStrides: readonly number[]) {
  const [N, C, H, W] = [big[0]!, big[1]!, big[2]! / b, big[3]! / b];
  const [sn, sc, sh, sw] = bigStrides as [number, number, number, number];
  const [tn, tc, th, tw] = deepStrides as [number, number, number, number];
  return {
    sizes: [N, C, H, b, W, b],
    big: [sn, sc, b * sh, sh, b * sw, sw],
    deep: crd ? [tn, b * b * tc, th, b * tc, tw, tc] : [tn, tc, th, b * C * tc, tw, C * tc],
  };
}

/** CPU copy over a block plan: `src` strides read, `dst` strides (a permutation of dst's row-major strides) write. */
export function blockCopy(x: Value, outShape: Shape, sizes: number[], src: number[], dst: number[]): Value {
  const y = allocLike(x, sizeOf(outShape));
  // walk in dst order so dst is written contiguously
  const order = sizes.map((_, k) => k).sort((p, q) => dst[q]! - dst[p]!);
  stridedCopy(elems(x), 0, order.map((k) => src[k]!), order.map((k) => sizes[k]!), y);
  return withData(x, outShape, y);
}

export function parseBlock(ctx: NodeCtx): { blocksize: number; crd: boolean } {
  const xs = ctx.shape(0);
  if (xs.length !== 4) throw ctx.error(`input must be 4-D NCHW, got ${shapeStr(xs)}`);
  const blocksize = ctx.int('blocksize');
  if (blocksize === undefined || blocksize < 1) throw ctx.error(`attribute blocksize must be a positive integer, got ${blocksize}`);
  return { blocksize, crd: false };
}

/** [N, C, H, W] -> [N, C/b², H·b, W·b]; mode DCR (default; TF's DepthToSpace in NHWC terms) or CRD. */
export const DepthToSpace = defineOp<BlockAttrs>({
  op: 'DepthToSpace',
  parse(ctx) {
    const { blocksize: b } = parseBlock(ctx);
    const mode = ctx.string('mode', 'DCR');
    if (mode !== 'DCR' && mode !== 'CRD') throw ctx.error(`mode must be DCR or CRD, got "${mode}"`);
    const [n, c, h, w] = ctx.shape(0) as [number, number, number, number];
    if (c % (b * b) !== 0) throw ctx.error(`channels ${c} of input ${shapeStr(ctx.shape(0))} are not divisible by blocksize² = ${b * b}`);
    return { blocksize: b, crd: mode === 'CRD', outShape: [n, c / (b * b), h * b, w * b] };
  },
  outputShapes: (_ctx, a) => [a.outShape],
  reference(inputs: readonly Value[], a) {
    const x = inputs[0]!;
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const b = a.blocksize;
    const c2 = C / (b * b);
    const src = elems(x);
    const y = allocLike(x, src.length);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < c2; c++)
        for (let oy = 0; oy < H * b; oy++)
          for (let ox = 0; ox < W * b; ox++) {
            const i = oy % b;
            const j = ox % b;
            const ch = a.crd ? c * b * b + i * b + j : (i * b + j) * c2 + c;
            y[((n * c2 + c) * H * b + oy) * W * b + ox] = src[((n * C + ch) * H + Math.floor(oy / b)) * W + Math.floor(ox / b)]!;
          }
    return [withData(x, a.outShape, y)];
  },
});
