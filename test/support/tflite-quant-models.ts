// Quantized .tflite test models written with the builder (test/support/tflite-build.ts): what a full-integer
// quantized MobileNet-style network is made of (QUANTIZE, per-channel int8 CONV_2D and DEPTHWISE_CONV_2D,
// ADD, MEAN, per-tensor FULLY_CONNECTED, int8 SOFTMAX, DEQUANTIZE), a MobileNetV3-style block (HARD_SWISH,
// squeeze-excite with LOGISTIC and MUL, PAD, AVERAGE_POOL_2D, RESHAPE, CONCATENATION), a uint8 one, and one with uint8 I/O.
import {
  ActivationFunctionType as Act,
  AddOptionsT,
  BuiltinOperator as Op,
  BuiltinOptions,
  Conv2DOptionsT,
  DepthwiseConv2DOptionsT,
  FullyConnectedOptionsT,
  ConcatenationOptionsT,
  MulOptionsT,
  Padding,
  Pool2DOptionsT,
  ReshapeOptionsT,
  ReducerOptionsT,
  SoftmaxOptionsT,
  TensorType,
} from '../../src/tflite/schema/tflite_generated.js';
import { i32, i8, type ModelSpec, type TensorSpec } from './tflite-build.js';

/** A deterministic generator of integers in [lo, hi]. */
function ints(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => lo + Math.floor(((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * (hi - lo + 1)));
}

const u8 = (xs: number[]) => Uint8Array.from(xs);
const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint] });

/** int8 weights, per channel along `dim` (or per tensor: one scale), zero point 0, and their int32 bias at scale in_scale·w_scale. */
function weights(name: string, shape: number[], dim: number, scales: number[], inScale: number, seed: number): [TensorSpec, TensorSpec] {
  const n = shape.reduce((a, b) => a * b, 1);
  return [
    { name, shape, type: TensorType.INT8, data: i8(ints(n, -127, 127, seed)), quant: { scale: scales, zeroPoint: scales.map(() => 0), dimension: dim } },
    { name: `${name}_bias`, shape: [shape[dim]!], type: TensorType.INT32, data: i32(ints(shape[dim]!, -300, 300, seed + 1)), quant: { scale: scales.map((s) => s * inScale), zeroPoint: scales.map(() => 0) } },
  ];
}

/**
 * Per-channel scales around `base`. Not round numbers: with scales like 0.004 the integer accumulators land exactly
 * on rounding ties, where TFLite's reference kernels (half away from zero) and XNNPACK (half to even, after an fp32
 * multiply) disagree among themselves; calibrated models' scales are arbitrary floats.
 */
const spread = (n: number, base: number) => Array.from({ length: n }, (_, i) => base * (1 + (i % 3) * 0.25 + Math.SQRT2 * 1e-3 * (i + 1)));

/**
 * float [1, 9, 9, 3] → QUANTIZE int8 → conv 3×3 s2 relu6 (per-channel) → depthwise 3×3 relu (per-channel) →
 * two pointwise convs → ADD → MEAN → FULLY_CONNECTED → SOFTMAX; the ADD's output, logits and probabilities
 * DEQUANTIZEd to float.
 */
