import { unaryOp } from './unary.js';

export interface GeluAttrs {
  /** 1 for the tanh approximation (ONNX approximate = "tanh", TFLite approximate = true), 0 for the erf form. */
  tanh: number;
}

/**
 * erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, below float32's resolution of erf near 1); the WGSL in
 * shaders/elementwise.wgsl uses the same coefficients.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const r = 1 - p * Math.exp(-a * a);
  return x < 0 ? -r : r;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function gelu(x: number, { tanh }: GeluAttrs): number {
  if (tanh) return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf(x * Math.SQRT1_2));
}

/** ONNX Gelu (opset 20): x·Φ(x), exactly (erf) or by the tanh approximation. */
export const Gelu = unaryOp<GeluAttrs>(
  'Gelu',
  (ctx) => {
    const mode = ctx.string('approximate', 'none');
    if (mode !== 'none' && mode !== 'tanh') throw ctx.error(`approximate "${mode}" is neither "none" nor "tanh"`);
    return { tanh: mode === 'tanh' ? 1 : 0 };
  },
  gelu,
);
