// ConvTranspose, DepthToSpace and SpaceToDepth on the CPU: fast kernels against the references over awkward
// shapes, ConvTranspose against the adjoint identity <Conv(x), y> = <x, ConvTranspose(y)> (same weights; no
// stored data needed), output_shape / auto_pad / output_padding rules, and DepthToSpace against the ONNX spec's
// worked example. PyTorch checks are the fixtures (convtranspose_*, pixel_shuffle_*, scripts/make_fixtures.py).
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import type { AttrValue, Value } from '../src/graph/ir.js';
import { Conv } from '../src/ops/conv.js';
import { ConvTranspose } from '../src/ops/convtranspose.js';
import { DepthToSpace } from '../src/ops/depthtospace.js';
import { SpaceToDepth } from '../src/ops/spacetodepth.js';
import { sizeOf, tensor, type Shape } from '../src/tensor.js';
import { rand, runCpu, values } from './support/op-check.js';

const dot = (a: Value, b: Value) => values(a).reduce((s, v, i) => s + v * values(b)[i]!, 0);

interface CtCase {
  x: Shape;
  w: Shape;
  attrs: Record<string, AttrValue>;
  bias?: boolean;
}

const CASES: CtCase[] = [
  { x: [1, 3, 5, 7], w: [3, 4, 3, 3], attrs: {} },
  { x: [2, 4, 5, 6], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, bias: true },
  { x: [1, 6, 4, 5], w: [6, 2, 3, 2], attrs: { strides: [2, 3], group: 3, pads: [1, 0, 2, 1] }, bias: true },
  { x: [1, 4, 3, 4], w: [4, 1, 3, 3], attrs: { group: 4, dilations: [2, 2], strides: [2, 1] } },
  { x: [2, 2, 4, 4], w: [2, 5, 4, 4], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true },
  { x: [1, 3, 5, 5], w: [3, 2, 3, 3], attrs: { strides: [2, 2], output_shape: [10, 10] } },
  { x: [1, 3, 5, 5], w: [3, 2, 3, 3], attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { x: [1, 3, 5, 5], w: [3, 2, 2, 2], attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { x: [1, 2, 1, 1], w: [2, 3, 5, 4], attrs: {} },
];

describe('ConvTranspose', () => {
  it('fast = reference (within 1e-5; f32 vs f64 sums) over groups, strides, dilations, pads, bias', () => {
    for (const [k, c] of CASES.entries()) {
      const ins = [rand(c.x, k + 1), rand(c.w, k + 20), c.bias ? rand([c.w[1]! * ((c.attrs.group as number) ?? 1)], k + 40) : null];
      runCpu(ConvTranspose, ins, c.attrs, 17, 1e-5);
    }
  });

  it('is the adjoint of Conv with the same weights: <Conv(x), y> = <x, ConvTranspose(y)>', () => {
    const convs: { x: Shape; w: Shape; attrs: Record<string, AttrValue> }[] = [
      { x: [1, 3, 7, 8], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
      { x: [2, 6, 9, 7], w: [4, 3, 3, 2], attrs: { group: 2, strides: [2, 3], dilations: [1, 2], pads: [1, 0, 2, 1] } },
      { x: [1, 4, 6, 6], w: [4, 1, 3, 3], attrs: { group: 4, pads: [1, 1, 1, 1] } },
    ];
    for (const [k, c] of convs.entries()) {
      const x = rand(c.x, k + 1);
      const w = rand(c.w, k + 7);
      const cy = runCpu(Conv, [x, w], c.attrs, 17, 1e-5)[0]!;
      const y = rand(cy.shape, k + 13);
      // same pads; output_padding restores the trailing input rows/columns the strided conv never read
      const st = (c.attrs.strides as number[] | undefined) ?? [1, 1];
      const dl = (c.attrs.dilations as number[] | undefined) ?? [1, 1];
      const pd = c.attrs.pads as number[];
      const op = [0, 1].map((k) => c.x[2 + k]! - (st[k]! * (cy.shape[2 + k]! - 1) + (c.w[2 + k]! - 1) * dl[k]! + 1 - pd[k]! - pd[k + 2]!));
      const xt = runCpu(ConvTranspose, [y, w], { ...c.attrs, output_padding: op }, 17, 1e-5)[0]!;
      expect(xt.shape).toEqual(c.x);
      const lhs = dot(cy, y);
      const rhs = dot(x, xt);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
    }
  });

  it('output extents: pads + output_padding, output_shape and SAME_* split the padding as ONNX says', () => {
    const out = (c: CtCase) => runCpu(ConvTranspose, [rand(c.x, 1), rand(c.w, 2)], c.attrs, 17, 1e-5)[0]!.shape;
    expect(out(CASES[1]!)).toEqual([2, 3, 10, 12]); // 2·4 + 1 + 3 − 2 (H), 2·5 + 1 + 3 − 2 (W)
    expect(out(CASES[5]!)).toEqual([1, 2, 10, 10]);
    expect(out(CASES[6]!)).toEqual([1, 2, 10, 10]);
    expect(out(CASES[8]!)).toEqual([1, 3, 5, 4]);
    // total padding 1 (SAME_UPPER 5x5 s2 k3 -> 10): begin 0, end 1; NOTSET with output_shape: begin 1, end 0
    const y = (attrs: Record<string, AttrValue>) => runCpu(ConvTranspose, [rand([1, 1, 5, 5], 3), rand([1, 1, 3, 3], 4)], attrs, 17, 1e-5)[0]!;
    const full = y({ strides: [2, 2] }); // 11x11
    const upper = y({ strides: [2, 2], auto_pad: 'SAME_UPPER' });
    const lower = y({ strides: [2, 2], output_shape: [10, 10] });
    const at = (t: Value, r: number, c: number) => values(t)[r * t.shape[3]! + c]!;
    expect(at(upper, 0, 0)).toBe(at(full, 0, 0));
    expect(at(lower, 0, 0)).toBe(at(full, 1, 1));
  });

  it('rejects bad weights, groups and output_padding with a ShapeError naming the node', () => {
    const bad: [Shape, Shape, Record<string, AttrValue>, RegExp][] = [
      [[1, 3, 4, 4], [4, 2, 3, 3], {}, /3 channels but weight/],
      [[1, 3, 4, 4], [3, 2, 3, 3], { group: 2 }, /not divisible by group/],
      [[1, 3, 4, 4], [3, 2, 3, 3], { strides: [2, 2], output_padding: [2, 0] }, /output_padding/],
      [[1, 3, 4], [3, 2, 3], {}, /only 2-D/],
      [[1, 3, 2, 2], [3, 2, 1, 1], { pads: [1, 1, 1, 1] }, /leave no output/],
    ];
    for (const [xs, ws, attrs, msg] of bad) {
      expect(() => runCpu(ConvTranspose, [rand(xs, 1), rand(ws, 2)], attrs)).toThrow(ShapeError);
      expect(() => runCpu(ConvTranspose, [rand(xs, 1), rand(ws, 2)], attrs)).toThrow(msg);
    }
  });
});

describe('DepthToSpace / SpaceToDepth', () => {
  // ONNX operator docs, DepthToSpace example: x = arange(48) as [1, 8, 2, 3], blocksize 2
  const x = tensor([1, 8, 2, 3], Array.from({ length: 48 }, (_, i) => i));

  it('matches the ONNX spec example in DCR and CRD modes', () => {
    const dcr = values(runCpu(DepthToSpace, [x], { blocksize: 2, mode: 'DCR' })[0]!);
    expect(dcr.slice(0, 12)).toEqual([0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38]);
    const crd = values(runCpu(DepthToSpace, [x], { blocksize: 2, mode: 'CRD' })[0]!);
    expect(crd.slice(0, 12)).toEqual([0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20]);
  });

  it('fast = reference over odd shapes and block sizes; SpaceToDepth inverts DCR DepthToSpace', () => {
    const shapes: [Shape, number][] = [[[2, 12, 3, 5], 2], [[1, 18, 1, 4], 3], [[1, 4, 7, 1], 2], [[3, 5, 2, 3], 1]];
    for (const [k, [s, b]] of shapes.entries()) {
      for (const mode of ['DCR', 'CRD']) runCpu(DepthToSpace, [rand(s, k + 1)], { blocksize: b, mode });
      const d = runCpu(DepthToSpace, [rand(s, k + 1)], { blocksize: b })[0]!;
      expect(values(runCpu(SpaceToDepth, [d], { blocksize: b })[0]!)).toEqual(values(rand(s, k + 1)));
    }
    expect(sizeOf(runCpu(SpaceToDepth, [rand([1, 3, 6, 4], 9)], { blocksize: 2 })[0]!.shape)).toBe(72);
  });

  it('rejects channels not divisible by b² and spatial dims not divisible by b', () => {
    expect(() => runCpu(DepthToSpace, [rand([1, 6, 2, 2], 1)], { blocksize: 2 })).toThrow(ShapeError);
    expect(() => runCpu(SpaceToDepth, [rand([1, 2, 3, 4], 1)], { blocksize: 2 })).toThrow(/not divisible by blocksize 2/);
    expect(() => runCpu(DepthToSpace, [x], { blocksize: 2, mode: 'XYZ' })).toThrow(/DCR or CRD/);
  });
});