export function int8MobileNet(): ModelSpec {
  const IN = 2 / 255;
  const C1 = 6 / 255;
  const C2 = 0.05;
  const [w1, b1] = weights('conv1_w', [8, 3, 3, 3], 0, spread(8, 0.006), IN, 11);
  const [w2, b2] = weights('dw_w', [1, 3, 3, 8], 3, spread(8, 0.004), C1, 13);
  const [w3, b3] = weights('pw_a_w', [6, 1, 1, 8], 0, spread(6, 0.005), C2, 17);
  const [w4, b4] = weights('pw_b_w', [6, 1, 1, 8], 0, spread(6, 0.004), C2, 19);
  const [w5, b5] = weights('fc_w', [5, 6], 0, [0.01], 0.12, 23);
  return {
    tensors: [
      { name: 'input', shape: [1, 9, 9, 3] },
      { name: 'input_q', shape: [1, 9, 9, 3], type: TensorType.INT8, quant: q(IN, -1) },
      w1, b1,
      { name: 'conv1', shape: [1, 5, 5, 8], type: TensorType.INT8, quant: q(C1, -128) },
      w2, b2,
      { name: 'dw', shape: [1, 5, 5, 8], type: TensorType.INT8, quant: q(C2, -128) },
      w3, b3,
      { name: 'pw_a', shape: [1, 5, 5, 6], type: TensorType.INT8, quant: q(0.08, 3) },
      w4, b4,
      { name: 'pw_b', shape: [1, 5, 5, 6], type: TensorType.INT8, quant: q(0.07, -4) },
      { name: 'sum', shape: [1, 5, 5, 6], type: TensorType.INT8, quant: q(0.12, 2) },
      { name: 'axes', shape: [2], type: TensorType.INT32, data: i32([1, 2]) },
      { name: 'mean', shape: [1, 6], type: TensorType.INT8, quant: q(0.12, 2) },
      w5, b5,
      { name: 'logits_q', shape: [1, 5], type: TensorType.INT8, quant: q(0.05, 1) },
      { name: 'probs_q', shape: [1, 5], type: TensorType.INT8, quant: q(1 / 256, -128) },
      { name: 'logits', shape: [1, 5] },
      { name: 'probs', shape: [1, 5] },
      { name: 'features', shape: [1, 5, 5, 6] },
    ],
    ops: [
      { op: Op.QUANTIZE, inputs: [0], outputs: [1] },
      { op: Op.CONV_2D, inputs: [1, 2, 3], outputs: [4], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.SAME, 2, 2, Act.RELU6) },
      { op: Op.DEPTHWISE_CONV_2D, inputs: [4, 5, 6], outputs: [7], optionsType: BuiltinOptions.DepthwiseConv2DOptions, options: new DepthwiseConv2DOptionsT(Padding.SAME, 1, 1, 1, Act.RELU) },
      { op: Op.CONV_2D, inputs: [7, 8, 9], outputs: [10], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.VALID, 1, 1, Act.NONE) },
      { op: Op.CONV_2D, inputs: [7, 11, 12], outputs: [13], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.VALID, 1, 1, Act.NONE) },
      { op: Op.ADD, inputs: [10, 13], outputs: [14], optionsType: BuiltinOptions.AddOptions, options: new AddOptionsT(Act.NONE) },
      { op: Op.MEAN, inputs: [14, 15], outputs: [16], optionsType: BuiltinOptions.ReducerOptions, options: new ReducerOptionsT(false) },
      { op: Op.FULLY_CONNECTED, inputs: [16, 17, 18], outputs: [19], optionsType: BuiltinOptions.FullyConnectedOptions, options: new FullyConnectedOptionsT(Act.NONE) },
      { op: Op.SOFTMAX, inputs: [19], outputs: [20], optionsType: BuiltinOptions.SoftmaxOptions, options: new SoftmaxOptionsT(1) },
      { op: Op.DEQUANTIZE, inputs: [19], outputs: [21] },
      { op: Op.DEQUANTIZE, inputs: [20], outputs: [22] },
      { op: Op.DEQUANTIZE, inputs: [14], outputs: [23] },
    ],
    inputs: [0],
    outputs: [21, 22, 23],
  };
}

