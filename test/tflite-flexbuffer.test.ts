// src/tflite/flexbuffer.ts against the values written and the flatbuffers package's reader (where it reads at
// all: values narrower than 8 bytes), on the value kinds MediaPipe's options use, and on hostile buffers.
import { describe, expect, it } from 'vitest';
import { encode, toObject } from 'flatbuffers/mjs/flexbuffers.js';
import { readFlexbuffer } from '../src/tflite/flexbuffer.js';
import { flexMap } from './support/flexbuffer.js';

const oracle = (b: Uint8Array) => toObject(b.slice().buffer);

describe('flexbuffer reader', () => {
  it('agrees with the flatbuffers reader on maps of ints, floats, bools, strings, null, nested maps and vectors of every length', () => {
    const cases: Record<string, unknown>[] = [
      { output_height: 256, output_width: 192 },
      { a: -5, b: 70000, c: -(2 ** 31), d: 2 ** 31 - 1, e: 0.5, f: -1.25, g: true, h: false, i: null, s: 'landmarks' },
      ...[0, 1, 2, 3, 4, 5, 17].map((n) => ({ ints: Array.from({ length: n }, (_, i) => i * 37 - 20), floats: Array.from({ length: n }, (_, i) => i + 0.5) })),
      { mixed: [1, 'two', 3.5, [4, 5], { six: 6 }], nested: { deeper: { x: [1, 2, 3] } } },
    ];
    let oracleRead = 0;
    for (const o of cases) {
      const b = encode(o);
      const got = readFlexbuffer(b);
      expect(got, JSON.stringify(o)).toEqual(o);
      let want: unknown;
      try {
        want = oracle(b);
      } catch {
        continue; // the package's reader fails on some nestings (an out-of-bounds DataView read)
      }
      expect(got, JSON.stringify(o)).toEqual(want);
      oracleRead++;
    }
    expect(oracleRead).toBeGreaterThanOrEqual(cases.length - 1);
  });

  it('reads maps written 1, 2, 4 and 8 bytes wide; 64-bit integers and floats as numbers', () => {
    const o = { output_height: 100, subset_idxs: [0, 7, 120], scale_x: { float: 1.5 } };
    for (const w of [1, 2, 4, 8] as const) expect(readFlexbuffer(flexMap(o, w)), `width ${w}`).toEqual({ output_height: 100, subset_idxs: [0, 7, 120], scale_x: 1.5 });
    const wide = flexMap({ big: 2 ** 40 + 3, neg: -(2 ** 35), list: [2 ** 33, -1], scale: { float: 1.1 } }, 8);
    expect(readFlexbuffer(wide)).toEqual({ big: 2 ** 40 + 3, neg: -(2 ** 35), list: [2 ** 33, -1], scale: 1.1 });
    // the package's reader cannot: the weakness this reader replaces
    expect(() => oracle(wide)).toThrow();
  });

  it('refuses truncated, self-referencing and oversized buffers with an Error', () => {
    const b = encode({ output_height: 4, output_width: 4, subset_idxs: [1, 2, 3, 4, 5] });
    for (let n = 0; n < b.length; n++) {
      try {
        readFlexbuffer(b.subarray(0, n)); // a prefix may happen to parse; it must never throw anything but an Error
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
    // root (byte 3): an untyped vector at byte 1 whose only element is an offset 0, the vector itself
    const cyclic = Uint8Array.from([1, 0, 10 << 2, 2, 10 << 2, 1]);
    expect(() => readFlexbuffer(cyclic)).toThrow(/deeper than 16/);
    // root (bytes 8–15, offset 0): a typed int vector, 8 bytes wide, claiming 2^40 elements
    const huge = new Uint8Array(18);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    huge.set([(11 << 2) | 3, 8], 16);
    expect(() => readFlexbuffer(huge)).toThrow(/length 1099511627776 exceeds/);
    expect(() => readFlexbuffer(Uint8Array.from([1, (9 << 2) | 0, 3]))).toThrow(/byte width 3/);
  });
});
