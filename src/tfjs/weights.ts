import { ModelFormatError } from '../errors.js';
import { MAX_ELEMENTS } from '../onnx/tensor.js';
import type { WeightGroup, WeightSpec } from './model-json.js';

/** A decoded weight: float32 values, or exact integers for int32/bool weights. */
export interface DecodedWeight {
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly data: Float32Array | Int32Array;
}

/** Bytes per stored element: the quantized dtype when there is one. */
const STORED: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
const LOGICAL = new Set(['float32', 'int32', 'bool']);

function storedDtype(w: WeightSpec): string {
  return w.quantization ? w.quantization.dtype : w.dtype;
}

function count(w: WeightSpec): number {
  let n = 1;
  for (const d of w.shape) {
    n *= d;
    if (n > MAX_ELEMENTS) throw new ModelFormatError(`weight "${w.name}": shape [${w.shape.join(', ')}] has more than ${MAX_ELEMENTS} elements`);
  }
  return n;
}

/** Bytes one weight occupies in its group's shards; unknown dtypes are a ModelFormatError naming the weight. */
export function weightBytes(w: WeightSpec, shard: string): number {
  if (!LOGICAL.has(w.dtype))
    throw new ModelFormatError(`weight "${w.name}" (shard ${shard}) has dtype "${w.dtype}"; supported: float32, int32, bool`);
  const s = storedDtype(w);
  const size = STORED[s];
  if (size === undefined || (w.quantization && !['uint8', 'uint16', 'float16'].includes(s)))
    throw new ModelFormatError(`weight "${w.name}" (shard ${shard}) is stored as "${s}"; supported: float32, int32, bool, and uint8/uint16/float16 quantization`);
  if (w.quantization && s !== 'float16' && (typeof w.quantization.scale !== 'number' || typeof w.quantization.min !== 'number'))
    throw new ModelFormatError(`weight "${w.name}" (shard ${shard}): ${s} quantization needs numeric "min" and "scale"`);
  return count(w) * size;
}

/** Total bytes each group's shards must hold together, checked against the manifest before any fetch. */
export function groupBytes(g: WeightGroup): number {
  return g.weights.reduce((n, w) => n + weightBytes(w, g.paths[0] ?? '(none)'), 0);
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Decodes every weight of the manifest. `shards[g][k]` holds the bytes of `manifest[g].paths[k]`; a group's
 * weights are laid out back to back across its shards (TF.js's layout). Missing or short shards and entries
 * whose bytes do not fit are ModelFormatErrors naming the weight and the shard.
 */
export function decodeWeights(manifest: readonly WeightGroup[], shards: readonly (readonly Uint8Array[])[]): Map<string, DecodedWeight> {
  const out = new Map<string, DecodedWeight>();
  manifest.forEach((g, gi) => {
    const parts = shards[gi] ?? [];
    g.paths.forEach((p, k) => {
      if (!(parts[k] instanceof Uint8Array)) throw new ModelFormatError(`shard "${p}" (weights group ${gi}) is missing`);
    });
    const starts: number[] = [];
    let total = 0;
    for (const b of parts.slice(0, g.paths.length)) {
      starts.push(total);
      total += b.byteLength;
    }
    const shardAt = (off: number) => {
      let k = 0;
      while (k + 1 < starts.length && starts[k + 1]! <= off) k++;
      return g.paths[k] ?? '(none)';
    };
    const buf = concat(parts.slice(0, g.paths.length), total);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = 0;
    for (const w of g.weights) {
      const n = weightBytes(w, shardAt(off));
      if (off + n > total) {
        // the data ran out in the group's last shard: that one is short (or the manifest overstates the weights)
        const last = g.paths[g.paths.length - 1] ?? '(none)';
        throw new ModelFormatError(
          `weight "${w.name}" (from shard "${shardAt(Math.min(off, Math.max(total - 1, 0)))}") needs bytes ${off}..${off + n} of weights group ${gi} but its shards hold ${total}: shard "${last}" is short or the manifest is wrong`,
        );
      }
      if (out.has(w.name)) throw new ModelFormatError(`weight "${w.name}" is listed twice in the manifest`);
      out.set(w.name, decodeOne(w, view, off));
      off += n;
    }
  });
  return out;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const buf = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.byteLength;
  }
  return buf;
}

function decodeOne(w: WeightSpec, v: DataView, off: number): DecodedWeight {
  const n = count(w);
  const q = w.quantization;
  const intOut = w.dtype !== 'float32';
  const data = intOut ? new Int32Array(n) : new Float32Array(n);
  const dtype = w.dtype as DecodedWeight['dtype'];
  if (!q) {
    if (w.dtype === 'bool') for (let i = 0; i < n; i++) data[i] = v.getUint8(off + i) ? 1 : 0;
    else if (w.dtype === 'int32') for (let i = 0; i < n; i++) data[i] = v.getInt32(off + 4 * i, true);
    else for (let i = 0; i < n; i++) data[i] = v.getFloat32(off + 4 * i, true);
    return { shape: w.shape, dtype, data };
  }
  const round = intOut ? Math.round : (x: number) => x;
  if (q.dtype === 'float16') for (let i = 0; i < n; i++) data[i] = round(half(v.getUint16(off + 2 * i, true)));
  else {
    const { scale = 1, min = 0 } = q;
    if (q.dtype === 'uint8') for (let i = 0; i < n; i++) data[i] = round(v.getUint8(off + i) * scale + min);
    else for (let i = 0; i < n; i++) data[i] = round(v.getUint16(off + 2 * i, true) * scale + min);
  }
  return { shape: w.shape, dtype, data };
}
