import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { readNpy, readNpyHeader, writeNpy } from '../src/io/npy.js';
import { tensor } from '../src/tensor.js';

const b64 = (s: string) => Uint8Array.from(Buffer.from(s, 'base64'));

// Written by numpy 1.24: np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
const NUMPY_2x3 = b64(
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8=',
);
// np.save of np.array(1.5, np.float32) (0-d) and np.array([1, -2, 3], np.float32) (1-d)
const NUMPY_SCALAR = b64(
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/',
);
const NUMPY_VEC3 = b64(
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAwAAAQEA=',
);
// np.lib.format.write_array(f, np.array([[1, 2], [3, 4]], '<i8'), version=(2, 0))
const NUMPY_V2_I8 = b64(
  'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAAEAAAAAAAAAA==',
);
// np.lib.format.write_array(f, np.array([1.25, -3.5], '<f8'), version=(3, 0))
const NUMPY_V3_F8 = b64(
  'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD0PwAAAAAAAAzA',
);

/** Builds a .npy file with an arbitrary header dict and payload, padded like NumPy does. */
function npyFile(version: number, dict: string, payload: Uint8Array): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(payload, total);
  return out;
}

function dict(descr: string, shape: string, fortran = 'False'): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
}

function expectInputError(f: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).toMatch(pattern);
}

