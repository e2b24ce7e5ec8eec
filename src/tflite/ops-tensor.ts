import { UnsupportedOpError } from '../errors.js';
import { MAX_ELEMENTS } from '../onnx/tensor.js';
import { concat, expandDims, gather, gatherNd, pack, pad, reshape, slice, stridedSlice, transpose, unpack, type TfTensor } from '../tf/index.js';
import { num, pairs, type Lowering, type OpCtx } from './ops.js';
import { MirrorPadMode, BuiltinOperator as Op } from './schema/tflite_generated.js';

/** A constant scalar (or one-element) integer input, e.g. an axis. */
export function scalar(c: OpCtx, k: number): number {
  const v = c.ints(k);
  if (v.length !== 1) throw c.fail(`input #${k} must hold one integer; it holds ${v.length}`);
  return v[0]!;
}

/** A TF axis in [-rank, rank) made non-negative, or a typed error. */
export function axisOf(c: OpCtx, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(Number.isInteger(a) && a >= 0 && a < rank)) throw c.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Consecutive slices of `x` along `axis` with the given sizes (SPLIT, SPLIT_V). */
function splitBy(c: OpCtx, x: TfTensor, axis: number, sizes: number[]): TfTensor[] {
  let at = 0;
  return sizes.map((n) => {
    const begin = x.shape.map((_, i) => (i === axis ? at : 0));
    const size = x.shape.map((d, i) => (i === axis ? n : d));
    at += n;
    return slice(c.b, c.base, x, begin, size);
  });
}

/** The [bh, bw] block of SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND on a 4-D input. */
function blockShape(c: OpCtx, x: TfTensor): [number, number] {
  const v = c.ints(1);
  if (x.shape.length !== 4 || v.length !== 2 || v.some((k) => !(Number.isInteger(k) && k >= 1)))
    throw unsupported(c, `only 4-D inputs with a 2-D block are supported (input [${x.shape.join(', ')}], block [${v.join(', ')}])`);
  return v as [number, number];
}

export function unsupported(c: OpCtx, reason: string): Error {
  return new UnsupportedOpError([{ op: c.op.opName, node: c.base, reason }]);
}

