import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf, stridesOf, type Shape } from '../tensor.js';
import { allocLike, elems, withData } from './broadcast.js';
import { defineOp } from './types.js';

export type PadMode = 'constant' | 'reflect' | 'edge';

export interface PadAttrs {
  mode: PadMode;
  /** Per input dim: padding before (negative crops). */
  begin: number[];
  shape: Shape;
  value: number;
}

/**
 * pads in ONNX order [x1_begin, x2_begin, ..., x1_end, x2_end], from constant input 1 (opset >= 11, optionally
 * restricted to the axes of input 3, opset 18) or attribute `pads`; constant value from input 2 or attribute `value`.
 */
export const Pad = defineOp<PadAttrs>({
  op: 'Pad',
  parse(ctx) {
    const s = ctx.shape(0);
    const r = s.length;
    const mode = ctx.string('mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge')
      throw ctx.error(`mode "${mode}" is not supported (constant, reflect, edge)`);
    const pads = ctx.opset >= 11 ? ctx.constInts(1, 'pads') : ctx.ints('pads');
    if (pads === undefined) throw ctx.error('pads are required');
    const value = (ctx.opset >= 11 ? ctx.constFloat(2, 'constant_value') : ctx.float('value')) ?? 0;
    let axes = s.map((_, i) => i);
    if (ctx.opset >= 18 && ctx.has(3)) {
      axes = ctx.constInts(3, 'axes')!.map((a) => (a < 0 ? a + r : a));
      if (axes.some((a) => a < 0 || a >= r) || new Set(axes).size !== axes.length)
        throw ctx.error(`axes must be distinct axes of input ${shapeStr(s)}`);
    }
    const k = axes.length;
    if (pads.length !== 2 * k)
      throw ctx.error(`pads [${pads.join(', ')}] must have ${2 * k} entries for input ${shapeStr(s)}, got ${pads.length}`);
    const begin = s.map(() => 0);
    const shape = [...s];
    axes.forEach((ax, i) => {
      const b = pads[i]!;
      const e = pads[i + k]!;
      const d = s[ax]!;
      begin[ax] = b;
      shape[ax] = d + b + e;
      if (shape[ax]! < 0) throw ctx.error(`pads [${pads.join(', ')}] crop more than dimension ${ax} of input ${shapeStr(s)}`);
      if (mode === 'reflect' && (b >= d || e >= d) && (b > 0 || e > 0))
        throw ctx.error(`reflect padding (${b}, ${e}) on dimension ${ax} must be smaller than its size ${d} (input ${shapeStr(s)})`);
      if (mode === 'edge' && d === 0 && (b > 0 || e > 0))
        throw ctx.error(`edge padding of empty dimension ${ax} of input ${shapeStr(s)}`);
    });
    return { mode, begin, shape, value };
  },
  outputShapes: (_ctx, a) => [a.shape],
  reference(inputs: readonly Value[], { mode, begin, shape, value }) {
    const x = inputs[0]!;
    const src = elems(x);
    const st = stridesOf(x.shape);
    // Per dim, the source offset of each output index, or -1 where the constant goes.
    const maps = shape.map((n, k) => {
      const d = x.shape[k]!;
      const m = new Int32Array(n);
      for (let o = 0; o < n; o++) {
        let j = o - begin[k]!;
        if (j < 0 || j >= d) {
          if (mode === 'constant') j = -1;
          else if (mode === 'edge') j = j < 0 ? 0 : d - 1;
          else j = j < 0 ? -j : 2 * (d - 1) - j;
        }
        m[o] = j < 0 ? -1 : j * st[k]!;
      }
      return m;
    });
    const dst = allocLike(x, sizeOf(shape));
    if (dst.length === 0) return [withData(x, shape, dst)];
    if (shape.length === 0) {
      dst[0] = src[0]!;
      return [withData(x, shape, dst)];
    }
    const last = shape.length - 1;
    const inner = shape[last]!;
    const row = maps[last]!;
    const idx = new Array<number>(last).fill(0);
    for (let o = 0; o < dst.length; o += inner) {
      let base = 0;
      for (let k = 0; k < last && base >= 0; k++) {
        const m = maps[k]![idx[k]!]!;
        base = m < 0 ? -1 : base + m;
      }
      if (base < 0) dst.fill(value, o, o + inner);
      else
        for (let j = 0; j < inner; j++) {
          const m = row[j]!;
          dst[o + j] = m < 0 ? value : src[base + m]!;
        }
      for (let k = last - 1; k >= 0; k--) {
        if (++idx[k]! < shape[k]!) break;
        idx[k] = 0;
      }
    }
    return [withData(x, shape, dst)];
  },
});