describe('writeNpy', () => {
  it('writes byte-for-byte what numpy.save writes for 2-D, 1-D and 0-D float32 arrays', () => {
    expect(writeNpy(tensor([2, 3], [0, 0.25, 0.5, 0.75, 1, 1.25]))).toEqual(NUMPY_2x3);
    expect(writeNpy(tensor([3], [1, -2, 3]))).toEqual(NUMPY_VEC3);
    expect(writeNpy(tensor([], [1.5]))).toEqual(NUMPY_SCALAR);
  });

  it('pads the header with spaces so the data starts on a 64-byte boundary and ends it with a newline', () => {
    for (const shape of [[1], [7, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [123456, 0, 98765, 4321]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const bytes = writeNpy(tensor(shape, new Float32Array(n)));
      const h = readNpyHeader(bytes);
      expect(h.version).toBe(1);
      expect(h.dataOffset % 64).toBe(0);
      expect(bytes[h.dataOffset - 1]).toBe(0x0a);
      expect(h.shape).toEqual(shape);
      expect(bytes.length).toBe(h.dataOffset + 4 * n);
    }
  });

  it('round-trips values exactly, including NaN, infinities and -0', () => {
    const data = Float32Array.from([Math.PI, -1e-30, NaN, Infinity, -Infinity, -0, 3.4e38, 1e-45]);
    const t = readNpy(writeNpy(tensor([2, 2, 2], data)));
    expect(t.shape).toEqual([2, 2, 2]);
    expect(Object.is(t.data[5], -0)).toBe(true);
    expect(Array.from(t.data)).toEqual(Array.from(data));
  });
});

describe('readNpy', () => {
  it('reads numpy-written float32 files of rank 0, 1 and 2', () => {
    expect(readNpy(NUMPY_2x3)).toEqual({ shape: [2, 3], data: Float32Array.from([0, 0.25, 0.5, 0.75, 1, 1.25]) });
    expect(readNpy(NUMPY_VEC3)).toEqual({ shape: [3], data: Float32Array.from([1, -2, 3]) });
    expect(readNpy(NUMPY_SCALAR)).toEqual({ shape: [], data: Float32Array.from([1.5]) });
  });

  it('reads a v2 header with <i8 data and a v3 header with <f8 data, converting to float32', () => {
    expect(readNpyHeader(NUMPY_V2_I8).version).toBe(2);
    expect(readNpy(NUMPY_V2_I8)).toEqual({ shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
    expect(readNpyHeader(NUMPY_V3_F8).version).toBe(3);
    expect(readNpy(NUMPY_V3_F8)).toEqual({ shape: [2], data: Float32Array.from([1.25, -3.5]) });
  });

  it('converts <i4 and negative <i8 values', () => {
    const i4 = new Uint8Array(Int32Array.from([-7, 2147483647]).buffer);
    expect(Array.from(readNpy(npyFile(1, dict('<i4', '(2,)'), i4)).data)).toEqual([-7, 2147483648]);
    const i8 = new Uint8Array(BigInt64Array.from([-5n, -(2n ** 40n)]).buffer);
    expect(Array.from(readNpy(npyFile(2, dict('<i8', '(1, 2)'), i8)).data)).toEqual([-5, -(2 ** 40)]);
  });

  it('accepts an ArrayBuffer and a view at an odd byte offset', () => {
    expect(readNpy(NUMPY_2x3.slice().buffer).data[5]).toBe(1.25);
    const shifted = new Uint8Array(NUMPY_2x3.length + 3);
    shifted.set(NUMPY_2x3, 3);
    expect(readNpy(shifted.subarray(3)).data).toEqual(Float32Array.from([0, 0.25, 0.5, 0.75, 1, 1.25]));
  });

  it('reads a Node Buffer that is a view into a larger buffer (Buffer.slice does not copy)', () => {
    const pool = Buffer.alloc(NUMPY_2x3.length + 8, 0xff);
    pool.set(NUMPY_2x3, 5);
    const file = pool.subarray(5, 5 + NUMPY_2x3.length);
    expect(readNpy(file).data).toEqual(Float32Array.from([0, 0.25, 0.5, 0.75, 1, 1.25]));
  });

  it('reads an empty array', () => {
    expect(readNpy(npyFile(1, dict('<f4', '(0, 3)'), new Uint8Array(0)))).toEqual({ shape: [0, 3], data: new Float32Array(0) });
  });

  it('rejects big-endian, Fortran-ordered, object and other dtypes, saying why', () => {
    const f4 = new Uint8Array(8);
    expectInputError(() => readNpy(npyFile(1, dict('>f4', '(2,)'), f4)), /big-endian.*'>f4'/);
    expectInputError(() => readNpy(npyFile(1, dict('<f4', '(2,)', 'True'), f4)), /Fortran/);
    expectInputError(() => readNpy(npyFile(1, dict('|O', '(1,)'), f4)), /Python objects/);
    expectInputError(() => readNpy(npyFile(1, dict('|u1', '(8,)'), f4)), /dtype '\|u1'.*<f4/);
  });

  it('rejects bad magic, unknown versions, truncated headers and data, and malformed dicts', () => {
    expectInputError(() => readNpy(new TextEncoder().encode('PK\x03\x04 not npy at all')), /not a NumPy \.npy file/);
    expectInputError(() => readNpy(new Uint8Array(0)), /not a NumPy/);
    const v9 = NUMPY_2x3.slice();
    v9[6] = 9;
    expectInputError(() => readNpy(v9), /version 9\.0/);
    expectInputError(() => readNpy(NUMPY_2x3.subarray(0, 40)), /truncated.*header/);
    expectInputError(() => readNpy(NUMPY_2x3.subarray(0, NUMPY_2x3.length - 1)), /needs 24 data bytes but the file has 23 \(truncated\)/);
    const extra = new Uint8Array(NUMPY_2x3.length + 4);
    extra.set(NUMPY_2x3);
    expectInputError(() => readNpy(extra), /has 28/);
    expectInputError(() => readNpy(npyFile(1, `{'descr': '<f4', 'shape': (2,), }`, new Uint8Array(8))), /lacks/);
    expectInputError(() => readNpy(npyFile(1, dict('<f4', '(2, -1)'), new Uint8Array(8))), /"-1"/);
  });

  it('rejects a header declaring a huge shape before allocating anything', () => {
    expectInputError(() => readNpy(npyFile(1, dict('<f4', '(100000, 100000)'), new Uint8Array(8))), /more than 2147483647 elements/);
    expectInputError(() => readNpy(npyFile(1, dict('<f4', '(50000, 40000)'), new Uint8Array(8))), /needs 8000000000 data bytes but the file has 8/);
  });
});