/** float → QUANTIZE uint8 → conv 3×3 (per-tensor uint8 weights, zero point 131) relu → max pool → ADD → DEQUANTIZE. */
export function uint8Net(): ModelSpec {
  const IN = 1 / 128;
  return {
    tensors: [
      { name: 'input', shape: [1, 7, 7, 4] },
      { name: 'input_q', shape: [1, 7, 7, 4], type: TensorType.UINT8, quant: q(IN, 128) },
      { name: 'w', shape: [5, 3, 3, 4], type: TensorType.UINT8, data: u8(ints(180, 0, 255, 29)), quant: q(0.004, 131) },
      { name: 'b', shape: [5], type: TensorType.INT32, data: i32(ints(5, -500, 500, 31)), quant: q(0.004 * IN, 0) },
      { name: 'conv', shape: [1, 7, 7, 5], type: TensorType.UINT8, quant: q(0.03, 0) },
      { name: 'pool', shape: [1, 4, 4, 5], type: TensorType.UINT8, quant: q(0.03, 0) },
      { name: 'pool2', shape: [1, 4, 4, 5], type: TensorType.UINT8, quant: q(0.03, 0) },
      { name: 'sum', shape: [1, 4, 4, 5], type: TensorType.UINT8, quant: q(0.05, 10) },
      { name: 'out', shape: [1, 4, 4, 5] },
    ],
    ops: [
      { op: Op.QUANTIZE, inputs: [0], outputs: [1] },
      { op: Op.CONV_2D, inputs: [1, 2, 3], outputs: [4], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.SAME, 1, 1, Act.RELU) },
      { op: Op.MAX_POOL_2D, inputs: [4], outputs: [5], optionsType: BuiltinOptions.Pool2DOptions, options: new Pool2DOptionsT(Padding.SAME, 2, 2, 2, 2) },
      { op: Op.AVERAGE_POOL_2D, inputs: [4], outputs: [6], optionsType: BuiltinOptions.Pool2DOptions, options: new Pool2DOptionsT(Padding.SAME, 2, 2, 3, 3) },
      { op: Op.ADD, inputs: [5, 6], outputs: [7], optionsType: BuiltinOptions.AddOptions, options: new AddOptionsT(Act.NONE) },
      { op: Op.DEQUANTIZE, inputs: [7], outputs: [8] },
    ],
    inputs: [0],
    outputs: [8],
  };
}

/** uint8 in and out (the integers q at the API): a depthwise 3×3 conv with relu6, per-tensor weights. */
export function uint8Io(): ModelSpec {
  return {
    tensors: [
      { name: 'pixels', shape: [1, 6, 6, 3], type: TensorType.UINT8, quant: q(1 / 255, 0) },
      { name: 'w', shape: [1, 3, 3, 3], type: TensorType.UINT8, data: u8(ints(27, 0, 255, 37)), quant: q(0.01, 128) },
      { name: 'b', shape: [3], type: TensorType.INT32, data: i32(ints(3, -2000, 2000, 41)), quant: q(0.01 / 255, 0) },
      { name: 'features', shape: [1, 6, 6, 3], type: TensorType.UINT8, quant: q(0.004, 20) },
    ],
    ops: [{ op: Op.DEPTHWISE_CONV_2D, inputs: [0, 1, 2], outputs: [3], optionsType: BuiltinOptions.DepthwiseConv2DOptions, options: new DepthwiseConv2DOptionsT(Padding.SAME, 1, 1, 1, Act.RELU6) }],
    inputs: [0],
    outputs: [3],
  };
}

/**
 * A MobileNetV3-style int8 block: QUANTIZE → pointwise conv → HARD_SWISH → depthwise 3×3 → squeeze-excite (MEAN,
 * 1×1 conv relu, 1×1 conv, LOGISTIC, MUL) → PAD → AVERAGE_POOL_2D → RESHAPE, CONCATENATION with a second RESHAPE
 * of the same pool, DEQUANTIZE. Pool, pad, reshape and concatenation keep their input's parameters, as TFLite asks.
 */
