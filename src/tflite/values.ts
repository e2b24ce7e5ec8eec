import { ModelFormatError } from '../errors.js';
import { tensorTypeName, type TfliteTensor } from './read.js';
import { TensorType } from './schema/tflite_generated.js';

/** IEEE 754 binary16 → binary32, exactly (subnormals, infinities and NaN included). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * A constant's values as numbers in row-major order: floats (float32, float16 widened, float64), or the raw
 * integers of integer and bool tensors (quantized ones still quantized: see dequantize).
 */
export function constantValues(t: TfliteTensor): Float32Array | Float64Array {
  const data = t.data;
  if (!data) throw new ModelFormatError(`TFLite model: tensor #${t.index} "${t.name}" has no constant data`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = (size: number) => data.byteLength / size;
  switch (t.type) {
    case TensorType.FLOAT32:
      return Float32Array.from({ length: n(4) }, (_, i) => view.getFloat32(i * 4, true));
    case TensorType.FLOAT16:
      return Float32Array.from({ length: n(2) }, (_, i) => float16ToFloat32(view.getUint16(i * 2, true)));
    case TensorType.FLOAT64:
      return Float64Array.from({ length: n(8) }, (_, i) => view.getFloat64(i * 8, true));
    case TensorType.INT32:
      return Float64Array.from({ length: n(4) }, (_, i) => view.getInt32(i * 4, true));
    case TensorType.INT64:
      return Float64Array.from({ length: n(8) }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    case TensorType.INT16:
      return Float64Array.from({ length: n(2) }, (_, i) => view.getInt16(i * 2, true));
    case TensorType.INT8:
      return Float64Array.from({ length: n(1) }, (_, i) => view.getInt8(i));
    case TensorType.UINT8:
    case TensorType.BOOL:
      return Float64Array.from(data);
    default:
      throw new ModelFormatError(`TFLite model: tensor #${t.index} "${t.name}" is a constant of type ${tensorTypeName(t.type)}, which sepconv cannot read`);
  }
}

export function isFloatType(type: TensorType): boolean {
  return type === TensorType.FLOAT32 || type === TensorType.FLOAT16 || type === TensorType.FLOAT64;
}

/**
 * f = scale · (q − zero_point) for an int8/uint8/int16 constant, per tensor or per slice along the
 * quantization dimension. This is exact in float32 up to the rounding of one multiply, so weight-only
 * quantized models (a quantized constant feeding DEQUANTIZE) load with float weights equal to TFLite's own.
 */
export function dequantize(t: TfliteTensor): Float32Array {
  const q = t.quantization;
  const where = `TFLite model: tensor #${t.index} "${t.name}"`;
  if (!q || q.scale.length === 0) throw new ModelFormatError(`${where} is ${tensorTypeName(t.type)} without quantization parameters`);
  const raw = constantValues(t);
  const out = new Float32Array(raw.length);
  if (q.scale.length === 1) {
    const zp = q.zeroPoint[0] ?? 0;
    for (let i = 0; i < raw.length; i++) out[i] = q.scale[0]! * (raw[i]! - zp);
    return out;
  }
  const dim = q.dimension;
  if (!(dim >= 0 && dim < t.shape.length) || t.shape[dim] !== q.scale.length)
    throw new ModelFormatError(`${where}: ${q.scale.length} per-channel scales do not match dimension ${dim} of shape [${t.shape.join(', ')}]`);
  if (q.zeroPoint.length !== 0 && q.zeroPoint.length !== q.scale.length)
    throw new ModelFormatError(`${where}: ${q.zeroPoint.length} zero points for ${q.scale.length} scales`);
  const inner = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const channels = t.shape[dim]!;
  for (let i = 0; i < raw.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = q.scale[c]! * (raw[i]! - (q.zeroPoint[c] ?? 0));
  }
  return out;
}
