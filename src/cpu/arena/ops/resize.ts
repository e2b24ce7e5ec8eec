/**
 * Resize of a 4-D NHWC tensor over H and W (c/resize.c), every mode and coordinate rule src/ops/resize.ts has: the
 * source rows, columns and weights are the reference's own (axisTable), computed once at load into one table.
 */
import { axisTable, type ResizeAttrs } from '../../../ops/resize.js';
import type { ArenaKernel } from '../types.js';

/** Header {n, h, w, c, ho, wo} (resize_dims in c/resize.c), then {i0, i1, weight} per output row and column. */
function table(a: ResizeAttrs, n: number, c: number): Float32Array {
  const rows = axisTable(a.h, a.mode, a.nearest);
  const cols = axisTable(a.w, a.mode, a.nearest);
  const head = 6;
  const buf = new ArrayBuffer((head + 3 * (a.h.outSize + a.w.outSize)) * 4);
  const i32 = new Int32Array(buf);
  const f32 = new Float32Array(buf);
  i32.set([n, a.h.inSize, a.w.inSize, c, a.h.outSize, a.w.outSize]);
  const put = (at: number, t: typeof rows, scale: number) =>
    t.i0.forEach((_, k) => {
      i32[at + 3 * k] = t.i0[k]! * scale;
      i32[at + 3 * k + 1] = t.i1[k]! * scale;
      f32[at + 3 * k + 2] = t.w[k]!;
    });
  put(head, rows, 1);
  put(head + 3 * a.h.outSize, cols, c);
  return f32;
}

export const resizeKernel: ArenaKernel = {
  layouts(rn) {
    const xs = rn.inputShapes[0]!;
    if (xs.length !== 4 || xs.some((d) => d === 0)) return undefined;
    return { inputs: ['nhwc', ...rn.inputShapes.slice(1).map(() => undefined)], outputs: ['nhwc'] };
  },
  build(ctx) {
    const a = ctx.node.attrs as ResizeAttrs;
    const x = ctx.input(0)!;
    const y = ctx.output(0);
    const [n, c] = x.shape as [number, number];
    const tab = ctx.weights(table(a, n, c));
    const tiles = n * a.h.outSize;
    if (a.mode === 'nearest') return [{ fn: 'resize_nearest', args: [y.offset, x.offset, tab], tiles }];
    return [{ fn: 'resize_linear', args: [y.offset, x.offset, tab, 0], tiles, scratch: { arg: 3, bytes: 2 * (a.w.inSize * c + 4) * 4 } }];
  },
};
