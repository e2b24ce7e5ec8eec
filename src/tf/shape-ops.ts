import { ShapeError } from '../errors.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { engineAxis, type TfBuilder, type TfTensor } from './builder.js';
import { reshapeTo } from './elementwise.js';
import { NCHW_AXIS, NCHW_PERM, onnxPads, permute } from './layout.js';

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** TF Reshape: one -1 inferred; a 0 is a zero-sized dim (unlike ONNX). */
export function reshape(b: TfBuilder, base: string, x: TfTensor, shape: readonly number[]): TfTensor {
  const n = sizeOf(x.shape);
  const known = shape.filter((d) => d !== -1);
  if (shape.filter((d) => d === -1).length > 1 || known.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(base, 'Reshape', `invalid target shape [${shape.join(', ')}]`);
  const k = sizeOf(known);
  const filled = shape.map((d) => (d === -1 ? (k === 0 ? 0 : n / k) : d));
  if (sizeOf(filled) !== n || filled.some((d) => !Number.isInteger(d)))
    throw new ShapeError(base, 'Reshape', `cannot reshape ${shapeStr(x.shape)} (${n} values) to [${shape.join(', ')}]`);
  return reshapeTo(b, base, x, filled);
}

/** TF Squeeze: the listed unit dims, or every unit dim when none are listed. */
export function squeeze(b: TfBuilder, base: string, x: TfTensor, axes: readonly number[]): TfTensor {
  const r = x.shape.length;
  const drop = new Set(axes.length ? axes.map((a) => norm(a, r)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop)
    if (x.shape[a] !== 1) throw new ShapeError(base, 'Squeeze', `dimension ${a} of ${shapeStr(x.shape)} is not 1`);
  return reshapeTo(b, base, x, x.shape.filter((_, i) => !drop.has(i)));
}

export function expandDims(b: TfBuilder, base: string, x: TfTensor, axis: number): TfTensor {
  const r = x.shape.length;
  const a = norm(axis, r + 1);
  if (!(a >= 0 && a <= r)) throw new ShapeError(base, 'ExpandDims', `axis ${axis} is out of range for ${shapeStr(x.shape)}`);
  return reshapeTo(b, base, x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** TF Transpose; a 4-D NCHW-held input is permuted directly (one Transpose, composed with its layout). */
export function transpose(b: TfBuilder, base: string, x: TfTensor, perm: readonly number[]): TfTensor {
  const r = x.shape.length;
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => !(p >= 0 && p < r)))
    throw new ShapeError(base, 'Transpose', `perm [${perm.join(', ')}] is not a permutation of ${r} axes`);
  const shape = permute(x.shape, perm);
  const enginePerm = x.layout === 'nchw' ? perm.map((p) => NCHW_AXIS[p]!) : [...perm];
  return b.op('Transpose', base, [x], { perm: enginePerm }, { shape, layout: 'plain', dtype: x.dtype });
}

/** ConcatV2 along a TF axis; stays NCHW when the inputs are 4-D and one of them already is. */
export function concat(b: TfBuilder, base: string, xs: readonly TfTensor[], axis: number): TfTensor {
  if (xs.length === 0) throw new ShapeError(base, 'ConcatV2', 'needs at least one input');
  const r = xs[0]!.shape.length;
  const a = norm(axis, r);
  if (!(a >= 0 && a < r)) throw new ShapeError(base, 'ConcatV2', `axis ${axis} is out of range for rank ${r}`);
  for (const x of xs)
    if (x.shape.length !== r || x.shape.some((d, i) => i !== a && d !== xs[0]!.shape[i]))
      throw new ShapeError(base, 'ConcatV2', `inputs ${xs.map((t) => shapeStr(t.shape)).join(', ')} differ outside axis ${a}`);
  const nchw = r === 4 && xs.some((x) => x.layout === 'nchw');
  const ins = xs.map((x) => (nchw ? b.toNchw(x) : b.toPlain(x)));
  const shape = [...xs[0]!.shape];
  shape[a] = xs.reduce((n, x) => n + x.shape[a]!, 0);
  return b.op('Concat', base, ins, { axis: nchw ? NCHW_AXIS[a]! : a }, { shape, layout: nchw ? 'nchw' : 'plain', dtype: xs[0]!.dtype });
}

/** Pack: stack along a new axis. */
export function pack(b: TfBuilder, base: string, xs: readonly TfTensor[], axis: number): TfTensor {
  if (xs.length === 0) throw new ShapeError(base, 'Pack', 'needs at least one input');
  const a = norm(axis, xs[0]!.shape.length + 1);
  return concat(b, base, xs.map((x) => expandDims(b, base, x, a)), a);
}

/** Unpack: `num` slices along `axis`, each without that axis. */
export function unpack(b: TfBuilder, base: string, x: TfTensor, axis: number): TfTensor[] {
  const a = norm(axis, x.shape.length);
  const n = x.shape[a];
  if (n === undefined) throw new ShapeError(base, 'Unpack', `axis ${axis} is out of range for ${shapeStr(x.shape)}`);
  return Array.from({ length: n }, (_, i) => {
    const begin = x.shape.map(() => 0);
    const size = [...x.shape];
    begin[a] = i;
    size[a] = 1;
    return squeeze(b, base, slice(b, base, x, begin, size), [a]);
  });
}

/** Slice with TF begin/size (size -1 = to the end); keeps the input's layout. */
export function slice(b: TfBuilder, base: string, x: TfTensor, begin: readonly number[], size: readonly number[]): TfTensor {
  const r = x.shape.length;
  if (begin.length !== r || size.length !== r) throw new ShapeError(base, 'Slice', `begin/size must have ${r} entries`);
  const end = size.map((s, i) => (s === -1 ? x.shape[i]! : begin[i]! + s));
  return stridedRange(b, base, x, [...begin], end, x.shape.map(() => 1));
}

/** Slice [begin, end) with steps per TF dim (already clamped), keeping the layout. */
function stridedRange(b: TfBuilder, base: string, x: TfTensor, begin: number[], end: number[], steps: number[]): TfTensor {
  const r = x.shape.length;
  const shape = x.shape.map((d, i) => {
    const s = steps[i]!;
    const n = s > 0 ? Math.ceil((end[i]! - begin[i]!) / s) : Math.ceil((end[i]! - begin[i]!) / s);
    return Math.max(0, n);
  });
  if (shape.every((d, i) => d === x.shape[i]) && steps.every((s) => s === 1)) return x;
  const axes = x.shape.map((_, i) => engineAxis(x, i));
  // ONNX Slice: for a negative step an end of -1 would mean "last"; use a large negative sentinel instead.
  const ends = end.map((e, i) => (steps[i]! < 0 && e < 0 ? -(2 ** 31) : e));
  const ints = (n: string, v: number[]) => b.ints(`${base}::${n}`, v);
  return b.op('Slice', base, [x.edge, ints('starts', begin).edge, ints('ends', ends).edge, ints('axes', axes).edge, ints('steps', steps).edge], {}, {
    shape: r === 0 ? [] : shape,
    layout: x.layout,
    dtype: x.dtype,
  });
}

export interface StridedSliceMasks {
  beginMask?: number;
  endMask?: number;
  ellipsisMask?: number;
  newAxisMask?: number;
  shrinkAxisMask?: number;
}

/** TF StridedSlice with all five masks, resolved at load time into a Slice plus (if needed) a Reshape. */
export function stridedSlice(b: TfBuilder, base: string, x: TfTensor, begin: readonly number[], end: readonly number[], strides: readonly number[], m: StridedSliceMasks = {}): TfTensor {
  const n = begin.length;
  if (end.length !== n || strides.length !== n) throw new ShapeError(base, 'StridedSlice', 'begin, end and strides differ in length');
  const bit = (mask: number | undefined, i: number) => ((mask ?? 0) >> i) & 1;
  const r = x.shape.length;
  // Expand the sparse spec over the input dims.
  const dims: { b: number; e: number; s: number; shrink: boolean }[] = [];
  const finalShape: number[] = [];
  const newAxisAfter: number[] = [];
  let d = 0;
  const ellipsisSeen = (i: number) => bit(m.ellipsisMask, i);
  const numRealAfter = (i: number) => {
    let c = 0;
    for (let j = i + 1; j < n; j++) if (!bit(m.newAxisMask, j) && !ellipsisSeen(j)) c++;
    return c;
  };
  let hadEllipsis = false;
  for (let i = 0; i < n; i++) {
    if (ellipsisSeen(i) && !hadEllipsis) {
      hadEllipsis = true;
      const fill = r - d - numRealAfter(i);
      for (let k = 0; k < fill; k++, d++) {
        dims.push({ b: 0, e: x.shape[d]!, s: 1, shrink: false });
        finalShape.push(x.shape[d]!);
      }
      continue;
    }
    if (bit(m.newAxisMask, i)) {
      finalShape.push(1);
      newAxisAfter.push(d);
      continue;
    }
    if (d >= r) throw new ShapeError(base, 'StridedSlice', `the spec indexes more dims than ${shapeStr(x.shape)} has`);
    const size = x.shape[d]!;
    const s = strides[i]!;
    if (s === 0 || !Number.isInteger(s)) throw new ShapeError(base, 'StridedSlice', 'strides must be non-zero integers');
    const shrink = !!bit(m.shrinkAxisMask, i);
    const clampB = (v: number) => (s > 0 ? Math.min(Math.max(v, 0), size) : Math.min(Math.max(v, -1), size - 1));
    let bi = begin[i]!;
    let ei = end[i]!;
    if (shrink) {
      bi = bi < 0 ? bi + size : bi;
      if (!(bi >= 0 && bi < size)) throw new ShapeError(base, 'StridedSlice', `index ${begin[i]} is out of range for dimension ${d} of ${shapeStr(x.shape)}`);
      dims.push({ b: bi, e: bi + 1, s: 1, shrink: true });
      d++;
      continue;
    }
    bi = bit(m.beginMask, i) ? (s > 0 ? 0 : size - 1) : clampB(bi < 0 ? bi + size : bi);
    ei = bit(m.endMask, i) ? (s > 0 ? size : -1) : clampB(ei < 0 ? ei + size : ei);
    dims.push({ b: bi, e: ei, s, shrink: false });
    finalShape.push(Math.max(0, Math.ceil((ei - bi) / s)));
    d++;
  }
  for (; d < r; d++) {
    dims.push({ b: 0, e: x.shape[d]!, s: 1, shrink: false });
    finalShape.push(x.shape[d]!);
  }
  const sliced = stridedRange(b, base, x, dims.map((q) => q.b), dims.map((q) => q.e), dims.map((q) => q.s));
  if (finalShape.length === sliced.shape.length && finalShape.every((v, i) => v === sliced.shape[i])) return sliced;
  return reshapeTo(b, base, sliced, finalShape);
}

/** Pad / PadV2 / MirrorPad with [[before, after]] per TF dim. */
export function pad(b: TfBuilder, base: string, x: TfTensor, pairs: readonly (readonly [number, number])[], value = 0, mode: 'constant' | 'reflect' | 'symmetric' = 'constant'): TfTensor {
  const r = x.shape.length;
  if (pairs.length !== r) throw new ShapeError(base, 'Pad', `paddings have ${pairs.length} rows for input ${shapeStr(x.shape)}`);
  if (mode === 'symmetric') throw new ShapeError(base, 'MirrorPad', 'SYMMETRIC mode is not supported');
  const shape = x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]);
  // a 4-D float graph input is padded in its free NCHW form, so the convs reading the Pad can fold it (the first
  // conv of a TF.js export spelling "same" padding as ZeroPadding2D)
  if (r === 4 && x.layout === 'plain' && x.dtype === 'float32' && b.isInput(x)) x = b.toNchw(x);
  const pads = onnxPads(pairs, x.layout === 'nchw' ? NCHW_PERM : undefined);
  const p = b.ints(`${base}::pads`, pads);
  const v = b.constant(`${base}::value`, [], [value]);
  return b.op('Pad', base, [x, p, v], { mode }, { shape, layout: x.layout, dtype: x.dtype });
}

/** GatherV2 with a constant or runtime index tensor (batch_dims 0). */
export function gather(b: TfBuilder, base: string, x: TfTensor, indices: TfTensor, axis: number): TfTensor {
  const p = b.toPlain(x);
  const a = norm(axis, p.shape.length);
  const shape = [...p.shape.slice(0, a), ...indices.shape, ...p.shape.slice(a + 1)];
  return b.op('Gather', base, [p, b.toPlain(indices)], { axis: a }, { shape, layout: 'plain', dtype: x.dtype });
}

/** GatherNd (batch_dims 0): indices [..., k] index the first k dims of params. */
export function gatherNd(b: TfBuilder, base: string, x: TfTensor, indices: TfTensor): TfTensor {
  const k = indices.shape[indices.shape.length - 1];
  if (k === undefined || k > x.shape.length) throw new ShapeError(base, 'GatherNd', `indices ${shapeStr(indices.shape)} do not fit params ${shapeStr(x.shape)}`);
  const shape = [...indices.shape.slice(0, -1), ...x.shape.slice(k)];
  return b.op('GatherND', base, [b.toPlain(x), b.toPlain(indices)], {}, { shape, layout: 'plain', dtype: x.dtype });
}
