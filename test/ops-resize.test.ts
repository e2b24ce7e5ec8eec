// Resize on the CPU: fast kernel = reference, both against the ONNX package's own reference implementation
// (fixtures/ops/resize_onnx_reference.json, 140 cases: every coordinate and nearest mode, up/down, sizes and
// scales), against TF.js's CPU backend for ResizeBilinear / ResizeNearestNeighbor (align_corners,
// half_pixel_centers) through the mapping documented in src/ops/resize.ts, and its validation errors.
// Tolerances: ONNX reference 1e-6 absolute (it blends in float64 with its own association); TF.js: nearest
// bit-exact, bilinear ≤ 1 float32 ulp-level 1e-6 (both blend a + (b − a)·w in float64 from the same neighbours).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import type { AttrValue, Value } from '../src/graph/ir.js';
import { Resize } from '../src/ops/resize.js';
import { tensor, type Shape, type Tensor } from '../src/tensor.js';
import { FIXTURES_DIR } from './support/fixtures.js';
import { compare, ErrorLog, rand, runCpu, values } from './support/op-check.js';

const log = new ErrorLog('ops-resize');
const f1 = (v: number[]) => tensor([v.length], v);
const EMPTY: Value = tensor([0], []);

interface RefCase {
  mode: string;
  coord: string;
  nearest_mode: string;
  sizes?: number[];
  scales?: number[];
  input_shape: number[];
  input: number[];
  output_shape: number[];
  output: number[];
}

function resize(x: Value, attrs: Record<string, AttrValue>, target: { sizes?: number[]; scales?: number[] }, opset = 13): Value {
  const ins = opset < 11 ? [x, f1(target.scales!)] : [x, EMPTY, target.scales ? f1(target.scales) : EMPTY, target.sizes ? f1(target.sizes) : null];
  return runCpu(Resize, ins, attrs, opset)[0]!;
}

const nhwcToNchw = (t: Tensor): Tensor => {
  const [n, h, w, c] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++)
    out[((b * c + k) * h + y) * w + x] = t.data[((b * h + y) * w + x) * c + k]!;
  return { shape: [n, c, h, w], data: out };
};

describe('Resize vs the ONNX reference implementation', () => {
  const { cases } = JSON.parse(readFileSync(join(FIXTURES_DIR, 'ops', 'resize_onnx_reference.json'), 'utf8')) as { cases: RefCase[] };

  it(`matches all ${cases.length} cases (nearest modes × coordinate modes × sizes/scales)`, () => {
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) {
      const name = `Resize ${c.mode} ${c.coord} ${c.nearest_mode} ${JSON.stringify(c.input_shape)}->${JSON.stringify(c.output_shape)} ${c.sizes ? 'sizes' : 'scales'}`;
      const y = resize(tensor(c.input_shape, c.input), { mode: c.mode, coordinate_transformation_mode: c.coord, nearest_mode: c.nearest_mode }, c);
      compare(log, name, [y], [tensor(c.output_shape, c.output)], 1e-6, 0);
    }
    log.report();
  });
});

describe('Resize vs TF.js ResizeBilinear / ResizeNearestNeighbor', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const SIZES: [Shape, [number, number]][] = [
    [[2, 5, 7, 3], [10, 14]],
    [[1, 5, 7, 2], [3, 4]],
    [[1, 4, 4, 1], [7, 9]],
    [[2, 6, 9, 3], [9, 6]],
    [[1, 3, 5, 2], [1, 1]],
    [[1, 1, 1, 2], [3, 2]],
    [[1, 8, 8, 4], [16, 16]],
  ];
  const FLAGS: [boolean, boolean][] = [[false, false], [false, true], [true, false]];

  for (const [alignCorners, halfPixel] of FLAGS) {
    it(`bilinear and nearest, align_corners=${alignCorners} half_pixel_centers=${halfPixel}`, () => {
      const coordLinear = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
      const coordNearest = alignCorners ? 'align_corners' : halfPixel ? 'tf_half_pixel_for_nn' : 'asymmetric';
      const nearestMode = alignCorners ? 'round_prefer_ceil' : 'floor';
      for (const [k, [s, [oh, ow]]] of SIZES.entries()) {
        const x = rand(s, 40 + k, -3, 3);
        const xt = tf.tensor4d(x.data, s as [number, number, number, number]);
        const bil = tf.image.resizeBilinear(xt, [oh, ow], alignCorners, halfPixel);
        const nn = tf.image.resizeNearestNeighbor(xt, [oh, ow], alignCorners, halfPixel);
        const want = (t: tf.Tensor) => nhwcToNchw({ shape: t.shape, data: t.dataSync() as Float32Array });
        const xn = nhwcToNchw(x);
        const sizes = [s[0]!, s[3]!, oh, ow];
        const tag = `${JSON.stringify(s)}->${oh}x${ow} ac=${alignCorners} hp=${halfPixel}`;
        const yl = resize(xn, { mode: 'linear', coordinate_transformation_mode: coordLinear }, { sizes });
        compare(log, `ResizeBilinear ${tag}`, [yl], [want(bil)], 1e-6, 1e-6);
        const yn = resize(xn, { mode: 'nearest', coordinate_transformation_mode: coordNearest, nearest_mode: nearestMode }, { sizes });
        expect(values(yn), `ResizeNearestNeighbor ${tag}`).toEqual(values(want(nn)));
        tf.dispose([xt, bil, nn]);
      }
    });
  }
});