export function int8V3Block(): ModelSpec {
  const IN = 1.5 / 127;
  const [w1, b1] = weights('expand_w', [8, 1, 1, 4], 0, spread(8, 0.008), IN, 43);
  const [w2, b2] = weights('dw_w', [1, 3, 3, 8], 3, spread(8, 0.006), 0.03, 47);
  const [w3, b3] = weights('se_reduce_w', [4, 1, 1, 8], 0, spread(4, 0.01), 0.04, 53);
  const [w4, b4] = weights('se_expand_w', [8, 1, 1, 4], 0, spread(8, 0.01), 0.05, 59);
  return {
    tensors: [
      { name: 'input', shape: [1, 6, 6, 4] },
      { name: 'input_q', shape: [1, 6, 6, 4], type: TensorType.INT8, quant: q(IN, 0) },
      w1, b1,
      { name: 'expand', shape: [1, 6, 6, 8], type: TensorType.INT8, quant: q(0.06, -10) },
      { name: 'hswish', shape: [1, 6, 6, 8], type: TensorType.INT8, quant: q(0.03, -100) },
      w2, b2,
      { name: 'dw', shape: [1, 6, 6, 8], type: TensorType.INT8, quant: q(0.04, 7) },
      { name: 'axes', shape: [2], type: TensorType.INT32, data: i32([1, 2]) },
      { name: 'squeeze', shape: [1, 1, 1, 8], type: TensorType.INT8, quant: q(0.02, 0) },
      w3, b3,
      { name: 'se_reduce', shape: [1, 1, 1, 4], type: TensorType.INT8, quant: q(0.05, -128) },
      w4, b4,
      { name: 'se_expand', shape: [1, 1, 1, 8], type: TensorType.INT8, quant: q(0.06, 0) },
      { name: 'gate', shape: [1, 1, 1, 8], type: TensorType.INT8, quant: q(1 / 256, -128) },
      { name: 'excited', shape: [1, 6, 6, 8], type: TensorType.INT8, quant: q(0.035, 5) },
      { name: 'pads', shape: [4, 2], type: TensorType.INT32, data: i32([0, 0, 1, 1, 1, 1, 0, 0]) },
      { name: 'padded', shape: [1, 8, 8, 8], type: TensorType.INT8, quant: q(0.035, 5) },
      { name: 'pooled', shape: [1, 3, 3, 8], type: TensorType.INT8, quant: q(0.035, 5) },
      { name: 'shape', shape: [2], type: TensorType.INT32, data: i32([1, 72]) },
      { name: 'flat', shape: [1, 72], type: TensorType.INT8, quant: q(0.035, 5) },
      { name: 'cat', shape: [1, 144], type: TensorType.INT8, quant: q(0.035, 5) },
      { name: 'out', shape: [1, 144] },
    ],
    ops: [
      { op: Op.QUANTIZE, inputs: [0], outputs: [1] },
      { op: Op.CONV_2D, inputs: [1, 2, 3], outputs: [4], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.VALID, 1, 1, Act.NONE) },
      { op: Op.HARD_SWISH, inputs: [4], outputs: [5] },
      { op: Op.DEPTHWISE_CONV_2D, inputs: [5, 6, 7], outputs: [8], optionsType: BuiltinOptions.DepthwiseConv2DOptions, options: new DepthwiseConv2DOptionsT(Padding.SAME, 1, 1, 1, Act.NONE) },
      { op: Op.MEAN, inputs: [8, 9], outputs: [10], optionsType: BuiltinOptions.ReducerOptions, options: new ReducerOptionsT(true) },
      { op: Op.CONV_2D, inputs: [10, 11, 12], outputs: [13], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.VALID, 1, 1, Act.RELU) },
      { op: Op.CONV_2D, inputs: [13, 14, 15], outputs: [16], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.VALID, 1, 1, Act.NONE) },
      { op: Op.LOGISTIC, inputs: [16], outputs: [17] },
      { op: Op.MUL, inputs: [8, 17], outputs: [18], optionsType: BuiltinOptions.MulOptions, options: new MulOptionsT(Act.NONE) },
      { op: Op.PAD, inputs: [18, 19], outputs: [20] },
      { op: Op.AVERAGE_POOL_2D, inputs: [20], outputs: [21], optionsType: BuiltinOptions.Pool2DOptions, options: new Pool2DOptionsT(Padding.VALID, 2, 2, 3, 3) },
      { op: Op.RESHAPE, inputs: [21, 22], outputs: [23], optionsType: BuiltinOptions.ReshapeOptions, options: new ReshapeOptionsT([1, 72]) },
      { op: Op.CONCATENATION, inputs: [23, 23], outputs: [24], optionsType: BuiltinOptions.ConcatenationOptions, options: new ConcatenationOptionsT(1, Act.NONE) },
      { op: Op.DEQUANTIZE, inputs: [24], outputs: [25] },
    ],
    inputs: [0],
    outputs: [25],
  };
}

