import { describe, expect, it } from 'vitest';
import { fromDevice, physicalStrides, toDevice } from '../src/gpu/layout.js';

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

  it('leaves other ranks as they are', () => {
    const d = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(toDevice([2, 3], d)).toBe(d);
    expect(fromDevice([1, 2, 3], d)).toBe(d);
  });
});