describe('Resize inputs across opsets and validation', () => {
  const x = rand([2, 3, 4, 5], 1);

  it('opset 10 (X, scales) floors asymmetrically like Upsample; opset 18 axes; empty inputs are absent', () => {
    const y10 = resize(x, { mode: 'nearest' }, { scales: [1, 1, 2, 1.5] }, 10);
    const y13 = resize(x, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { scales: [1, 1, 2, 1.5] });
    expect(y10.shape).toEqual([2, 3, 8, 7]);
    expect(values(y10)).toEqual(values(y13));
    const y18 = runCpu(Resize, [x, null, null, f1([6, 9])], { mode: 'linear', axes: [-2, -1] }, 18)[0]!;
    expect(values(y18)).toEqual(values(resize(x, { mode: 'linear' }, { sizes: [2, 3, 6, 9] })));
    const half = resize(x, { mode: 'linear' }, { scales: [1, 1, 0.5, 0.5] });
    expect(half.shape).toEqual([2, 3, 2, 2]);
  });

  it('keep_aspect_ratio_policy not_larger / not_smaller scale both axes by one factor', () => {
    const a = runCpu(Resize, [x, null, null, f1([8, 20])], { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, 18)[0]!;
    expect(a.shape).toEqual([2, 3, 8, 10]);
    const b = runCpu(Resize, [x, null, null, f1([8, 20])], { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' }, 18)[0]!;
    expect(b.shape).toEqual([2, 3, 16, 20]);
  });

  it('rank 1, 3 and 5 inputs resize their last two dims (the last one for rank 1)', () => {
    for (const [s, sizes] of [[[6], [9]], [[3, 4, 5], [3, 7, 2]], [[1, 2, 3, 4, 5], [1, 2, 3, 9, 7]]] as [Shape, number[]][]) {
      for (const mode of ['nearest', 'linear']) {
        const y = resize(rand(s, 3), { mode }, { sizes });
        expect(y.shape).toEqual(sizes);
      }
    }
    // rank 1 linear half_pixel by hand: in [0, 1, 2] -> out of length 6
    const y = resize(tensor([3], [0, 1, 2]), { mode: 'linear' }, { sizes: [6] });
    expect(values(y)).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2]);
  });

  it('rejects unsupported or inconsistent inputs with a ShapeError naming the node', () => {
    const bad: [Record<string, AttrValue>, { sizes?: number[]; scales?: number[] }, RegExp][] = [
      [{ mode: 'cubic' }, { scales: [1, 1, 2, 2] }, /mode "cubic" is not supported/],
      [{ coordinate_transformation_mode: 'tf_crop_and_resize' }, { scales: [1, 1, 2, 2] }, /tf_crop_and_resize/],
      [{ nearest_mode: 'nearest' }, { scales: [1, 1, 2, 2] }, /nearest_mode/],
      [{}, { scales: [1, 2, 2, 2] }, /only the last two dims/],
      [{}, { scales: [1, 1, 2] }, /3 values for 4 axes/],
      [{}, { scales: [1, 1, 0, 2] }, /positive/],
      [{}, { sizes: [2, 3, 0, 4] }, /positive integers/],
      [{ antialias: 1 }, { scales: [1, 1, 2, 2] }, /antialias/],
    ];
    for (const [attrs, target, msg] of bad) {
      expect(() => resize(x, attrs, target)).toThrow(ShapeError);
      expect(() => resize(x, attrs, target)).toThrow(msg);
    }
    expect(() => runCpu(Resize, [x, EMPTY, f1([1, 1, 2, 2]), f1([2, 3, 8, 10])])).toThrow(/exactly one of scales and sizes/);
    expect(() => runCpu(Resize, [x, EMPTY])).toThrow(/exactly one of scales and sizes/);
  });
});