/** Shape, slicing, joining and indexing builtins, lowered onto the shared TF ops (Slice, Concat, Gather…). */
export const TENSOR_BUILTINS: Partial<Record<Op, Lowering>> = {
  [Op.STRIDED_SLICE]: (c) => {
    const o = c.op.options;
    const begin = c.ints(1);
    const end = o.offset === true ? c.ints(2).map((e, i) => e + (begin[i] ?? 0)) : c.ints(2);
    const masks = { beginMask: num(c, 'beginMask'), endMask: num(c, 'endMask'), ellipsisMask: num(c, 'ellipsisMask'), newAxisMask: num(c, 'newAxisMask'), shrinkAxisMask: num(c, 'shrinkAxisMask') };
    return [stridedSlice(c.b, c.base, c.input(0), begin, end, c.ints(3), masks)];
  },
  [Op.SLICE]: (c) => [slice(c.b, c.base, c.input(0), c.ints(1), c.ints(2))],
  // Inputs: axis, x. The outputs are num_splits equal parts.
  [Op.SPLIT]: (c) => {
    const x = c.input(1);
    const axis = axisOf(c, scalar(c, 0), x.shape.length);
    const n = c.op.outputs.length;
    if (x.shape[axis]! % n !== 0) throw c.fail(`dimension ${axis} of [${x.shape.join(', ')}] does not split into ${n} equal parts`);
    return splitBy(c, x, axis, new Array<number>(n).fill(x.shape[axis]! / n));
  },
  // Inputs: x, size_splits (one may be -1: the rest), axis.
  [Op.SPLIT_V]: (c) => {
    const x = c.input(0);
    const axis = axisOf(c, scalar(c, 2), x.shape.length);
    const sizes = c.ints(1);
    const known = sizes.filter((s) => s !== -1).reduce((a, s) => a + s, 0);
    const filled = sizes.map((s) => (s === -1 ? x.shape[axis]! - known : s));
    if (sizes.filter((s) => s === -1).length > 1 || filled.some((s) => !(Number.isInteger(s) && s >= 0)) || filled.reduce((a, s) => a + s, 0) !== x.shape[axis])
      throw c.fail(`size_splits [${sizes.join(', ')}] do not split dimension ${axis} of [${x.shape.join(', ')}]`);
    return splitBy(c, x, axis, filled);
  },
  [Op.GATHER]: (c) => {
    if ((c.op.options.batchDims ?? 0) !== 0) throw unsupported(c, `batch_dims ${String(c.op.options.batchDims)} is not supported (only 0)`);
    const x = c.input(0);
    return [gather(c.b, c.base, x, c.input(1), axisOf(c, num(c, 'axis'), x.shape.length))];
  },
  [Op.GATHER_ND]: (c) => [gatherNd(c.b, c.base, c.input(0), c.input(1))],
  [Op.PACK]: (c) => [pack(c.b, c.base, c.op.inputs.map((_, k) => c.input(k)), num(c, 'axis'))],
  [Op.UNPACK]: (c) => {
    const x = c.input(0);
    return unpack(c.b, c.base, x, axisOf(c, num(c, 'axis'), x.shape.length));
  },
  [Op.EXPAND_DIMS]: (c) => [expandDims(c.b, c.base, c.input(0), scalar(c, 1))],
  [Op.MIRROR_PAD]: (c) => {
    if ((c.op.options.mode ?? MirrorPadMode.REFLECT) !== MirrorPadMode.REFLECT) throw unsupported(c, 'SYMMETRIC mirror padding is not supported (REFLECT is)');
    return [pad(c.b, c.base, c.input(0), pairs(c, 1), 0, 'reflect')];
  },
  // Each tiled axis becomes a Concat of copies.
  [Op.TILE]: (c) => {
    let x = c.input(0);
    const m = c.ints(1);
    if (m.length !== x.shape.length || m.some((v) => !(Number.isInteger(v) && v >= 0))) throw c.fail(`multiples [${m.join(', ')}] do not fit input [${x.shape.join(', ')}]`);
    if (x.shape.reduce((a, d, i) => a * d * m[i]!, 1) > MAX_ELEMENTS) throw c.fail(`multiples [${m.join(', ')}] make more than ${MAX_ELEMENTS} elements`);
    m.forEach((k, axis) => {
      if (k !== 1) x = k === 0 ? slice(c.b, c.base, x, x.shape.map(() => 0), x.shape.map((d, i) => (i === axis ? 0 : d))) : concat(c.b, c.base, new Array<TfTensor>(k).fill(x), axis);
    });
    return [x];
  },
  [Op.REVERSE_V2]: (c) => {
    const x = c.input(0);
    const axes = new Set(c.ints(1).map((a) => axisOf(c, a, x.shape.length)));
    const r = x.shape.length;
    const mask = [...axes].reduce((m, a) => m | (1 << a), 0);
    const strides = x.shape.map((_, i) => (axes.has(i) ? -1 : 1));
    return [stridedSlice(c.b, c.base, x, new Array<number>(r).fill(0), new Array<number>(r).fill(0), strides, { beginMask: (1 << r) - 1, endMask: (1 << r) - 1 | mask })];
  },
  // TF's space_to_depth and ONNX SpaceToDepth order the output channels alike: (block row, block col, channel).
  [Op.SPACE_TO_DEPTH]: (c) => {
    const x = c.input(0);
    const k = num(c, 'blockSize');
    const [n, h, w, ch] = x.shape as [number, number, number, number];
    if (x.shape.length !== 4 || !(Number.isInteger(k) && k >= 1) || h % k !== 0 || w % k !== 0)
      throw c.fail(`input [${x.shape.join(', ')}] does not split into ${k}×${k} blocks`);
    return [c.b.op('SpaceToDepth', c.base, [c.b.toNchw(x)], { blocksize: k }, { shape: [n, h / k, w / k, ch * k * k], layout: 'nchw', dtype: x.dtype })];
  },
  // Inputs: x [N, H, W, C], block_shape [bh, bw], paddings [[top, bottom], [left, right]]: pad, then move each
  // position inside a block to the batch, block offsets outermost.
  [Op.SPACE_TO_BATCH_ND]: (c) => {
    const x = c.input(0);
    const [bh, bw] = blockShape(c, x);
    const p = pairs(c, 2);
    if (p.length !== 2) throw c.fail('paddings must be [2, 2]');
    const y = pad(c.b, c.base, x, [[0, 0], p[0]!, p[1]!, [0, 0]]);
    const [n, h, w, ch] = y.shape as [number, number, number, number];
    if (h % bh !== 0 || w % bw !== 0) throw c.fail(`padded input [${y.shape.join(', ')}] does not split into ${bh}×${bw} blocks`);
    const r = reshape(c.b, c.base, y, [n, h / bh, bh, w / bw, bw, ch]);
    return [reshape(c.b, c.base, transpose(c.b, c.base, r, [2, 4, 0, 1, 3, 5]), [bh * bw * n, h / bh, w / bw, ch])];
  },
  // Inputs: x [bh·bw·N, H, W, C], block_shape, crops [[top, bottom], [left, right]]: the inverse, then a crop.
  [Op.BATCH_TO_SPACE_ND]: (c) => {
    const x = c.input(0);
    const [bh, bw] = blockShape(c, x);
    const crops = pairs(c, 2);
    const [b, h, w, ch] = x.shape as [number, number, number, number];
    if (b % (bh * bw) !== 0 || crops.length !== 2) throw c.fail(`batch ${b} is not a multiple of the ${bh}×${bw} block, or crops are not [2, 2]`);
    const n = b / (bh * bw);
    const r = reshape(c.b, c.base, x, [bh, bw, n, h, w, ch]);
    const y = reshape(c.b, c.base, transpose(c.b, c.base, r, [2, 3, 0, 4, 1, 5]), [n, h * bh, w * bw, ch]);
    const [[t, bo], [l, ri]] = crops as [[number, number], [number, number]];
    if (t + bo > h * bh || l + ri > w * bw) throw c.fail(`crops [${crops.join('; ')}] exceed [${y.shape.join(', ')}]`);
    return [slice(c.b, c.base, y, [0, t, l, 0], [n, h * bh - t - bo, w * bw - l - ri, ch])];
  },
  [Op.ZEROS_LIKE]: (c) => {
    const x = c.input(0);
    return [c.b.constant(c.base, x.shape, new Float32Array(x.shape.reduce((a, d) => a * d, 1)), x.dtype)];
  },
  [Op.SHAPE]: (c) => [c.b.ints(c.base, c.input(0).shape)],
};
