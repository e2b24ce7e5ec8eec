import { ShapeError } from '../errors.js';
import { broadcastShapes } from '../ops/broadcast.js';
import { shapeStr } from '../tensor.js';
import { activate, NONE, type TfActivation } from './activation.js';
import type { TfBuilder, TfTensor } from './builder.js';
import { binary } from './elementwise.js';
import { transpose } from './shape-ops.js';

export interface MatMulOpts {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: TfActivation;
}

/**
 * MatMul / BatchMatMul / _FusedMatMul: 2-D operands become one Gemm (bias in its C input, so the optimizer can
 * fuse the activation); higher ranks a MatMul with explicit transposes and a broadcast Add.
 */
export function matmul(b: TfBuilder, base: string, a: TfTensor, w: TfTensor, bias: TfTensor | undefined, o: MatMulOpts = {}): TfTensor {
  const ra = a.shape.length;
  const rb = w.shape.length;
  if (ra < 2 || rb < 2) throw new ShapeError(base, 'MatMul', `operands ${shapeStr(a.shape)} and ${shapeStr(w.shape)} must be at least 2-D`);
  const m = a.shape[o.transposeA ? ra - 1 : ra - 2]!;
  const k = a.shape[o.transposeA ? ra - 2 : ra - 1]!;
  const kb = w.shape[o.transposeB ? rb - 1 : rb - 2]!;
  const n = w.shape[o.transposeB ? rb - 2 : rb - 1]!;
  if (k !== kb) throw new ShapeError(base, 'MatMul', `inner dimensions differ: ${shapeStr(a.shape)} × ${shapeStr(w.shape)}`);
  let y: TfTensor;
  if (ra === 2 && rb === 2 && (!bias || bias.shape.length === 1)) {
    const ins = [b.toPlain(a).edge, b.toPlain(w).edge, ...(bias ? [b.toPlain(bias).edge] : [])];
    y = b.op('Gemm', base, ins, { transA: o.transposeA ? 1 : 0, transB: o.transposeB ? 1 : 0 }, { shape: [m, n], layout: 'plain', dtype: 'float32' });
  } else {
    const swapLast = (t: TfTensor) => transpose(b, base, t, t.shape.map((_, i) => (i === t.shape.length - 2 ? i + 1 : i === t.shape.length - 1 ? i - 1 : i)));
    const aa = o.transposeA ? swapLast(a) : b.toPlain(a);
    const ww = o.transposeB ? swapLast(w) : b.toPlain(w);
    const batch = [...broadcastShapes([a.shape.slice(0, -2), w.shape.slice(0, -2)], (m) => new ShapeError(base, 'MatMul', `batch dims: ${m}`))];
    y = b.op('MatMul', base, [aa, ww], {}, { shape: [...batch, m, n], layout: 'plain', dtype: 'float32' });
    if (bias) y = binary(b, base, 'Add', y, bias);
  }
  return activate(b, base, y, o.activation ?? NONE);
}
