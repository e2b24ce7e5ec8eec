import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, stridesOf, type Shape } from '../tensor.js';
import { allocLike, elems, stridedCopy, withData } from './broadcast.js';
import { defineOp } from './types.js';

/** Per input dim: first index read, step, and output length. */
export interface SliceAttrs {
  starts: number[];
  steps: number[];
  shape: Shape;
}

/**
 * starts/ends/axes/steps from constant inputs 1-4 (opset >= 10) or attributes (opset < 10). Indices are clamped
 * as the ONNX spec says, so INT64_MAX / INT64_MIN ends (arriving as ±9.223372036854776e18) mean "to the edge".
 */
export const Slice = defineOp<SliceAttrs>({
  op: 'Slice',
  parse(ctx) {
    const s = ctx.shape(0);
    const r = s.length;
    let starts: number[] | undefined;
    let ends: number[] | undefined;
    let axes: number[] | undefined;
    let steps: number[] | undefined;
    if (ctx.opset < 10) {
      starts = ctx.ints('starts');
      ends = ctx.ints('ends');
      axes = ctx.ints('axes');
    } else {
      starts = ctx.constInts(1, 'starts');
      ends = ctx.constInts(2, 'ends');
      axes = ctx.constInts(3, 'axes');
      steps = ctx.constInts(4, 'steps');
    }
    if (starts === undefined || ends === undefined) throw ctx.error('starts and ends are required');
    const n = starts.length;
    axes ??= starts.map((_, i) => i);
    steps ??= new Array<number>(n).fill(1);
    if (ends.length !== n || axes.length !== n || steps.length !== n)
      throw ctx.error(`starts, ends, axes and steps must have equal lengths, got ${n}, ${ends.length}, ${axes.length}, ${steps.length}`);
    const first = s.map(() => 0);
    const step = s.map(() => 1);
    const shape = [...s];
    const done = new Set<number>();
    for (let i = 0; i < n; i++) {
      const ax = axes[i]! < 0 ? axes[i]! + r : axes[i]!;
      if (ax < 0 || ax >= r || done.has(ax))
        throw ctx.error(`axes [${axes.join(', ')}] must be distinct axes of input ${shapeStr(s)}`);
      done.add(ax);
      const d = s[ax]!;
      const st = steps[i]!;
      if (st === 0) throw ctx.error(`step for axis ${ax} is 0`);
      let b = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
      let e = ends[i]! < 0 ? ends[i]! + d : ends[i]!;
      if (st > 0) {
        b = Math.min(Math.max(b, 0), d);
        e = Math.min(Math.max(e, 0), d);
        shape[ax] = Math.max(0, Math.ceil((e - b) / st));
      } else {
        b = Math.min(Math.max(b, 0), d - 1);
        e = Math.min(Math.max(e, -1), d - 1);
        shape[ax] = Math.max(0, Math.ceil((b - e) / -st));
      }
      first[ax] = b;
      step[ax] = st;
    }
    return { starts: first, steps: step, shape };
  },
  outputShapes: (_ctx, a) => [a.shape],
  reference(inputs: readonly Value[], a) {
    const x = inputs[0]!;
    const st = stridesOf(x.shape);
    const dst = allocLike(x, sizeOf(a.shape));
    if (dst.length > 0) {
      const offset = a.starts.reduce((o, b, k) => o + b * st[k]!, 0);
      stridedCopy(elems(x), offset, a.steps.map((p, k) => p * st[k]!), a.shape, dst);
    }
    return [withData(x, a.shape, dst)];
  },
});
