// GPU programs of Resize, ConvTranspose and DepthToSpace against the CPU reference kernels, one node at a time,
// over awkward shapes (odd sizes, batch > 1, ranks 1–5 for Resize). Tolerance: |gpu − cpu| ≤ 1e-5 + 1e-5·|cpu|
// (Resize blends in f32 with f32 weights from the same host-computed tables; ConvTranspose sums in f32).
import { afterAll, describe, expect, it } from 'vitest';
import { resizeUp2Eligible } from '../src/gpu/kernels/resize-up2.js';
import { isPatchUpsample } from '../src/gpu/programs/convtranspose.gpu.js';
import type { ConvTransposeAttrs } from '../src/ops/convtranspose.js';
import type { Value } from '../src/graph/ir.js';
import { tensor, type Shape } from '../src/tensor.js';
import { checkGpu, compare, ErrorLog, rand, resolveOne, type In } from './support/op-check.js';
import { getTestDevice } from './support/gpu.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { runNodeOnGpu } from '../src/gpu/dispatch-node.js';

const log = new ErrorLog('gpu-ops-nn');
afterAll(() => log.report());
const c1 = (v: number[]): In => ({ const: tensor([v.length], v) });
const EMPTY: In = { const: tensor([0], []) as Value };

describe('Resize', () => {
  const SHAPES: [Shape, number[]][] = [
    [[2, 3, 5, 7], [2, 3, 10, 14]],
    [[1, 5, 7, 9], [1, 5, 3, 4]],
    [[2, 6, 9, 3], [2, 6, 6, 9]],
    [[1, 3, 5, 2], [1, 3, 1, 1]],
    [[3, 5, 7], [3, 11, 2]],
    [[5, 7], [8, 3]],
    [[6], [13]],
    [[1, 2, 3, 4, 5], [1, 2, 3, 9, 7]],
    // channels a multiple of 4: the vec4 kernel
    [[2, 8, 5, 7], [2, 8, 9, 4]],
    [[1, 12, 3, 3], [1, 12, 7, 6]],
    // doubled, channels a multiple of 4: at half-pixel centres the 2x kernel (resize_up2.wgsl), odd sizes leaving
    // half blocks, 1 pixel (every neighbour clamped), batch 2
    [[2, 8, 5, 7], [2, 8, 10, 14]],
    [[1, 4, 1, 1], [1, 4, 2, 2]],
    [[1, 16, 6, 4], [1, 16, 12, 8]],
    [[1, 4, 3, 1], [1, 4, 6, 2]],
  ];
  const MODES: Record<string, AttrRecord>[] = [
    { linear: { mode: 'linear' } },
    { linearAlign: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } },
    { linearAsym: { mode: 'linear', coordinate_transformation_mode: 'asymmetric' } },
    { linearPt: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' } },
    { nearest: { mode: 'nearest' } },
    { nearestCeil: { mode: 'nearest', coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' } },
    { nearestFloorTf: { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'floor' } },
    { nearestCeilAsym: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'ceil' } },
  ];
  for (const m of MODES) {
    const [label, attrs] = Object.entries(m)[0]!;
    it(`${label} over ranks 1-5`, async () => {
      for (const [k, [s, sizes]] of SHAPES.entries())
        await checkGpu(log, `Resize ${label} ${JSON.stringify(s)}->${JSON.stringify(sizes)}`, 'Resize', [rand(s, k + 1, -3, 3), EMPTY, EMPTY, c1(sizes)], { attrs });
    });
  }
  it('the 2x kernel takes exactly the doubling at half-pixel centres with whole vec4s of channels', () => {
    const axis = (inSize: number, outSize: number, off: number, inv = inSize / outSize) => ({ inSize, outSize, inv, offIn: off, offOut: off });
    const attrs = (h: ReturnType<typeof axis>, w: ReturnType<typeof axis>, mode: 'linear' | 'nearest' = 'linear') =>
      ({ mode, nearest: 'round_prefer_floor', outShape: [1, 8, h.outSize, w.outSize], h, w }) as const;
    const half = (i: number, o = 2 * i) => axis(i, o, 0.5);
    expect([
      resizeUp2Eligible(attrs(half(5), half(7)), 8),
      resizeUp2Eligible(attrs(half(1), half(1)), 4),
      resizeUp2Eligible(attrs(half(5), half(7)), 6),
      resizeUp2Eligible(attrs(half(5), half(7), 'nearest'), 8),
      resizeUp2Eligible(attrs(half(5), axis(7, 14, 0)), 8),
      resizeUp2Eligible(attrs(half(5, 9), half(7)), 8),
      resizeUp2Eligible(attrs(half(5), axis(7, 14, 0.5, 0.25)), 8),
    ]).toEqual([true, true, false, false, false, false, false]);
  });

  it('scales input', async () => {
    await checkGpu(log, 'Resize scales 2x', 'Resize', [rand([1, 4, 6, 5], 9), EMPTY, c1([1, 1, 2, 2])], { attrs: { mode: 'linear' } });
    await checkGpu(log, 'Resize scales 0.6x1.5', 'Resize', [rand([2, 3, 5, 6], 10), EMPTY, c1([1, 1, 0.6, 1.5])], { attrs: { mode: 'nearest' } });
  });
});

type AttrRecord = Record<string, string | number | number[]>;

describe('ConvTranspose', () => {
  const CASES: [Shape, Shape, AttrRecord, boolean][] = [
    [[1, 3, 5, 7], [3, 4, 3, 3], {}, false],
    [[2, 4, 5, 6], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, true],
    [[1, 6, 4, 5], [6, 2, 3, 2], { strides: [2, 3], group: 3, pads: [1, 0, 2, 1] }, true],
    [[1, 4, 3, 4], [4, 1, 3, 3], { group: 4, dilations: [2, 2], strides: [2, 1] }, false],
    [[2, 8, 4, 4], [8, 5, 4, 4], { strides: [2, 2], pads: [1, 1, 1, 1] }, true],
    [[1, 3, 5, 5], [3, 2, 3, 3], { strides: [2, 2], auto_pad: 'SAME_UPPER' }, false],
    [[1, 3, 5, 5], [3, 2, 3, 3], { strides: [2, 2], output_shape: [12, 12] }, true],
    [[1, 2, 1, 1], [2, 3, 5, 4], {}, true],
    // kernel = stride: the GEMM + pixel-shuffle path (TF's 2x2/2 upsamplers; odd sizes, 1 and 5 output channels)
    [[2, 16, 5, 7], [16, 1, 2, 2], { strides: [2, 2] }, true],
    [[1, 6, 3, 4], [6, 5, 2, 3], { strides: [2, 3] }, false],
    [[1, 3, 4, 4], [3, 4, 2, 2], { strides: [2, 2], auto_pad: 'SAME_UPPER' }, true],
  ];
  it('matches the CPU reference over groups, strides, dilations, pads, output_padding/shape, bias', async () => {
    for (const [k, [xs, ws, attrs, bias]] of CASES.entries()) {
      const cout = ws[1]! * ((attrs.group as number | undefined) ?? 1);
      const ins: In[] = [rand(xs, k + 1), { const: rand(ws, k + 20) }, bias ? { const: rand([cout], k + 40) } : null];
      await checkGpu(log, `ConvTranspose ${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(attrs)}`, 'ConvTranspose', ins, { attrs });
    }
  });

  it('takes the GEMM + pixel-shuffle path exactly when kernel = stride with no pads', () => {
    const taken = (xs: Shape, ws: Shape, attrs: AttrRecord) => {
      const { rn } = resolveOne('ConvTranspose', [rand(xs, 1), { const: rand(ws, 2) }], { attrs });
      return isPatchUpsample(rn.attrs as ConvTransposeAttrs, xs.slice(2));
    };
    expect(taken([2, 16, 5, 7], [16, 1, 2, 2], { strides: [2, 2] })).toBe(true);
    expect(taken([1, 3, 4, 4], [3, 4, 2, 2], { strides: [2, 2], auto_pad: 'SAME_UPPER' })).toBe(true);
    expect(taken([1, 3, 4, 4], [3, 4, 4, 4], { strides: [2, 2], pads: [1, 1, 1, 1] })).toBe(false);
    expect(taken([1, 3, 4, 4], [3, 4, 2, 2], { strides: [2, 2], output_padding: [1, 1] })).toBe(false);
  });

  it('kernel = stride at 72 × 128 (the landscape segmenter\'s upsampler): the upgraded patch GEMM indexes its weights with literals and matches', async () => {
    const { rn, values, constants } = resolveOne('ConvTranspose', [rand([1, 16, 72, 128], 5), { const: rand([16, 1, 2, 2], 6) }, { const: rand([1], 7) }], { attrs: { strides: [2, 2] } });
    const pipelines = new PipelineCache((await getTestDevice()).device);
    const want = rn.def.reference(values as Value[], rn.attrs);
    for (const upgraded of [false, true]) {
      const got = await runNodeOnGpu(await getTestDevice(), rn, values as Value[], constants, pipelines, undefined, { upgraded });
      compare(log, `ConvTranspose patch GEMM 72x128 ${upgraded ? 'upgraded' : 'first'}`, got, want, 1e-5, 1e-5);
    }
    expect(pipelines.keys.some((k) => /^gemm\.register4\.8x4.*\.ck16/.test(k)), pipelines.keys.join(', ')).toBe(true);
  });
});

describe('DepthToSpace / SpaceToDepth', () => {
  it('DCR and CRD over odd shapes and block sizes, and SpaceToDepth', async () => {
    const shapes: [Shape, number][] = [[[2, 12, 3, 5], 2], [[1, 18, 1, 4], 3], [[1, 4, 7, 1], 2], [[3, 5, 2, 3], 1], [[1, 32, 5, 6], 2]];
    for (const [k, [s, b]] of shapes.entries()) {
      for (const mode of ['DCR', 'CRD'])
        await checkGpu(log, `DepthToSpace ${mode} ${JSON.stringify(s)} b=${b}`, 'DepthToSpace', [rand(s, k + 1)], { attrs: { blocksize: b, mode } });
      const big = [s[0]!, s[1]! / (b * b) >= 1 && s[1]! % (b * b) === 0 ? s[1]! / (b * b) : s[1]!, s[2]! * b, s[3]! * b];
      await checkGpu(log, `SpaceToDepth ${JSON.stringify(big)} b=${b}`, 'SpaceToDepth', [rand(big, k + 5)], { attrs: { blocksize: b } });
    }
  });
});
