import { ShapeError } from '../errors.js';
import { shapeStr } from '../tensor.js';
import type { TfBuilder, TfTensor } from './builder.js';
import { concat, slice } from './shape-ops.js';

function axisOf(base: string, op: string, x: TfTensor, axis: number): number {
  const r = x.shape.length;
  const a = axis < 0 ? axis + r : axis;
  if (!(a >= 0 && a < r)) throw new ShapeError(base, op, `axis ${axis} is out of range for ${shapeStr(x.shape)}`);
  return a;
}

/** SplitV: pieces of the given sizes along `axis` (one size may be -1: the rest), each a Slice. */
export function splitV(b: TfBuilder, base: string, x: TfTensor, sizes: readonly number[], axis: number): TfTensor[] {
  const a = axisOf(base, 'SplitV', x, axis);
  const dim = x.shape[a]!;
  const unknown = sizes.filter((s) => s === -1).length;
  const known = sizes.reduce((n, s) => (s === -1 ? n : n + s), 0);
  if (unknown > 1 || sizes.some((s) => !Number.isInteger(s) || s < -1) || (unknown ? known > dim : known !== dim))
    throw new ShapeError(base, 'SplitV', `size_splits [${sizes.join(', ')}] do not split dimension ${a} of ${shapeStr(x.shape)}`);
  let at = 0;
  return sizes.map((s) => {
    const n = s === -1 ? dim - known : s;
    const begin = x.shape.map((_, i) => (i === a ? at : 0));
    const size = x.shape.map((d, i) => (i === a ? n : d));
    at += n;
    return slice(b, base, x, begin, size);
  });
}

/** Split: `num` equal pieces along `axis`. */
export function split(b: TfBuilder, base: string, x: TfTensor, num: number, axis: number): TfTensor[] {
  const a = axisOf(base, 'Split', x, axis);
  const dim = x.shape[a]!;
  if (!(Number.isInteger(num) && num > 0 && dim % num === 0)) throw new ShapeError(base, 'Split', `num_split ${num} does not divide dimension ${a} of ${shapeStr(x.shape)}`);
  return splitV(b, base, x, new Array<number>(num).fill(dim / num), a);
}

/** Tile: each axis repeated `multiples[i]` times, as one Concat of copies per repeated axis. */
export function tile(b: TfBuilder, base: string, x: TfTensor, multiples: readonly number[]): TfTensor {
  if (multiples.length !== x.shape.length || multiples.some((m) => !Number.isInteger(m) || m < 0))
    throw new ShapeError(base, 'Tile', `multiples [${multiples.join(', ')}] do not fit ${shapeStr(x.shape)}`);
  let y = x;
  multiples.forEach((m, i) => {
    if (m !== 1) y = concat(b, base, new Array<TfTensor>(m).fill(y), i);
  });
  return y;
}
