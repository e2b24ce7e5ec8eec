import { unaryOp } from './unary.js';

export interface ClipAttrs {
  min: number;
  max: number;
}

/**
 * min(max(x, lo), hi): bounds are attributes before opset 11 and optional constant inputs 1, 2 from opset 11.
 * NaN passes through (as torch.clamp); lo > hi yields hi, as ONNX and PyTorch do.
 */
export const Clip = unaryOp<ClipAttrs>(
  'Clip',
  (ctx) => {
    if (ctx.opset < 11) return { min: ctx.float('min', -Infinity), max: ctx.float('max', Infinity) };
    return { min: ctx.constFloat(1, 'min') ?? -Infinity, max: ctx.constFloat(2, 'max') ?? Infinity };
  },
  (x, { min, max }) => {
    const y = x < min ? min : x;
    return y > max ? max : y;
  },
);
