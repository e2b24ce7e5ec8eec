import { binary, concat, matmul, reshape, slice, transposeConv2d } from '../tf/index.js';
import { readFlexbuffer } from './flexbuffer.js';
import type { Lowering, OpCtx } from './ops.js';

/** TfLitePadding in a custom op's raw C params: 0 unknown, 1 SAME, 2 VALID. */
const PADDING_SAME = 1;
const PADDING_VALID = 2;

/**
 * MediaPipe's Convolution2DTransposeBias (mediapipe/util/tflite/operations/transpose_conv_bias.cc): a transposed
 * conv with bias, inputs (x NHWC, weights OHWI [Cout, kH, kW, Cin], bias [Cout]); its custom options are the
 * raw C struct TfLiteTransposeConvParams {int32 padding, stride_width, stride_height}, little-endian. With SAME,
 * pad = max(0, k − (in − 1) mod s − 1) is taken off the full output, pad/2 (floored) at the top/left;
 * out = s·(in − 1) + k − pad.
 */
function convolution2DTransposeBias(c: OpCtx): ReturnType<Lowering> {
  const raw = c.op.customOptions;
  if (!raw || raw.length < 12) throw c.fail(`custom options are ${raw?.length ?? 0} bytes; TfLiteTransposeConvParams needs 12`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const [paddingCode, strideW, strideH] = [0, 4, 8].map((o) => view.getInt32(o, true)) as [number, number, number];
  if (paddingCode !== PADDING_SAME && paddingCode !== PADDING_VALID) throw c.fail(`padding code ${paddingCode} is neither SAME (1) nor VALID (2)`);
  if (!(strideW >= 1 && strideH >= 1)) throw c.fail(`strides [${strideH}, ${strideW}] must be positive`);
  const x = c.input(0);
  const w = c.input(1);
  if (x.shape.length !== 4 || w.shape.length !== 4) throw c.fail(`input [${x.shape.join(', ')}] and weights [${w.shape.join(', ')}] must be 4-D`);
  const k = [w.shape[1]!, w.shape[2]!];
  const s = [strideH, strideW];
  const pads = [0, 1].map((i) => (paddingCode === PADDING_SAME ? Math.max(0, k[i]! - ((x.shape[1 + i]! - 1) % s[i]!) - 1) : 0));
  const out = [0, 1].map((i) => s[i]! * (x.shape[1 + i]! - 1) + k[i]! - pads[i]!);
  const explicit = pads.map((p) => [Math.floor(p / 2), p - Math.floor(p / 2)]) as [[number, number], [number, number]];
  return [
    transposeConv2d(c.b, c.base, x, w, [x.shape[0]!, out[0]!, out[1]!, w.shape[0]!], c.input(2), {
      filterLayout: 'OHWI',
      strides: [strideH, strideW],
      padding: { explicit },
    }),
  ];
}

/**
 * MediaPipe's TransformLandmarks, version 2 (mediapipe/util/tflite/operations/transform_landmarks.cc): landmarks
 * [1, N, D] (D = 2 or 3) and a 4×4 matrix M [1, 4, 4]; (x, y) → (M₀₀x + M₀₁y + M₀₃, M₁₀x + M₁₁y + M₁₃), z
 * passed through. Version 1 (4-D landmarks, flexbuffer options with a scale) is refused.
 */
function transformLandmarks(c: OpCtx): ReturnType<Lowering> {
  if (c.op.version !== 2) throw c.fail(`version ${c.op.version} is not supported (version 2 is)`);
  const l = c.input(0);
  const m = c.input(1);
  const d = l.shape[2];
  if (l.shape.length !== 3 || l.shape[0] !== 1 || (d !== 2 && d !== 3) || m.shape.reduce((a, b) => a * b, 1) !== 16)
    throw c.fail(`landmarks [${l.shape.join(', ')}] must be [1, N, 2 or 3] and the matrix 4×4 (it is [${m.shape.join(', ')}])`);
  const n = l.shape[1]!;
  const m44 = reshape(c.b, c.base, m, [4, 4]);
  const rows = slice(c.b, c.base, m44, [0, 0], [2, 4]);
  const xy = slice(c.b, c.base, l, [0, 0, 0], [1, n, 2]);
  const linear = matmul(c.b, c.base, reshape(c.b, c.base, xy, [n, 2]), slice(c.b, c.base, rows, [0, 0], [2, 2]), undefined, { transposeB: true });
  const moved = binary(c.b, c.base, 'Add', linear, reshape(c.b, c.base, slice(c.b, c.base, rows, [0, 3], [2, 1]), [2]));
  const out = reshape(c.b, c.base, moved, [1, n, 2]);
  return [d === 2 ? out : concat(c.b, c.base, [out, slice(c.b, c.base, l, [0, 0, 2], [1, n, 1])], 2)];
}

/** A custom op's flexbuffer map of options (MediaPipe's v2 ops), or a typed error. */
function flexOptions(c: OpCtx): Record<string, unknown> {
  const raw = c.op.customOptions;
  if (!raw || raw.length === 0) throw c.fail('has no custom options (a flexbuffer map is expected)');
  let o: unknown;
  try {
    o = readFlexbuffer(raw);
  } catch (e) {
    throw c.fail(`custom options are not a readable flexbuffer: ${(e as Error).message}`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw c.fail('custom options are not a flexbuffer map');
  return o as Record<string, unknown>;
}

function num(c: OpCtx, o: Record<string, unknown>, key: string, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number') throw c.fail(`custom option ${key} is missing or not a number`);
  return Number(v);
}

function requireVersion(c: OpCtx, version: number): void {
  if (c.op.version !== version) throw c.fail(`version ${c.op.version} is not supported (version ${version} is)`);
}

/**
 * MediaPipe's TransformTensorBilinear, version 2 (mediapipe/util/tflite/operations/transform_tensor_bilinear.cc):
 * x NHWC and a 4×4 matrix → [1, output_height, output_width, C]; see src/ops/transformtensorbilinear.ts.
 */
function transformTensorBilinear(c: OpCtx): ReturnType<Lowering> {
  requireVersion(c, 2);
  const o = flexOptions(c);
  const [oh, ow] = [num(c, o, 'output_height'), num(c, o, 'output_width')];
  const x = c.input(0);
  if (x.shape.length !== 4) throw c.fail(`input [${x.shape.join(', ')}] must be 4-D`);
  return [
    c.b.op('TransformTensorBilinear', c.base, [c.b.toNchw(x), c.input(1)], { output_height: oh, output_width: ow }, {
      shape: [1, oh, ow, x.shape[3]!], layout: 'nchw', dtype: 'float32',
    }),
  ];
}

/**
 * MediaPipe's Landmarks2TransformMatrix, version 2 (mediapipe/util/tflite/operations/landmarks_to_transform_matrix.cc):
 * landmarks [1, N, 3] → the [1, 4, 4] crop matrix; see src/ops/landmarkstotransformmatrix.ts. subset_idxs is the
 * flat list of index pairs.
 */
function landmarks2TransformMatrix(c: OpCtx): ReturnType<Lowering> {
  requireVersion(c, 2);
  const o = flexOptions(c);
  const subset = o.subset_idxs;
  if (!Array.isArray(subset) || subset.some((v) => typeof v !== 'number')) throw c.fail('custom option subset_idxs is not a list of integers');
  const attrs = {
    left_rotation_idx: num(c, o, 'left_rotation_idx'),
    right_rotation_idx: num(c, o, 'right_rotation_idx'),
    output_width: num(c, o, 'output_width'),
    output_height: num(c, o, 'output_height'),
    scale_x: num(c, o, 'scale_x'),
    scale_y: num(c, o, 'scale_y'),
    target_rotation_radians: num(c, o, 'target_rotation_radians', 0),
    subset_idxs: subset as number[],
  };
  return [c.b.op('Landmarks2TransformMatrix', c.base, [c.b.toPlain(c.input(0))], attrs, { shape: [1, 4, 4], layout: 'plain', dtype: 'float32' })];
}

/** Custom operators sepconv runs, by custom code. */
export const CUSTOM_OPS: ReadonlyMap<string, Lowering> = new Map([
  ['Convolution2DTransposeBias', convolution2DTransposeBias],
  ['TransformLandmarks', transformLandmarks],
  ['TransformTensorBilinear', transformTensorBilinear],
  ['Landmarks2TransformMatrix', landmarks2TransformMatrix],
]);
