import type { Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import { sizeOf, stridesOf, type Shape } from '../tensor.js';
import { broadcastShapes, elems } from './broadcast.js';
import { defineOp } from './types.js';

/** Element strides of `s` read along `out` (right-aligned, 0 where `s` is broadcast). */
function along(s: Shape, out: Shape): number[] {
  const st = stridesOf(s);
  const off = out.length - s.length;
  return out.map((_, i) => (i < off || s[i - off] === 1 ? 0 : st[i - off]!));
}

/** cond ? x : y elementwise, the three broadcast together (ONNX Where, TF SelectV2); cond is read as non-zero. */
export const Where = defineOp<null>({
  op: 'Where',
  parse(ctx) {
    [0, 1, 2].forEach((i) => ctx.shape(i));
    return null;
  },
  outputShapes: (ctx) => [broadcastShapes([ctx.shape(0), ctx.shape(1), ctx.shape(2)], (m) => ctx.error(m))],
  reference(inputs: readonly Value[]) {
    const [c, x, y] = inputs as [Value, Value, Value];
    const out = broadcastShapes([c.shape, x.shape, y.shape], (m) => new RangeError(`Where: ${m}`));
    const n = sizeOf(out);
    const [sc, sx, sy] = [along(c.shape, out), along(x.shape, out), along(y.shape, out)];
    const [ec, ex, ey] = [elems(c), elems(x), elems(y)];
    const dst = isInt(x) && isInt(y) ? new Float64Array(n) : new Float32Array(n);
    const idx = new Array<number>(out.length).fill(0);
    for (let i = 0; i < n; i++) {
      let ic = 0;
      let ix = 0;
      let iy = 0;
      for (let k = 0; k < out.length; k++) {
        ic += idx[k]! * sc[k]!;
        ix += idx[k]! * sx[k]!;
        iy += idx[k]! * sy[k]!;
      }
      dst[i] = ec[ic] !== 0 ? ex[ix]! : ey[iy]!;
      for (let k = out.length - 1; k >= 0; k--) {
        if (++idx[k]! < out[k]!) break;
        idx[k] = 0;
      }
    }
    return [dst instanceof Float64Array ? { shape: out, ints: dst } : { shape: out, data: dst }];
  },
});
