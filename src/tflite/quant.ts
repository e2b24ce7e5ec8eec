// Quantized (int8 / uint8) TFLite models, computed in float: a quantized runtime tensor is held as the real value
// it stands for, r = scale·(q − zero_point). Constants are dequantized at load (per tensor or per channel); every
// op whose output is quantized computes in float and is then fake-quantized to its output's grid,
// r' = scale·(clamp(round(r / scale), qmin − zp, qmax − zp)), which is what the integer kernel's requantization
// step gives, up to the rounding of ties. QUANTIZE is that step alone and DEQUANTIZE of a runtime tensor nothing.
import { binary, clip, unary, type TfBuilder, type TfTensor } from '../tf/index.js';
import type { Lowering } from './ops.js';
import { tensorTypeName, type TfliteTensor } from './read.js';
import { BuiltinOperator as Op, TensorType } from './schema/tflite_generated.js';

/** The integer range of each quantized activation type. */
const RANGE: Partial<Record<TensorType, [number, number]>> = {
  [TensorType.INT8]: [-128, 127],
  [TensorType.UINT8]: [0, 255],
};

export const isQuantizedType = (type: TensorType) => RANGE[type] !== undefined;

/** Why a quantized runtime tensor cannot be run, or undefined when it can (one finite positive scale, an in-range zero point). */
export function quantizedTensorProblem(t: TfliteTensor): string | undefined {
  const q = t.quantization;
  const range = RANGE[t.type];
  if (!range) return `${tensorTypeName(t.type)} activations are not supported (int8 and uint8 are)`;
  if (!q || q.scale.length !== 1) return `a quantized ${tensorTypeName(t.type)} activation needs one (per-tensor) scale; it has ${q?.scale.length ?? 0}`;
  const zp = q.zeroPoint[0] ?? 0;
  // both the scale and its reciprocal must be normal float32 numbers (the fake quantization multiplies by each)
  const s = q.scale[0]!;
  if (!(s >= 2 ** -126 && s <= 2 ** 126)) return `quantization scale ${s} is not a positive number within float32's normal range`;
  if (!(Number.isInteger(zp) && zp >= range[0] && zp <= range[1])) return `zero point ${zp} is outside ${tensorTypeName(t.type)}'s range [${range.join(', ')}]`;
  return undefined;
}

function params(t: TfliteTensor): { scale: number; zp: number; lo: number; hi: number } {
  const [lo, hi] = RANGE[t.type]!;
  return { scale: t.quantization!.scale[0]!, zp: t.quantization!.zeroPoint[0] ?? 0, lo, hi };
}

/** r → scale·clamp(floor(r/scale + ½), qmin − zp, qmax − zp): the real value of `t`'s nearest grid point. */
export function fakeQuantize(b: TfBuilder, base: string, x: TfTensor, t: TfliteTensor): TfTensor {
  const { scale, zp, lo, hi } = params(t);
  const c = (name: string, v: number) => b.constant(`${base}::${name}`, [], [v]);
  const steps = unary(b, base, 'Floor', binary(b, base, 'Add', binary(b, base, 'Mul', x, c('inv_scale', 1 / scale)), c('half', 0.5)));
  return binary(b, base, 'Mul', clip(b, base, steps, lo - zp, hi - zp), c('scale', scale));
}

/** A quantized graph input: the caller passes the integers q; the graph works on scale·(q − zp). */
export function dequantizeInput(b: TfBuilder, x: TfTensor, t: TfliteTensor): TfTensor {
  const { scale, zp } = params(t);
  return binary(b, t.name, 'Mul', binary(b, t.name, 'Sub', x, b.constant(`${t.name}::zero_point`, [], [zp])), b.constant(`${t.name}::scale`, [], [scale]));
}

/** A quantized graph output: the integers q = r/scale + zp (exact integers in float32, as `predict` returns them). */
export function quantizeOutput(b: TfBuilder, x: TfTensor, t: TfliteTensor): TfTensor {
  const { scale, zp } = params(t);
  return binary(b, t.name, 'Add', binary(b, t.name, 'Mul', x, b.constant(`${t.name}::inv_scale`, [], [1 / scale])), b.constant(`${t.name}::zero_point`, [], [zp]));
}

/** Ops that only move or select values: with the input's quantization on the output, no rounding is needed. */
const GRID_PRESERVING = new Set<number>([Op.RESHAPE, Op.SQUEEZE, Op.TRANSPOSE, Op.MAX_POOL_2D, Op.DEPTH_TO_SPACE, Op.RESIZE_NEAREST_NEIGHBOR, Op.PAD]);

/** Whether an op's quantized output needs fake quantization (not when it keeps its input's grid). */
export function needsRequantize(code: number, input: TfliteTensor | undefined, output: TfliteTensor): boolean {
  if (!GRID_PRESERVING.has(code) || !input || input.type !== output.type || !input.quantization || input.data) return true;
  const [a, b] = [params(input), params(output)];
  return a.scale !== b.scale || a.zp !== b.zp;
}

/** QUANTIZE (float → int, or int → int with new parameters): the output's fake quantization does it all. */
export const QUANTIZE: Lowering = (c) => [c.input(0)];
/** DEQUANTIZE of a runtime quantized tensor: its value is already the real one. */
export const DEQUANTIZE_RUNTIME: Lowering = (c) => [c.input(0)];
