/**
 * A bounded reader of the flexbuffer values MediaPipe's custom ops keep in custom_options: a root map whose values
 * are null, bool, int, uint, float (direct or indirect), keys, strings, maps and vectors (untyped, or typed vectors
 * of ints, uints, floats, keys, bools, fixed-length ones included), at any byte width 1, 2, 4 or 8. 64-bit integers become numbers (precision beyond
 * 2^53 is lost: these options are sizes, indices and scales). Every offset is checked against the buffer and
 * nesting is bounded, so a hostile buffer ends in an Error, never a hang or an out-of-range read.
 */

const enum T {
  Null = 0, Int = 1, UInt = 2, Float = 3, Key = 4, String = 5, IndirectInt = 6, IndirectUInt = 7, IndirectFloat = 8,
  Map = 9, Vector = 10, VectorInt = 11, VectorUInt = 12, VectorFloat = 13, VectorKey = 14, VectorBool = 36, Bool = 26,
}

/** Deeper nesting than MediaPipe's options ever use is refused (a cyclic offset chain would recurse forever). */
const MAX_DEPTH = 16;
/** More elements in one vector or map, or values in all, than any options need. */
const MAX_LENGTH = 1 << 16;

export type FlexValue = null | boolean | number | string | FlexValue[] | { [key: string]: FlexValue };

export function readFlexbuffer(bytes: Uint8Array): FlexValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const need = (at: number, len: number) => {
    if (!(at >= 0 && len >= 0 && at + len <= n)) throw new Error(`offset ${at} (+${len}) is outside the ${n}-byte buffer`);
  };
  const width = (w: number) => {
    if (w !== 1 && w !== 2 && w !== 4 && w !== 8) throw new Error(`byte width ${w} is not 1, 2, 4 or 8`);
    return w;
  };
  const uint = (at: number, w: number): number => {
    need(at, w);
    return w === 1 ? view.getUint8(at) : w === 2 ? view.getUint16(at, true) : w === 4 ? view.getUint32(at, true) : Number(view.getBigUint64(at, true));
  };
  const int = (at: number, w: number): number => {
    need(at, w);
    return w === 1 ? view.getInt8(at) : w === 2 ? view.getInt16(at, true) : w === 4 ? view.getInt32(at, true) : Number(view.getBigInt64(at, true));
  };
  const float = (at: number, w: number): number => {
    need(at, w);
    if (w === 4) return view.getFloat32(at, true);
    if (w === 8) return view.getFloat64(at, true);
    throw new Error(`a ${w}-byte float is not readable`);
  };
  const indirect = (at: number, w: number) => at - uint(at, w);
  const cstring = (at: number): string => {
    need(at, 1);
    const end = bytes.indexOf(0, at);
    if (end < 0) throw new Error(`key at ${at} has no terminating zero`);
    return new TextDecoder().decode(bytes.subarray(at, end));
  };
  const length = (at: number, w: number) => {
    const len = uint(at - w, w);
    if (len > MAX_LENGTH) throw new Error(`length ${len} exceeds ${MAX_LENGTH}`);
    need(at, len * w);
    return len;
  };

  /** The value at `at` stored in `parentWidth` bytes with packed type `packed`. */
  let visited = 0;
  const value = (at: number, parentWidth: number, packed: number, depth: number): FlexValue => {
    if (depth > MAX_DEPTH) throw new Error(`nesting deeper than ${MAX_DEPTH}`);
    if (++visited > MAX_LENGTH) throw new Error(`more than ${MAX_LENGTH} values`);
    const type = packed >> 2;
    const childWidth = width(1 << (packed & 3));
    switch (type) {
      case T.Null: return null;
      case T.Int: return int(at, parentWidth);
      case T.UInt: return uint(at, parentWidth);
      case T.Float: return float(at, parentWidth);
      case T.Bool: return uint(at, parentWidth) !== 0;
      case T.IndirectInt: return int(indirect(at, parentWidth), childWidth);
      case T.IndirectUInt: return uint(indirect(at, parentWidth), childWidth);
      case T.IndirectFloat: return float(indirect(at, parentWidth), childWidth);
      case T.Key: return cstring(indirect(at, parentWidth));
      case T.String: {
        const s = indirect(at, parentWidth);
        const len = length(s, childWidth);
        return new TextDecoder().decode(bytes.subarray(s, s + len));
      }
      case T.Vector: {
        const v = indirect(at, parentWidth);
        const len = length(v, childWidth);
        need(v + len * childWidth, len);
        return Array.from({ length: len }, (_, i) => value(v + i * childWidth, childWidth, bytes[v + len * childWidth + i]!, depth + 1));
      }
      case T.VectorInt: case T.VectorUInt: case T.VectorFloat: case T.VectorKey: case T.VectorBool: {
        const v = indirect(at, parentWidth);
        const len = length(v, childWidth);
        const elem = ({ [T.VectorInt]: T.Int, [T.VectorUInt]: T.UInt, [T.VectorFloat]: T.Float, [T.VectorKey]: T.Key, [T.VectorBool]: T.Bool } as const)[type];
        return Array.from({ length: len }, (_, i) => value(v + i * childWidth, childWidth, elem << 2, depth + 1));
      }
      case T.Map: {
        const v = indirect(at, parentWidth);
        const len = length(v, childWidth);
        need(v + len * childWidth, len);
        const keysAt = indirect(v - 3 * childWidth, childWidth);
        const keyWidth = width(uint(v - 2 * childWidth, childWidth));
        if (length(keysAt, keyWidth) !== len) throw new Error('map keys and values differ in number');
        const out: { [key: string]: FlexValue } = Object.create(null);
        for (let i = 0; i < len; i++) {
          const key = cstring(indirect(keysAt + i * keyWidth, keyWidth));
          out[key] = value(v + i * childWidth, childWidth, bytes[v + len * childWidth + i]!, depth + 1);
        }
        return out;
      }
      default: {
        // fixed-length typed vectors: INT2, UINT2, FLOAT2 (16–18), then lengths 3 (19–21) and 4 (22–24)
        if (type < 16 || type > 24) throw new Error(`value type ${type} is not read here`);
        const v = indirect(at, parentWidth);
        const len = 2 + Math.floor((type - 16) / 3);
        need(v, len * childWidth);
        const elem = [T.Int, T.UInt, T.Float][(type - 16) % 3]!;
        return Array.from({ length: len }, (_, i) => value(v + i * childWidth, childWidth, elem << 2, depth + 1));
      }
    }
  };

  if (n < 3) throw new Error(`${n} bytes are too few for a flexbuffer`);
  const rootWidth = width(bytes[n - 1]!);
  const at = n - 2 - rootWidth;
  need(at, rootWidth);
  return value(at, rootWidth, bytes[n - 2]!, 0);
}
