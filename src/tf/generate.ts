import { ShapeError } from '../errors.js';
import { isInt } from '../graph/ir.js';
import { sizeOf, stridesOf } from '../tensor.js';
import type { TfBuilder, TfDtype, TfTensor } from './builder.js';
import { binary } from './elementwise.js';

/** Tensors TF computes from shapes and constants: load-time constants here, since every shape is concrete. */

/** Range(start, limit, delta), TF semantics (delta may be negative). */
export function range(b: TfBuilder, base: string, start: number, limit: number, delta: number, dtype: TfDtype): TfTensor {
  if (delta === 0 || !Number.isFinite(delta)) throw new ShapeError(base, 'Range', `delta ${delta} must be finite and non-zero`);
  const n = Math.max(0, Math.ceil((limit - start) / delta));
  return b.constant(base, [n], Array.from({ length: n }, (_, i) => start + i * delta), dtype);
}

/** Fill(dims, value): a constant when the value is, else the value broadcast by adding it to zeros. */
export function fill(b: TfBuilder, base: string, dims: readonly number[], value: TfTensor): TfTensor {
  if (sizeOf(value.shape) !== 1) throw new ShapeError(base, 'Fill', 'value must be a scalar');
  const v = b.valueOf(value);
  const n = sizeOf(dims);
  if (v) return b.constant(base, dims, new Array<number>(n).fill((isInt(v) ? v.ints : v.data)[0]!), value.dtype);
  return binary(b, base, 'Add', b.constant(`${base}::zeros`, dims, new Array<number>(n).fill(0), value.dtype), value);
}

/** ZerosLike / OnesLike: a constant of x's shape (x's values are never read). */
export function constantLike(b: TfBuilder, base: string, x: TfTensor, value: number): TfTensor {
  return b.constant(base, x.shape, new Array<number>(sizeOf(x.shape)).fill(value), x.dtype);
}

/** SparseToDense with constant indices, values and default: the dense constant. */
export function sparseToDense(b: TfBuilder, base: string, indices: TfTensor, dims: readonly number[], values: TfTensor, fallback: TfTensor): TfTensor {
  const iv = b.valueOf(indices);
  const vv = b.valueOf(values);
  const dv = b.valueOf(fallback);
  if (!iv || !vv || !dv) throw new ShapeError(base, 'SparseToDense', 'indices, values and default must be constants known at load time');
  const idx = isInt(iv) ? iv.ints : iv.data;
  const vals = isInt(vv) ? vv.ints : vv.data;
  const r = dims.length;
  const count = r === 0 ? 0 : indices.shape.length === 0 ? 1 : indices.shape[0]!;
  const per = indices.shape.length <= 1 ? 1 : indices.shape[1]!;
  if ((r > 1 && per !== r) || (r <= 1 && per !== 1 && indices.shape.length > 1)) throw new ShapeError(base, 'SparseToDense', `indices of shape [${indices.shape.join(', ')}] do not index rank ${r}`);
  if (vals.length !== 1 && vals.length !== count) throw new ShapeError(base, 'SparseToDense', `${vals.length} values for ${count} indices`);
  const out = new Array<number>(sizeOf(dims)).fill((isInt(dv) ? dv.ints : dv.data)[0]!);
  const st = stridesOf(dims);
  for (let i = 0; i < count; i++) {
    let o = 0;
    for (let k = 0; k < Math.max(r, 1); k++) {
      const c = idx[i * per + k]!;
      if (!(Number.isInteger(c) && c >= 0 && c < (dims[k] ?? 0))) throw new ShapeError(base, 'SparseToDense', `index ${c} is out of bounds for dimension ${k} of [${dims.join(', ')}]`);
      o += c * (st[k] ?? 1);
    }
    out[o] = vals[vals.length === 1 ? 0 : i]!;
  }
  return b.constant(base, dims, out, values.dtype);
}
