import type { Value } from '../../graph/ir.js';
import { INIT, reduceReference, type ReduceAttrs, type ReduceKind } from '../../ops/reduce.js';
import { asFloat } from '../../ops/types.js';
import { sizeOf } from '../../tensor.js';

export function reduceKernel(kind: ReduceKind): (inputs: readonly Value[], a: ReduceAttrs) => Value[] {
  return (inputs, a) => {
    const x = asFloat(inputs[0]);
    const r = x.shape.length;
    const trailing = a.axes.length > 0 && a.axes.every((ax, i) => ax === r - a.axes.length + i);
    if (!trailing) return reduceReference(inputs, a, kind);
    return [{ shape: a.outShape, data: reduceTrailing(x.data, sizeOf(x.shape.slice(r - a.axes.length)), kind) }];
  };
}

/** Reducing a trailing block of axes: each output is one contiguous run, written out per kind so it inlines. */
function reduceTrailing(x: Float32Array, inner: number, kind: ReduceKind): Float32Array {
  const outN = x.length / Math.max(inner, 1);
  const y = new Float32Array(outN);
  for (let o = 0; o < outN; o++) {
    const end = (o + 1) * inner;
    let s = INIT[kind];
    if (kind === 'max') for (let i = o * inner; i < end; i++) s = Math.max(s, x[i]!);
    else if (kind === 'min') for (let i = o * inner; i < end; i++) s = Math.min(s, x[i]!);
    else for (let i = o * inner; i < end; i++) s += x[i]!;
    y[o] = kind === 'mean' ? s / inner : s;
  }
  return y;
}
