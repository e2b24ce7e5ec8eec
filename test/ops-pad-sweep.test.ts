// Pad's reference kernel (src/ops/pad.ts: per-dim index maps, rows walked by an odometer) against a plain
// element-by-element pad written here: bitwise, over ranks 1–5, pads before and after on every axis, crops
// (negative pads), a non-zero constant, rows that keep nothing, edge and reflect, int tensors.
import { describe, expect, it } from 'vitest';
import type { Value } from '../src/graph/ir.js';
import { Pad, type PadAttrs, type PadMode } from '../src/ops/pad.js';
import { sizeOf, stridesOf } from '../src/tensor.js';

/** Every output element from its own source index (ONNX Pad's definition). */
function naivePad(x: number[] | Float32Array | Float64Array, shape: number[], a: PadAttrs): number[] {
  const st = stridesOf(shape);
  const out: number[] = [];
  const n = sizeOf(a.shape);
  for (let o = 0; o < n; o++) {
    let src = 0;
    let r = o;
    for (let k = 0; k < a.shape.length && src >= 0; k++) {
      const stride = sizeOf(a.shape.slice(k + 1));
      const i = Math.floor(r / stride);
      r %= stride;
      const d = shape[k]!;
      let j = i - a.begin[k]!;
      if (j < 0 || j >= d) {
        if (a.mode === 'constant') j = -1;
        else if (a.mode === 'edge') j = j < 0 ? 0 : d - 1;
        else j = j < 0 ? -j : 2 * (d - 1) - j;
      }
      src = j < 0 ? -1 : src + j * st[k]!;
    }
    out.push(src < 0 ? a.value : x[src]!);
  }
  return out;
}

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

describe('Pad reference sweep', () => {
  it('equals an element-by-element pad bitwise over 300 random shapes and pads', () => {
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
      const got = Pad.reference([x], a)[0]!;
      expect(got.shape, `case ${t}`).toEqual(a.shape);
      const g = 'data' in got ? got.data : got.ints;
      const want = naivePad('data' in x ? x.data : x.ints, shape, a);
      expect(Array.from(g), `case ${t}: ${JSON.stringify(a)} on [${shape}]`).toEqual('data' in got ? Array.from(Float32Array.from(want)) : want);
      if (mode === 'constant' && sizeOf(a.shape) > 0) copied++;
    }
    expect(copied).toBeGreaterThan(100);
  });
});
