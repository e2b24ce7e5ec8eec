import { ModelFormatError } from '../errors.js';
import type { Value } from '../graph/ir.js';
import { MAX_ELEMENTS } from '../tensor.js';
import { DataType, dataTypeName, type TensorProtoMsg } from './proto.js';
export { MAX_ELEMENTS } from '../tensor.js';

const DATA_LOCATION_EXTERNAL = 1;

interface Layout {
  /** Bytes per element in raw_data. */
  readonly size: number;
  /** Decoder from the copied raw bytes; `n` elements. */
  readonly raw: (view: DataView, n: number) => Float32Array | Float64Array;
  /** The typed repeated field used when raw_data is absent. */
  readonly field: 'float_data' | 'double_data' | 'int32_data' | 'int64_data';
  readonly int: boolean;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function rawFloat32(view: DataView, n: number): Float32Array {
  if (LITTLE_ENDIAN_HOST) return new Float32Array(view.buffer, view.byteOffset, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function rawMap(size: number, read: (v: DataView, off: number) => number, int: boolean) {
  return (view: DataView, n: number) => {
    const out = int ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = read(view, i * size);
    return out;
  };
}

// hi * 2^32 + lo rounds once, so values beyond 2^53 come out correctly rounded.
const readInt64 = (v: DataView, o: number) => v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true);

const LAYOUTS: ReadonlyMap<number, Layout> = new Map<number, Layout>([
  [DataType.FLOAT, { size: 4, raw: rawFloat32, field: 'float_data', int: false }],
  [DataType.DOUBLE, { size: 8, raw: rawMap(8, (v, o) => v.getFloat64(o, true), false), field: 'double_data', int: false }],
  [DataType.FLOAT16, { size: 2, raw: rawMap(2, (v, o) => halfToFloat(v.getUint16(o, true)), false), field: 'int32_data', int: false }],
  [DataType.INT64, { size: 8, raw: rawMap(8, readInt64, true), field: 'int64_data', int: true }],
  [DataType.INT32, { size: 4, raw: rawMap(4, (v, o) => v.getInt32(o, true), true), field: 'int32_data', int: true }],
  [DataType.INT8, { size: 1, raw: rawMap(1, (v, o) => v.getInt8(o), true), field: 'int32_data', int: true }],
  [DataType.UINT8, { size: 1, raw: rawMap(1, (v, o) => v.getUint8(o), true), field: 'int32_data', int: true }],
  [DataType.BOOL, { size: 1, raw: rawMap(1, (v, o) => (v.getUint8(o) !== 0 ? 1 : 0), true), field: 'int32_data', int: true }],
]);

/** IEEE 754 binary16 bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Validates dims before anything is allocated: non-negative integers whose product stays below 2^31. */
export function checkedDims(dims: readonly number[], what: string): { shape: number[]; count: number } {
  const shape = dims.map((n, i) => {
    if (!Number.isInteger(n) || n < 0)
      throw new ModelFormatError(`${what}: dimension ${i} is ${n}; dimensions must be non-negative integers`);
    if (n > MAX_ELEMENTS)
      throw new ModelFormatError(`${what}: dimension ${i} is ${n}, above the limit of ${MAX_ELEMENTS} elements`);
    return n;
  });
  let count = shape.includes(0) ? 0 : 1;
  for (const d of shape) {
    if (count === 0) break;
    count *= d;
    if (count > MAX_ELEMENTS)
      throw new ModelFormatError(`${what}: shape [${shape.join(', ')}] has more than ${MAX_ELEMENTS} elements`);
  }
  return { shape, count };
}

/**
 * Converts an ONNX TensorProto into a Value: FLOAT, DOUBLE and FLOAT16 become float32 Tensors;
 * INT64, INT32, INT8, UINT8 and BOOL become IntTensors. `what` names the tensor in errors.
 */
export function tensorFromProto(t: TensorProtoMsg, what = `tensor "${t.name ?? ''}"`): Value {
  if (t.data_location === DATA_LOCATION_EXTERNAL || (t.external_data?.length ?? 0) > 0)
    throw new ModelFormatError(
      `${what} keeps its data in an external file (data_location EXTERNAL); external data is not supported: ` +
        `re-export the model with the weights embedded (e.g. onnx.save_model(model, path, save_as_external_data=False))`,
    );
  if (t.segment) throw new ModelFormatError(`${what} is a segment of a larger tensor; segmented tensors are not supported`);
  const layout = LAYOUTS.get(t.data_type);
  if (!layout)
    throw new ModelFormatError(
      `${what} has data type ${dataTypeName(t.data_type)}, which is not supported ` +
        `(supported: FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT8, UINT8, BOOL)`,
    );
  const { shape, count } = checkedDims(t.dims ?? [], what);
  const raw = t.raw_data;
  let values: Float32Array | Float64Array;
  if (raw && raw.length > 0) {
    if (raw.length !== count * layout.size)
      throw new ModelFormatError(
        `${what}: shape [${shape.join(', ')}] needs ${count} ${dataTypeName(t.data_type)} values (${count * layout.size} bytes) ` +
          `but raw_data holds ${raw.length} bytes`,
      );
    // raw_data is a view into the file and may sit at any byte offset: copy it before viewing it as wider words.
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    values = layout.raw(new DataView(copy.buffer), count);
  } else {
    const field: readonly number[] = t[layout.field] ?? [];
    if (field.length !== count)
      throw new ModelFormatError(
        `${what}: shape [${shape.join(', ')}] needs ${count} values but ${layout.field} holds ${field.length} (and raw_data is empty)`,
      );
    values = layout.int ? new Float64Array(count) : new Float32Array(count);
    if (t.data_type === DataType.FLOAT16) for (let i = 0; i < count; i++) values[i] = halfToFloat(field[i]! & 0xffff);
    else if (t.data_type === DataType.BOOL) for (let i = 0; i < count; i++) values[i] = field[i] ? 1 : 0;
    else if (t.data_type === DataType.INT8) for (let i = 0; i < count; i++) values[i] = (field[i]! << 24) >> 24;
    else if (t.data_type === DataType.UINT8) for (let i = 0; i < count; i++) values[i] = field[i]! & 0xff;
    else for (let i = 0; i < count; i++) values[i] = field[i]!;
  }
  return layout.int ? { shape, ints: values as Float64Array } : { shape, data: values as Float32Array };
}
