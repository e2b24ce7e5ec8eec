import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, stridesOf } from '../tensor.js';
import { asFloat, defineOp, type NodeCtx, type OpDef } from './types.js';

export type ReduceKind = 'mean' | 'sum' | 'max' | 'min' | 'prod';

export interface ReduceAttrs {
  /** Sorted, non-negative axes to reduce; empty means identity (noop_with_empty_axes). */
  axes: number[];
  keepdims: boolean;
  outShape: number[];
}

/** Axes from the attribute (before opset 13 for ReduceSum, 18 for the others) or constant input 1; all when none. */
export function parseReduce(ctx: NodeCtx): ReduceAttrs {
  const xs = ctx.shape(0);
  const r = xs.length;
  const given = ctx.ints('axes') ?? ctx.constInts(1, 'axes');
  const keepdims = ctx.int('keepdims', 1) !== 0;
  let axes: number[];
  if (given === undefined || given.length === 0) {
    axes = ctx.int('noop_with_empty_axes', 0) !== 0 ? [] : xs.map((_, i) => i);
  } else {
    axes = given.map((a) => {
      if (a < -r || a >= r) throw ctx.error(`axis ${a} is out of range for input ${shapeStr(xs)}`);
      return a < 0 ? a + r : a;
    });
    if (new Set(axes).size !== axes.length) throw ctx.error(`axes [${given.join(', ')}] repeat an axis`);
    axes.sort((p, q) => p - q);
  }
  const outShape: number[] = [];
  xs.forEach((d, i) => {
    if (!axes.includes(i)) outShape.push(d);
    else if (keepdims) outShape.push(1);
  });
  return { axes, keepdims, outShape };
}

// max/min let NaN win, like numpy and TF.js (Math.max / Math.min).
export const INIT: Record<ReduceKind, number> = { mean: 0, sum: 0, max: -Infinity, min: Infinity, prod: 1 };
const STEP: Record<ReduceKind, (acc: number, v: number) => number> = {
  mean: (a, v) => a + v,
  sum: (a, v) => a + v,
  max: Math.max,
  min: Math.min,
  prod: (a, v) => a * v,
};

/** Generic reduction over any axes set: accumulate each input element into its output cell (float64 sums). */
export function reduceReference(inputs: readonly Value[], a: ReduceAttrs, kind: ReduceKind): Value[] {
  const x = asFloat(inputs[0]);
  const xs = x.shape;
  if (a.axes.length === 0) return [{ shape: a.outShape, data: x.data.slice() }];
  const kept = xs.map((d, i) => (a.axes.includes(i) ? 1 : d));
  const ks = stridesOf(kept);
  const outN = sizeOf(kept);
  const acc = new Float64Array(outN).fill(INIT[kind]);
  const step = STEP[kind];
  const xStr = stridesOf(xs);
  for (let f = 0; f < x.data.length; f++) {
    let o = 0;
    for (let d = 0; d < xs.length; d++) if (kept[d] !== 1) o += (Math.floor(f / xStr[d]!) % xs[d]!) * ks[d]!;
    acc[o] = step(acc[o]!, x.data[f]!);
  }
  const count = x.data.length / Math.max(outN, 1);
  const y = new Float32Array(outN);
  for (let i = 0; i < outN; i++) y[i] = kind === 'mean' ? acc[i]! / count : acc[i]!;
  return [{ shape: a.outShape, data: y }];
}

/** ReduceMean / ReduceSum / ReduceMax / ReduceMin / ReduceProd. */
export function reduceOp(op: string, kind: ReduceKind): OpDef<ReduceAttrs> {
  return defineOp<ReduceAttrs>({
    op,
    parse: parseReduce,
    outputShapes: (_ctx, a) => [a.outShape],
    reference: (inputs, a) => reduceReference(inputs, a, kind),
  });
}
