import { InputError } from '../errors.js';
import { MAX_ELEMENTS, shapeStr, type Int32Tensor, type Tensor } from '../tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** dtypes readNpy accepts, by NumPy descr; all are returned as float32. */
const READERS: Record<string, { size: number; read: (v: DataView, off: number) => number }> = {
  '<f4': { size: 4, read: (v, o) => v.getFloat32(o, true) },
  '<f8': { size: 8, read: (v, o) => v.getFloat64(o, true) },
  '<i4': { size: 4, read: (v, o) => v.getInt32(o, true) },
  '<i8': { size: 8, read: (v, o) => v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true) },
};

export interface NpyHeader {
  readonly version: number;
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  /** Byte offset of the array data. */
  readonly dataOffset: number;
}

/** Parses and validates the header of a .npy file (format versions 1, 2 and 3). `what` names the file in errors. */
export function readNpyHeader(bytes: Uint8Array, what = 'npy file'): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new InputError(`${what} is not a NumPy .npy file (it does not start with "\\x93NUMPY")`);
  const version = bytes[6]!;
  if (version < 1 || version > 3) throw new InputError(`${what}: .npy format version ${version}.${bytes[7]} is not supported (1, 2 and 3 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = version === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new InputError(`${what} is truncated inside its header`);
  const headerLen = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  const dataOffset = start + headerLen;
  if (dataOffset > bytes.length)
    throw new InputError(`${what} is truncated: the header claims ${headerLen} bytes but the file has ${bytes.length - start} after the length field`);
  const text = new TextDecoder(version === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataOffset));

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new InputError(`${what}: header ${JSON.stringify(text.trim())} lacks 'descr', 'fortran_order' or 'shape'`);
  const parts = shapeText.split(',').map((s) => s.trim());
  if (parts[parts.length - 1] === '') parts.pop();
  const shape = parts.map((p) => {
    if (!/^\d+L?$/.test(p)) throw new InputError(`${what}: shape (${shapeText}) has an entry "${p}" that is not a non-negative integer`);
    return Number.parseInt(p, 10);
  });
  return { version, descr, fortranOrder: fortran === 'True', shape, dataOffset };
}

function rejectDescr(descr: string, what: string): never {
  if (descr.startsWith('>'))
    throw new InputError(`${what} is big-endian (dtype '${descr}'); save it little-endian, e.g. arr.astype('<f4')`);
  if (descr.includes('O'))
    throw new InputError(`${what} holds Python objects (dtype '${descr}'); only numeric arrays can be read, e.g. arr.astype(np.float32)`);
  throw new InputError(`${what} has dtype '${descr}'; supported dtypes are ${Object.keys(READERS).join(', ')} (save float32 with arr.astype('<f4'))`);
}

/**
 * Reads a .npy file (v1/v2/v3) as a float32 Tensor. Accepts '<f4' and converts '<f8', '<i8' and '<i4';
 * big-endian, Fortran-ordered and object arrays are rejected with an InputError saying why.
 */
export function readNpy(input: Uint8Array | ArrayBuffer, what = 'npy file'): Tensor {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const h = readNpyHeader(bytes, what);
  const reader = READERS[h.descr] ?? rejectDescr(h.descr, what);
  if (h.fortranOrder)
    throw new InputError(`${what} is stored in Fortran (column-major) order; save a C-ordered array, e.g. np.save(path, np.ascontiguousarray(arr))`);
  let count = 1;
  for (const d of h.shape) {
    count *= d;
    if (count > MAX_ELEMENTS) throw new InputError(`${what}: shape ${shapeStr(h.shape)} has more than ${MAX_ELEMENTS} elements`);
  }
  const need = count * reader.size;
  const have = bytes.length - h.dataOffset;
  if (have !== need)
    throw new InputError(
      `${what}: shape ${shapeStr(h.shape)} of '${h.descr}' needs ${need} data bytes but the file has ${have}` +
        (have < need ? ' (truncated)' : ''),
    );
  // Copy: the data may start at any byte offset of the caller's buffer. Not bytes.slice(): on a Node Buffer that
  // is a view into Node's shared pool, not a copy.
  const copy = new Uint8Array(bytes.subarray(h.dataOffset));
  const data = new Float32Array(count);
  if (h.descr === '<f4' && new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) data.set(new Float32Array(copy.buffer, 0, count));
  else {
    const view = new DataView(copy.buffer);
    for (let i = 0; i < count; i++) data[i] = reader.read(view, i * reader.size);
  }
  return { shape: h.shape, data };
}

/**
 * Writes a float32 Tensor as a C-ordered '<f4' .npy file, an Int32Tensor as '<i4'; version 1 unless the header
 * needs more than 65535 bytes.
 */
export function writeNpy(t: Tensor | Int32Tensor): Uint8Array {
  const int = t.data instanceof Int32Array;
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '${int ? '<i4' : '<f4'}', 'fortran_order': False, 'shape': ${shape}, }`;
  let version = 1;
  let prefix = 10;
  if (dict.length + 1 + prefix > 0xffff) {
    version = 2;
    prefix = 12;
  }
  // NumPy pads with spaces so that the data starts on a 64-byte boundary; the header ends with '\n'.
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const out = new Uint8Array(total + t.data.length * 4);
  out.set(MAGIC);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  if (int) for (let i = 0; i < t.data.length; i++) view.setInt32(total + i * 4, t.data[i]!, true);
  else for (let i = 0; i < t.data.length; i++) view.setFloat32(total + i * 4, t.data[i]!, true);
  return out;
}
