import { unaryOp } from './unary.js';

/** Round half to even (TFLite ROUND, ONNX Round; WGSL round() does the same). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const Round = unaryOp('Round', () => null, roundHalfEven);
