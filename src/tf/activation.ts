import type { TfBuilder, TfTensor } from './builder.js';
import { alignOperands, clip, unary } from './elementwise.js';

/**
 * An activation fused into a TF/TFLite op. Relu, Relu6 (Clip 0..6), ReluN1To1 and Sigmoid land in the
 * conv epilogue through the optimizer; PRelu, LeakyRelu, Elu and Tanh stay separate nodes.
 */
export type TfActivation =
  | { kind: 'none' }
  | { kind: 'relu' }
  | { kind: 'relu6' }
  | { kind: 'reluN1To1' }
  | { kind: 'sigmoid' }
  | { kind: 'tanh' }
  | { kind: 'hardSwish' }
  | { kind: 'elu'; alpha: number }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'prelu'; slope: TfTensor };

export const NONE: TfActivation = { kind: 'none' };

export function activate(b: TfBuilder, base: string, x: TfTensor, act: TfActivation = NONE): TfTensor {
  switch (act.kind) {
    case 'none':
      return x;
    case 'relu':
      return unary(b, base, 'Relu', x);
    case 'relu6':
      return clip(b, base, x, 0, 6);
    case 'reluN1To1':
      return clip(b, base, x, -1, 1);
    case 'sigmoid':
      return unary(b, base, 'Sigmoid', x);
    case 'tanh':
      return unary(b, base, 'Tanh', x);
    case 'hardSwish':
      return unary(b, base, 'HardSwish', x);
    case 'elu':
      return b.op('Elu', base, [x], { alpha: act.alpha }, x);
    case 'leakyRelu':
      return b.op('LeakyRelu', base, [x], { alpha: act.alpha }, x);
    case 'prelu': {
      const { operands, shape, layout } = alignOperands(b, base, [x, act.slope]);
      return b.op('PRelu', base, operands, {}, { shape, layout, dtype: x.dtype });
    }
  }
}
