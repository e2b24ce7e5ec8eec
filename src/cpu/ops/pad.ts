import { isInt, type Value } from '../../graph/ir.js';
import { Pad, type PadAttrs } from '../../ops/pad.js';
import { sizeOf, stridesOf } from '../../tensor.js';
import { outputBuffer } from '../pool.js';

/** Constant padding of a float tensor as one fill / copy / fill per output row (the reference maps every element). */
export function padKernel(inputs: readonly Value[], a: PadAttrs): Value[] {
  const x = inputs[0]!;
  const { begin, shape, value } = a;
  const last = shape.length - 1;
  if (a.mode !== 'constant' || isInt(x) || last < 0) return Pad.reference(inputs, a);
  const y = outputBuffer(sizeOf(shape));
  const inner = shape[last]!;
  const b = begin[last]!;
  // the input columns every copied row keeps
  const j0 = Math.max(0, -b);
  const j1 = Math.min(x.shape[last]!, inner - b);
  const xs = stridesOf(x.shape);
  const idx = new Array<number>(last).fill(0);
  for (let o = 0; o < y.length; o += inner) {
    let base = 0;
    for (let k = 0; k < last && base >= 0; k++) {
      const j = idx[k]! - begin[k]!;
      base = j < 0 || j >= x.shape[k]! ? -1 : base + j * xs[k]!;
    }
    if (base < 0 || j1 <= j0) y.fill(value, o, o + inner);
    else {
      const at = o + j0 + b;
      y.fill(value, o, at);
      y.set(x.data.subarray(base + j0, base + j1), at);
      y.fill(value, at + j1 - j0, o + inner);
    }
    for (let k = last - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return [{ shape: [...shape], data: y }];
}
