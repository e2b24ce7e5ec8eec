import { ShapeError } from '../errors.js';
import { shapeStr } from '../tensor.js';
import type { TfBuilder, TfTensor } from './builder.js';
import { binary } from './elementwise.js';

/** BiasAdd: bias [C] on the last TF axis (the channel axis of NHWC tensors). */
export function biasAdd(b: TfBuilder, base: string, x: TfTensor, bias: TfTensor): TfTensor {
  const c = x.shape[x.shape.length - 1];
  if (bias.shape.length !== 1 || bias.shape[0] !== c)
    throw new ShapeError(base, 'BiasAdd', `bias ${shapeStr(bias.shape)} does not match the last dimension of ${shapeStr(x.shape)}`);
  return binary(b, base, 'Add', x, bias);
}

/**
 * FusedBatchNorm (inference) on the channel axis: y = (x - mean) · scale / sqrt(var + eps) + offset. A 4-D
 * input becomes one BatchNormalization node (folded into the conv before it by the optimizer).
 */
export function batchNorm(b: TfBuilder, base: string, x: TfTensor, scale: TfTensor, offset: TfTensor, mean: TfTensor, variance: TfTensor, epsilon: number): TfTensor {
  const c = x.shape[x.shape.length - 1]!;
  for (const [n, t] of [['scale', scale], ['offset', offset], ['mean', mean], ['variance', variance]] as const)
    if (t.shape.length !== 1 || t.shape[0] !== c) throw new ShapeError(base, 'FusedBatchNorm', `${n} ${shapeStr(t.shape)} must be [${c}]`);
  if (x.shape.length === 4) {
    const ins = [b.toNchw(x), ...[scale, offset, mean, variance].map((t) => b.toPlain(t))];
    return b.op('BatchNormalization', base, ins, { epsilon }, { shape: x.shape, layout: 'nchw', dtype: 'float32' });
  }
  const centred = binary(b, base, 'Sub', x, mean);
  const inv = binary(b, base, 'Div', scale, b.op('Sqrt', base, [binary(b, base, 'Add', variance, b.constant(`${base}::eps`, [], [epsilon]))], {}, variance));
  return binary(b, base, 'Add', binary(b, base, 'Mul', centred, inv), offset);
}
