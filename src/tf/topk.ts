import { ShapeError } from '../errors.js';
import type { TfBuilder, TfTensor } from './builder.js';

/** TopKV2: the k largest along the last axis, sorted, and their int32 indices. */
export function topK(b: TfBuilder, base: string, x: TfTensor, k: number): [TfTensor, TfTensor] {
  const p = b.toPlain(x);
  const r = p.shape.length;
  if (r === 0) throw new ShapeError(base, 'TopKV2', 'input must have rank ≥ 1');
  const shape = [...p.shape.slice(0, -1), k];
  const [values, indices] = b.emit('TopK', base, [p.edge, b.ints(`${base}::k`, [k]).edge], { axis: r - 1, largest: 1, sorted: 1 }, 2);
  return [
    { edge: values!, shape, layout: 'plain', dtype: x.dtype },
    { edge: indices!, shape, layout: 'plain', dtype: 'int32' },
  ];
}
