import { ShapeError } from '../errors.js';
import { shapeStr } from '../tensor.js';
import { engineAxis, type TfBuilder, type TfTensor } from './builder.js';
import { reshapeTo } from './elementwise.js';
import { NCHW_PERM } from './layout.js';

export type ReduceKind = 'Mean' | 'Sum' | 'Max' | 'Min' | 'Prod';
export const ENGINE_REDUCE: Record<ReduceKind, string> = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax', Min: 'ReduceMin', Prod: 'ReduceProd' };

/**
 * The engine axes for TF `axes` and whether dropping them keeps the remaining dims in TF order, so the reduction
 * can drop them directly; otherwise it keeps them and a Reshape (after a layout change) drops them.
 */
function plan(x: TfTensor, base: string, op: string, axes: readonly number[]) {
  const r = x.shape.length;
  const tfAxes = [...new Set(axes.map((a) => (a < 0 ? a + r : a)))];
  if (tfAxes.some((a) => !(a >= 0 && a < r))) throw new ShapeError(base, op, `axes [${axes.join(', ')}] out of range for ${shapeStr(x.shape)}`);
  const eng = tfAxes.map((a) => engineAxis(x, a)).sort((p, q) => p - q);
  const order = x.layout === 'nchw' ? NCHW_PERM : x.shape.map((_, i) => i);
  const kept = order.filter((d) => !tfAxes.includes(d));
  const inOrder = kept.every((d, i) => i === 0 || kept[i - 1]! < d);
  const keptShape = x.shape.map((d, i) => (tfAxes.includes(i) ? 1 : d));
  const droppedShape = x.shape.filter((_, i) => !tfAxes.includes(i));
  return { eng, inOrder, keptShape, droppedShape };
}

/** Mean / Sum / Max / Min / Prod over TF axes with keep_dims. */
export function reduce(b: TfBuilder, base: string, kind: ReduceKind, x: TfTensor, axes: readonly number[], keepDims: boolean): TfTensor {
  const { eng, inOrder, keptShape, droppedShape } = plan(x, base, kind, axes);
  const op = ENGINE_REDUCE[kind];
  // ReduceSum takes its axes as an input from opset 13, the others as an attribute until opset 18.
  const axesArgs: { inputs: string[]; attrs: Record<string, number[]> } =
    op === 'ReduceSum' ? { inputs: [b.ints(`${base}::axes`, eng).edge], attrs: {} } : { inputs: [], attrs: { axes: eng } };
  if (keepDims || !inOrder) {
    const y = b.op(op, base, [x.edge, ...axesArgs.inputs], { ...axesArgs.attrs, keepdims: 1 }, { shape: keptShape, layout: x.layout, dtype: x.dtype });
    return keepDims ? y : reshapeTo(b, base, y, droppedShape);
  }
  return b.op(op, base, [x.edge, ...axesArgs.inputs], { ...axesArgs.attrs, keepdims: 0 }, { shape: droppedShape, layout: 'plain', dtype: x.dtype });
}

/** ArgMax over one axis (indices come back as float values of integers, like every runtime tensor). */
export function argMax(b: TfBuilder, base: string, x: TfTensor, axis: number): TfTensor {
  const { eng, inOrder, keptShape, droppedShape } = plan(x, base, 'ArgMax', [axis]);
  if (!inOrder) {
    const y = b.op('ArgMax', base, [x], { axis: eng[0]!, keepdims: 1 }, { shape: keptShape, layout: x.layout, dtype: 'int32' });
    return reshapeTo(b, base, y, droppedShape);
  }
  return b.op('ArgMax', base, [x], { axis: eng[0]!, keepdims: 0 }, { shape: droppedShape, layout: 'plain', dtype: 'int32' });
}

/** Softmax over the last TF axis (or `axis`). */
export function softmax(b: TfBuilder, base: string, x: TfTensor, axis = -1): TfTensor {
  return b.op('Softmax', base, [x], { axis: engineAxis(x, axis) }, x);
}