/**
 * `blocks` int8 depthwise-separable blocks (depthwise 3×3 relu6, pointwise 1×1 relu6, per-channel) on
 * [1, 10, 10, 8], each with a residual ADD when `residual`: how far rounding differences travel.
 */
export function int8Deep(blocks: number, residual = false): ModelSpec {
  const C = 8;
  const IN = 2 / 255;
  const ACT = 6 / 255;
  const tensors: TensorSpec[] = [
    { name: 'input', shape: [1, 10, 10, C] },
    { name: 'input_q', shape: [1, 10, 10, C], type: TensorType.INT8, quant: q(IN, -1) },
  ];
  const ops: ModelSpec['ops'] = [{ op: Op.QUANTIZE, inputs: [0], outputs: [1] }];
  let x = 1;
  let inScale = IN;
  for (let k = 0; k < blocks; k++) {
    const [dw, dwb] = weights(`b${k}_dw`, [1, 3, 3, C], 3, spread(C, 0.012), inScale, 100 + 4 * k);
    tensors.push(dw, dwb, { name: `b${k}_dw_out`, shape: [1, 10, 10, C], type: TensorType.INT8, quant: q(ACT, -128) });
    ops.push({ op: Op.DEPTHWISE_CONV_2D, inputs: [x, tensors.length - 3, tensors.length - 2], outputs: [tensors.length - 1], optionsType: BuiltinOptions.DepthwiseConv2DOptions, options: new DepthwiseConv2DOptionsT(Padding.SAME, 1, 1, 1, Act.RELU6) });
    x = tensors.length - 1;
    const [pw, pwb] = weights(`b${k}_pw`, [C, 1, 1, C], 0, spread(C, 0.005), ACT, 102 + 4 * k);
    tensors.push(pw, pwb, { name: `b${k}_pw_out`, shape: [1, 10, 10, C], type: TensorType.INT8, quant: q(ACT, -128) });
    ops.push({ op: Op.CONV_2D, inputs: [x, tensors.length - 3, tensors.length - 2], outputs: [tensors.length - 1], optionsType: BuiltinOptions.Conv2DOptions, options: new Conv2DOptionsT(Padding.VALID, 1, 1, Act.RELU6) });
    const blockIn = ops[ops.length - 2]!.inputs[0]!;
    x = tensors.length - 1;
    inScale = ACT;
    if (residual) {
      tensors.push({ name: `b${k}_sum`, shape: [1, 10, 10, C], type: TensorType.INT8, quant: q(ACT * 1.37, -100) });
      ops.push({ op: Op.ADD, inputs: [x, blockIn], outputs: [tensors.length - 1], optionsType: BuiltinOptions.AddOptions, options: new AddOptionsT(Act.NONE) });
      x = tensors.length - 1;
      inScale = ACT * 1.37;
    }
  }
  tensors.push({ name: 'out', shape: [1, 10, 10, C] });
  ops.push({ op: Op.DEQUANTIZE, inputs: [x], outputs: [tensors.length - 1] });
  return { tensors, ops, inputs: [0], outputs: [tensors.length - 1] };
}
