import { describe, expect, it } from 'vitest';
import { fromDevice, physicalStrides, prefaulted, toDevice } from '../src/gpu/layout.js';

// The graph-edge transposes go block by block of 64 pixels: shapes below, at and across a block edge, and batches.
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1], [1, 3, 5, 13], [2, 3, 5, 13], [1, 7, 8, 8], [3, 5, 8, 16], [1, 64, 11, 12], [2, 1, 9, 15],
];

describe('NCHW <-> NHWC at the graph edge', () => {
  for (const shape of SHAPES) {
    it(`${shape.join('x')}`, () => {
      const [n, c, h, w] = shape;
      const nchw = Float32Array.from({ length: n * c * h * w }, (_, i) => i + 0.5);
      const dev = toDevice(shape, nchw);
      const [sn, sc, sh, sw] = physicalStrides(shape);
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++)
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) expect(dev[b * sn! + ch * sc! + y * sh! + x * sw!]).toBe(nchw[((b * c + ch) * h + y) * w + x]);
      const back = fromDevice(shape, dev);
      expect(back).not.toBe(dev);
      expect(Array.from(back)).toEqual(Array.from(nchw));
    });
  }

  it('writes into a destination that fits (the executor\'s staging and prefaulted result arrays), else into a new array', () => {
    const shape = [2, 5, 3, 7];
    const nchw = Float32Array.from({ length: 210 }, (_, i) => i * 0.25 - 3);
    const want = toDevice(shape, nchw);
    const dst = prefaulted(210);
    expect(Array.from(dst)).toEqual(new Array(210).fill(0));
    expect(toDevice(shape, nchw, dst)).toBe(dst);
    expect(Array.from(dst)).toEqual(Array.from(want));
    const back = prefaulted(210);
    expect(fromDevice(shape, dst, back)).toBe(back);
    expect(Array.from(back)).toEqual(Array.from(nchw));
    const short = new Float32Array(209);
    const fresh = toDevice(shape, nchw, short);
    expect(fresh).not.toBe(short);
    expect(Array.from(fresh)).toEqual(Array.from(want));
  });

  it('leaves other ranks as they are', () => {
    const d = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(toDevice([2, 3], d)).toBe(d);
    expect(fromDevice([1, 2, 3], d)).toBe(d);
  });
});
