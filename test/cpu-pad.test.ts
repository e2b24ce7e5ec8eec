// The CPU's Pad kernel (src/cpu/ops/pad.ts) against the reference (src/ops/pad.ts): bitwise, over ranks 1–5,
// pads before and after on every axis, crops (negative pads), a non-zero constant, rows that keep nothing, and
// the modes and dtypes the kernel hands to the reference.
import { describe, expect, it } from 'vitest';
import type { Value } from '../src/graph/ir.js';
import { padKernel } from '../src/cpu/ops/pad.js';
import { Pad, type PadAttrs, type PadMode } from '../src/ops/pad.js';
import { sizeOf } from '../src/tensor.js';

let seed = 7;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
};

function attrs(shape: number[], mode: PadMode, value: number): PadAttrs {
  const begin = shape.map((d) => (mode === 'constant' ? rnd(4) - (d > 1 ? rnd(2) : 0) : rnd(Math.min(d, 3))));
  const out = shape.map((d, k) => {
    const end = mode === 'constant' ? rnd(4) - (d > 2 ? rnd(2) : 0) : rnd(Math.min(d, 3));
    return Math.max(0, d + begin[k]! + end);
  });
  return { mode, begin, shape: out, value };
}

describe('CPU Pad kernel', () => {
  it('equals the reference bitwise over 300 random shapes and pads', () => {
    let copied = 0;
    for (let t = 0; t < 300; t++) {
      const rank = 1 + rnd(5);
      const shape = Array.from({ length: rank }, () => 1 + rnd(rank > 3 ? 5 : 9));
      const mode: PadMode = t % 5 === 3 ? 'edge' : t % 5 === 4 ? 'reflect' : 'constant';
      const a = attrs(shape, mode, t % 3 ? 0 : -1.5);
      const n = sizeOf(shape);
      const x: Value = t % 7 === 6
        ? { shape, ints: Float64Array.from({ length: n }, (_, i) => i - 3) }
        : { shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i + t) * 3) };
      const want = Pad.reference([x], a)[0]!;
      const got = padKernel([x], a)[0]!;
      expect(got.shape, `case ${t}`).toEqual(want.shape);
      const g = 'data' in got ? got.data : got.ints;
      const w = 'data' in want ? want.data : want.ints;
      expect(Array.from(g), `case ${t}: ${JSON.stringify(a)} on [${shape}]`).toEqual(Array.from(w));
      if (mode === 'constant' && sizeOf(a.shape) > 0) copied++;
    }
    expect(copied).toBeGreaterThan(100);
  });
});
