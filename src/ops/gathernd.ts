import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, stridesOf } from '../tensor.js';
import { allocLike, elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

export interface GatherNDAttrs {
  batchDims: number;
  /** Index tuple length: the last dim of indices. */
  k: number;
  outShape: number[];
}

/**
 * ONNX GatherND (TF's GatherNd): each length-k row of `indices` picks a slice data[b..., i0, …, ik−1, ...]; output
 * indices.shape[:-1] + data.shape[batch_dims + k:]. Indices may arrive as float values (runtime tensors are
 * float32 here) and must be integral; negative ones wrap.
 */
export const GatherND = defineOp<GatherNDAttrs>({
  op: 'GatherND',
  parse(ctx) {
    const ds = ctx.shape(0);
    const is = ctx.shape(1);
    const batchDims = ctx.int('batch_dims', 0);
    if (is.length < 1) throw ctx.error('indices must have rank >= 1');
    if (batchDims < 0 || batchDims >= Math.min(ds.length, is.length))
      throw ctx.error(`batch_dims ${batchDims} must be smaller than the ranks of data ${shapeStr(ds)} and indices ${shapeStr(is)}`);
    for (let b = 0; b < batchDims; b++)
      if (ds[b] !== is[b]) throw ctx.error(`batch dim ${b} differs: data ${shapeStr(ds)}, indices ${shapeStr(is)}`);
    const k = is[is.length - 1]!;
    if (k < 1 || k > ds.length - batchDims)
      throw ctx.error(`the last dim of indices ${shapeStr(is)} must be in [1, ${ds.length - batchDims}] for data ${shapeStr(ds)}`);
    if (ctx.constant(1) !== undefined) {
      const v = ctx.constInts(1, 'indices')!;
      v.forEach((i, n) => {
        const d = ds[batchDims + (n % k)]!;
        if (!Number.isInteger(i) || i < -d || i >= d) throw ctx.error(`index ${i} is out of range [${-d}, ${d - 1}] for data ${shapeStr(ds)}`);
      });
    }
    return { batchDims, k, outShape: [...is.slice(0, -1), ...ds.slice(batchDims + k)] };
  },
  outputShapes: (_ctx, a) => [a.outShape],
  reference(inputs: readonly Value[], a) {
    const x = inputs[0]!;
    const ds = x.shape;
    const ind = elems(inputs[1]!);
    const st = stridesOf(ds);
    const inner = sizeOf(ds.slice(a.batchDims + a.k));
    const rows = ind.length / a.k;
    const rowsPerBatch = rows / Math.max(1, sizeOf(ds.slice(0, a.batchDims)));
    const batchStride = a.batchDims > 0 ? st[a.batchDims - 1]! : 0;
    const src = elems(x);
    const dst = allocLike(x, rows * inner);
    for (let j = 0; j < rows; j++) {
      let off = Math.floor(j / rowsPerBatch) * batchStride;
      for (let t = 0; t < a.k; t++) {
        const d = ds[a.batchDims + t]!;
        let i = ind[j * a.k + t]!;
        if (!(Number.isInteger(i) && i >= -d && i < d)) throw new RangeError(`GatherND: index ${i} is out of range for dimension ${d}`);
        if (i < 0) i += d;
        off += i * st[a.batchDims + t]!;
      }
      dst.set(src.subarray(off, off + inner), j * inner);
    }
    return [withData(x, a.outShape, dst)];
  },
});
