// GPU programs of the non-conv ops (src/ops/*.gpu.ts) against each op's CPU reference kernel, one node at a time.
// Tolerance: |gpu − cpu| ≤ 1e-5 + 1e-5·|cpu| (Sigmoid and Softmax, which call exp, included); NaN must meet NaN
// and ±inf the same infinity. The largest error seen per case is printed at the end.
import { afterAll, describe, expect, it } from 'vitest';
import { intTensor, type Value } from '../src/graph/ir.js';
import { asVec4, BinaryKind, planBinary } from '../src/gpu/programs/binary.gpu.js';
import { mergeUnpadded } from '../src/gpu/programs/pad.gpu.js';
import type { Shape, Tensor } from '../src/tensor.js';
import { checkGpu, compare as compareOutputs, ErrorLog, opCheckPipelines, rand, runGpuAndCpu as run, withSpecials, type Case, type In } from './support/op-check.js';

const ATOL = 1e-5;
const RTOL = 1e-5;

const log = new ErrorLog('gpu-ops');
afterAll(() => log.report());

const ints = (...v: number[]): Value => intTensor([v.length], v);

/** Asserts GPU ≈ CPU output by output and records the largest error under `name`. */
const compare = (name: string, gpu: Tensor[], cpu: Value[]): void => compareOutputs(log, name, gpu, cpu, ATOL, RTOL);

const check = (name: string, op: string, ins: In[], c: Case = {}): Promise<void> => checkGpu(log, name, op, ins, c, ATOL, RTOL);

const SHAPES: Shape[] = [[2, 3, 5, 7], [1, 5, 1, 1], [3, 4], [2, 3, 4], [7]];

describe('unary activations', () => {
  for (const op of ['Relu', 'Sigmoid', 'HardSwish']) {
    it(op, async () => {
      for (const [k, s] of SHAPES.entries()) await check(`${op} ${JSON.stringify(s)}`, op, [withSpecials(rand(s, k + 1, -8, 8))]);
    });
  }

  it('HardSigmoid with alpha/beta and defaults', async () => {
    await check('HardSigmoid α=1/6 β=0.5', 'HardSigmoid', [withSpecials(rand([2, 3, 5, 7], 3, -8, 8))], { attrs: { alpha: 1 / 6, beta: 0.5 } });
    await check('HardSigmoid default', 'HardSigmoid', [withSpecials(rand([3, 4], 4, -8, 8))]);
  });

  it('Clip with constant inputs, an omitted min, and opset-6 attributes', async () => {
    const x = withSpecials(rand([2, 3, 5, 7], 5, -3, 3));
    await check('Clip [0, 6]', 'Clip', [x, { const: { shape: [], data: Float32Array.of(0) } }, { const: { shape: [], data: Float32Array.of(1.5) } }]);
    await check('Clip max only', 'Clip', [rand([2, 3, 4], 6, -3, 3), null, { const: { shape: [], data: Float32Array.of(0.25) } }]);
    await check('Clip opset 6', 'Clip', [x], { opset: 6, attrs: { min: -1, max: 0.5 } });
    await check('Clip unbounded', 'Clip', [x]);
  });
});

describe('binary broadcasting', () => {
  const cases: [string, Shape, Shape][] = [
    ['same 4-D', [2, 3, 5, 7], [2, 3, 5, 7]],
    ['[2,3,5,7] + [7]', [2, 3, 5, 7], [7]],
    ['[2,1,5,1] * [3,1,1]', [2, 1, 5, 1], [3, 1, 1]],
    ['per-channel (N,C,H,W)·(N,C,1,1)', [2, 6, 5, 3], [2, 6, 1, 1]],
    ['per-channel (1,C,1,1)·(N,C,H,W)', [1, 6, 1, 1], [2, 6, 5, 3]],
    ['4-D · scalar', [2, 3, 4, 5], []],
    ['2-D bias row', [3, 4], [4]],
    ['2-D column · row', [3, 1], [1, 4]],
    ['3-D', [2, 3, 4], [2, 1, 4]],
    ['5-D · 4-D', [1, 3, 4, 5, 5], [3, 1, 5, 1]],
    ['1x1 spatial · 2-D', [2, 5, 1, 1], [1, 1]],
    // 4 elements per invocation (BinaryPlan.vec4): same shape with n % 4 == 0, row broadcasts with C % 4 == 0
    ['vec4 same 4-D', [2, 4, 5, 3], [2, 4, 5, 3]],
    ['vec4 per-channel C=8 (SE scale)', [2, 8, 5, 3], [2, 8, 1, 1]],
    ['vec4 (1,C,1,1) C=12 · (N,C,H,W)', [1, 12, 1, 1], [2, 12, 3, 3]],
  ];
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    it(op, async () => {
      for (const [k, [name, as, bs]] of cases.entries()) {
        const a = withSpecials(rand(as, 10 + k));
        const b = rand(bs, 30 + k, 0.5, 3);
        await check(`${op} ${name}`, op, [a, b]);
        await check(`${op} ${name} (swapped)`, op, [b, a]);
      }
    });
  }

  it('Div by zero and of infinities follows IEEE like the CPU', async () => {
    const a: Tensor = { shape: [2, 4], data: Float32Array.of(1, -1, 0, Infinity, -Infinity, NaN, 3, 0) };
    const b: Tensor = { shape: [2, 4], data: Float32Array.of(0, 0, 0, Infinity, 2, 1, -0, -Infinity) };
    await check('Div special values', 'Div', [a, b]);
  });

  it('keys pipelines by kernel variant, not by shape', async () => {
    await check('Add same 2-D', 'Add', [rand([3, 5], 1), rand([3, 5], 2)]);
    const cache = await opCheckPipelines();
    const before = cache.size;
    await check('Add same 5-D', 'Add', [rand([2, 3, 4, 5, 6], 3), rand([2, 3, 4, 5, 6], 4)]);
    expect(cache.size).toBe(before);
  });

  it('takes the fast paths for same shape and per-channel operands', () => {
    expect(planBinary([2, 6, 5, 3], [2, 6, 5, 3], [2, 6, 5, 3]).kind).toBe(BinaryKind.Same);
    const se = planBinary([2, 6, 5, 3], [2, 6, 1, 1], [2, 6, 5, 3]);
    expect(se.kind).toBe(BinaryKind.RowB);
    expect([se.values.mid, se.values.inner]).toEqual([15, 6]);
    expect(planBinary([1, 6, 1, 1], [1, 6, 5, 3], [1, 6, 5, 3]).kind).toBe(BinaryKind.RowA);
    expect(planBinary([2, 3, 4, 5], [], [2, 3, 4, 5]).kind).toBe(BinaryKind.RowB);
    // vec4 where whole vec4s line up: same shape n % 4 == 0, a per-channel row with C % 4 == 0; not a scalar or C = 6
    expect(asVec4(planBinary([2, 4, 5, 3], [2, 4, 5, 3], [2, 4, 5, 3])).vec4).toBe(true);
    expect(asVec4(planBinary([2, 8, 5, 3], [2, 8, 1, 1], [2, 8, 5, 3]))).toMatchObject({ vec4: true, values: { n: 60, inner: 2 } });
    expect(asVec4(planBinary([2, 3, 4, 5], [], [2, 3, 4, 5])).vec4).toBeUndefined();
    expect(asVec4(planBinary([2, 6, 5, 3], [2, 6, 1, 1], [2, 6, 5, 3])).vec4).toBeUndefined();
    expect(asVec4(planBinary([2, 3, 5, 7], [2, 3, 5, 7], [2, 3, 5, 7])).vec4).toBeUndefined();
    expect(planBinary([2, 1, 5, 1], [3, 1, 1], [2, 3, 5, 1]).kind).toBe(BinaryKind.General);
  });
});

describe('BatchNormalization', () => {
  it('matches the reference on 4-D (NHWC), 2-D and 3-D inputs', async () => {
    for (const [k, s] of ([[2, 5, 3, 3], [3, 5], [2, 5, 7], [1, 5, 1, 1]] as Shape[]).entries()) {
      const C = s[1]!;
      const stats = [rand([C], 50 + k, 0.5, 2), rand([C], 60 + k, -1, 1), rand([C], 70 + k, -1, 1), rand([C], 80 + k, 0.1, 2)];
      await check(`BatchNormalization ${JSON.stringify(s)}`, 'BatchNormalization', [withSpecials(rand(s, 40 + k)), ...stats.map((v) => ({ const: v }))], {
        attrs: { epsilon: 1e-3 },
      });
    }
  });
});

describe('pooling (NHWC)', () => {
  const pools: [string, Shape, Record<string, number | number[]>][] = [
    ['k3 s2 p1', [2, 5, 9, 9], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['ceil_mode, asymmetric pads', [1, 3, 8, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1 }],
    ['ceil_mode, window past the padding', [2, 3, 6, 6], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 1, 1], ceil_mode: 1 }],
    ['dilations 2', [1, 6, 10, 9], { kernel_shape: [3, 2], strides: [1, 2], dilations: [2, 2], pads: [2, 1, 0, 1] }],
    ['1x1 spatial', [2, 3, 1, 1], { kernel_shape: [1, 1] }],
    ['global-sized kernel', [1, 7, 4, 5], { kernel_shape: [4, 5] }],
    // C % 4 == 0: the vec4 kernel (4 channels per invocation)
    ['vec4: 2x2 stride 2 (BlazeFace)', [1, 4, 8, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
    ['vec4: 3x3 s2 pads, batch 2', [2, 8, 9, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['vec4: ceil_mode, dilations, asymmetric pads', [1, 12, 10, 9], { kernel_shape: [3, 2], strides: [2, 2], dilations: [2, 1], pads: [2, 0, 1, 1], ceil_mode: 1 }],
    // the whole image, C % 4 == 0 (a squeeze-and-excitation pool): the average on the software adapter's channel-mean kernel
    ['vec4: whole image, batch 2', [2, 8, 6, 5], { kernel_shape: [6, 5] }],
    // more than 9 taps: the loop kernel on every adapter
    ['vec4: 4x3 window', [1, 4, 9, 8], { kernel_shape: [4, 3], strides: [1, 2], pads: [1, 1, 2, 0] }],
  ];
  for (const op of ['MaxPool', 'AveragePool']) {
    it(op, async () => {
      for (const [k, [name, s, attrs]] of pools.entries()) {
        const base = { ...attrs };
        if (op === 'MaxPool') await check(`MaxPool ${name}`, op, [withSpecials(rand(s, 90 + k))], { attrs: base });
        else
          for (const cip of [0, 1])
            await check(`AveragePool ${name} count_include_pad=${cip}`, op, [rand(s, 90 + k)], { attrs: { ...base, count_include_pad: cip } });
      }
    });
  }
  it('SAME_UPPER auto_pad', async () => {
    await check('MaxPool SAME_UPPER', 'MaxPool', [rand([1, 4, 7, 6], 99)], { attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } });
  });
});

describe('reductions', () => {
  it('GlobalAveragePool', async () => {
    // C % 4 == 0 runs the software adapter's channel-mean kernel here (H·W with a tail of 1–3 past the quads)
    for (const [k, s] of ([[2, 5, 7, 6], [1, 3, 1, 1], [2, 3, 10], [1, 4, 40, 40], [2, 8, 9, 11], [1, 16, 41, 39], [3, 4, 1, 1]] as Shape[]).entries())
      await check(`GlobalAveragePool ${JSON.stringify(s)}`, 'GlobalAveragePool', [k === 4 ? withSpecials(rand(s, 110 + k)) : rand(s, 110 + k)]);
  });

  it('ReduceMean over any axes, with and without keepdims', async () => {
    const cases: [Shape, number[] | undefined, number][] = [
      [[2, 5, 7, 6], [2, 3], 1],
      [[2, 5, 7, 6], [2, 3], 0],
      [[2, 5, 7, 6], [1], 0],
      [[2, 5, 7, 6], [1], 1],
      [[2, 5, 7, 6], [0, 3], 0],
      [[2, 3, 10], [0, 2], 1],
      [[3, 9], [-1], 0],
      [[2, 3, 4, 5], undefined, 1],
      [[2, 3, 4, 5, 6], [1], 0],
      [[1, 64, 33], [2], 1],
      [[2, 8, 7, 6], [2, 3], 1],
      [[1, 12, 5, 3], [2, 3], 0],
    ];
    for (const [k, [s, axes, keepdims]] of cases.entries()) {
      const name = `ReduceMean ${JSON.stringify(s)} axes=${JSON.stringify(axes)} keepdims=${keepdims}`;
      const x = k === 0 ? withSpecials(rand(s, 120)) : rand(s, 120 + k);
      await check(name, 'ReduceMean', [x], {
        opset: 13,
        attrs: axes ? { axes, keepdims } : { keepdims },
      });
    }
    await check('ReduceMean opset 18 axes input', 'ReduceMean', [rand([2, 5, 3, 4], 140), { const: ints(1, 2) }], { opset: 18, attrs: { keepdims: 0 } });
  });
});

describe('strided copies', () => {
  it('Identity, Dropout (with mask), Flatten and Reshape across layouts', async () => {
    await check('Identity 4-D', 'Identity', [rand([2, 3, 4, 5], 150)]);
    await check('Dropout with mask', 'Dropout', [rand([2, 3, 4, 5], 151)], { outputs: 2, opset: 13 });
    await check('Flatten NHWC -> 2-D', 'Flatten', [rand([2, 3, 4, 5], 152)], { attrs: { axis: 1 } });
    await check('Flatten axis 2', 'Flatten', [rand([2, 3, 4, 5], 153)], { attrs: { axis: 2 } });
    await check('Flatten after global pool', 'Flatten', [rand([2, 6, 1, 1], 154)]);
    await check('Reshape 2-D -> 4-D', 'Reshape', [rand([2, 60], 155), { const: ints(2, 3, 4, 5) }]);
    await check('Reshape 4-D -> 4-D (no common refinement)', 'Reshape', [rand([1, 4, 6, 1], 156), { const: ints(1, 6, 4, 1) }]);
    await check('Reshape 4-D -> 4-D with refinement', 'Reshape', [rand([2, 12, 5, 5], 157), { const: ints(2, 3, 20, 5) }]);
    await check('Reshape row-major 2-D', 'Reshape', [rand([4, 6], 158), { const: ints(6, -1) }]);
  });

  it('channel shuffle: reshape 1x12x5x5 -> 1x3x4x5x5, transpose [0,2,1,3,4], reshape back', async () => {
    const x = rand([1, 12, 5, 5], 160);
    const a = await run('Reshape', [x, { const: ints(1, 3, 4, 5, 5) }]);
    compare('shuffle reshape 4-D -> 5-D', a.gpu, a.cpu);
    const b = await run('Transpose', [a.gpu[0]!], { attrs: { perm: [0, 2, 1, 3, 4] } });
    compare('shuffle transpose 5-D', b.gpu, b.cpu);
    const c = await run('Reshape', [b.gpu[0]!, { const: ints(1, 12, 5, 5) }]);
    compare('shuffle reshape 5-D -> 4-D', c.gpu, c.cpu);
    // channel g·4 + k moves to k·3 + g
    const y = c.gpu[0]!.data;
    for (let g = 0; g < 3; g++)
      for (let k = 0; k < 4; k++)
        for (let p = 0; p < 25; p++) expect(y[(k * 3 + g) * 25 + p]).toBe(x.data[(g * 4 + k) * 25 + p]);
  });

  it('Transpose of NHWC and row-major tensors', async () => {
    await check('Transpose 4-D [0,2,3,1]', 'Transpose', [rand([2, 3, 4, 5], 170)], { attrs: { perm: [0, 2, 3, 1] } });
    await check('Transpose 4-D [0,3,1,2]', 'Transpose', [rand([2, 3, 4, 5], 171)], { attrs: { perm: [0, 3, 1, 2] } });
    await check('Transpose 3-D default', 'Transpose', [rand([2, 3, 7], 172)]);
    await check('Transpose 2-D', 'Transpose', [rand([5, 9], 173)], { attrs: { perm: [1, 0] } });
  });

  it('Concat of three inputs along channels and other axes', async () => {
    await check('Concat 4-D channels 3+5+2', 'Concat', [rand([2, 3, 4, 5], 180), rand([2, 5, 4, 5], 181), rand([2, 2, 4, 5], 182)], { attrs: { axis: 1 } });
    await check('Concat 4-D H', 'Concat', [rand([1, 3, 2, 5], 183), rand([1, 3, 1, 5], 184), rand([1, 3, 4, 5], 185)], { attrs: { axis: -2 } });
    await check('Concat 2-D', 'Concat', [rand([3, 2], 186), rand([3, 7], 187), rand([3, 1], 188)], { attrs: { axis: 1 } });
  });

  it('Split into unequal parts', async () => {
    await check('Split 4-D channels [3,5,2]', 'Split', [rand([2, 10, 3, 3], 190), { const: ints(3, 5, 2) }], { attrs: { axis: 1 }, outputs: 3, opset: 13 });
    await check('Split 4-D W [1,4] (opset 11 attr)', 'Split', [rand([1, 3, 2, 5], 191)], { attrs: { axis: 3, split: [1, 4] }, outputs: 2, opset: 11 });
    await check('Split 2-D equal', 'Split', [rand([4, 6], 192)], { attrs: { axis: 1 }, outputs: 3 });
  });

  it('Slice with steps, including negative', async () => {
    const x = rand([2, 7, 6, 5], 200);
    await check('Slice channels step -2', 'Slice', [x, { const: ints(-1) }, { const: ints(-1000) }, { const: ints(1) }, { const: ints(-2) }]);
    await check('Slice H,W steps 2,-1', 'Slice', [x, { const: ints(1, 4) }, { const: ints(6, 0) }, { const: ints(2, 3) }, { const: ints(2, -1) }]);
    await check('Slice 3-D', 'Slice', [rand([4, 5, 6], 201), { const: ints(1, 0) }, { const: ints(3, 9e18) }, { const: ints(0, 2) }]);
  });
});

describe('Softmax', () => {
  it('opset 13 over one axis', async () => {
    await check('Softmax 4-D axis -1', 'Softmax', [rand([2, 3, 4, 5], 210, -5, 5)], { opset: 13 });
    await check('Softmax 4-D axis 1 (channels)', 'Softmax', [rand([2, 7, 3, 3], 211, -5, 5)], { opset: 13, attrs: { axis: 1 } });
    await check('Softmax 2-D', 'Softmax', [rand([3, 10], 212, -20, 20)], { opset: 13 });
    await check('Softmax 2-D long rows', 'Softmax', [rand([2, 1000], 213, -10, 10)], { opset: 13 });
    await check('Softmax 3-D axis 0', 'Softmax', [rand([3, 4, 5], 214)], { opset: 13, attrs: { axis: 0 } });
  });

  it('opset 11 coerces to 2-D at the axis', async () => {
    await check('Softmax opset 11 axis 1 on 4-D', 'Softmax', [rand([2, 3, 4, 5], 220, -5, 5)], { opset: 11 });
    await check('Softmax opset 11 axis 2 on 4-D', 'Softmax', [rand([2, 3, 4, 5], 221, -5, 5)], { opset: 11, attrs: { axis: 2 } });
  });

  it('NaN and infinities propagate row by row like the CPU', async () => {
    const x = rand([4, 6], 230);
    x.data[1] = NaN; // row 0 all NaN
    x.data[7] = -Infinity; // row 1: a zero
    x.data[13] = Infinity; // row 2: NaN (inf - inf)
    await check('Softmax special values', 'Softmax', [x], { opset: 13 });
  });
});

describe('Pad', () => {
  const pads = (...v: number[]) => ({ const: ints(...v) });
  const value = (v: number) => ({ const: { shape: [], data: Float32Array.of(v) } as Value });
  it('constant, reflect and edge, with negative pads', async () => {
    const x = rand([2, 3, 5, 6], 240);
    await check('Pad constant with crop', 'Pad', [x, pads(0, 0, 1, -1, 0, 0, -1, 2), value(1.5)], { opset: 13 });
    await check('Pad constant channels', 'Pad', [x, pads(0, 2, 0, 0, 0, 1, 0, 0)], { opset: 13 });
    await check('Pad reflect', 'Pad', [x, pads(0, 0, 2, 1, 0, 0, 1, 3)], { opset: 13, attrs: { mode: 'reflect' } });
    await check('Pad reflect with crop', 'Pad', [x, pads(0, 0, -2, 1, 0, 0, 2, -1)], { opset: 13, attrs: { mode: 'reflect' } });
    await check('Pad edge 3-D', 'Pad', [rand([2, 4, 3], 241), pads(1, 2, 0, 0, 3, 2)], { opset: 13, attrs: { mode: 'edge' } });
    await check('Pad constant 2-D (opset 2 attrs)', 'Pad', [rand([3, 4], 242)], { opset: 2, attrs: { pads: [1, 0, 2, 3], value: -2 } });
  });

  it('unpadded neighbouring dims merged (mergeUnpadded): channel pads, a padded middle dim, rank 5', async () => {
    const x = rand([2, 3, 5, 6], 243);
    await check('Pad channels only, both ends (NHWC: 2 dims)', 'Pad', [x, pads(0, 1, 0, 0, 0, 4, 0, 0)], { opset: 13 });
    await check('Pad H only (W, C merged)', 'Pad', [x, pads(0, 0, 2, 0, 0, 0, 1, 0)], { opset: 13 });
    await check('Pad batch only', 'Pad', [x, pads(1, 0, 0, 0, 0, 0, 0, 0), value(-3)], { opset: 13 });
    await check('Pad rank 5, middle and last dims', 'Pad', [rand([2, 3, 2, 4, 3], 244), pads(0, 0, 1, 0, 0, 0, 0, 0, 0, 2)], { opset: 13 });
    await check('Pad edge, inner dims unpadded', 'Pad', [rand([3, 2, 4], 245), pads(1, 0, 0, 2, 0, 0)], { opset: 13, attrs: { mode: 'edge' } });
    // NHWC channel pad: N, H, W collapse into one dim
    const d = (o: number, i: number, b: number, s: number) => ({ o, i, b, s });
    expect(mergeUnpadded([d(2, 2, 0, 90), d(5, 5, 0, 18), d(6, 6, 0, 3), d(7, 3, 1, 1)])).toEqual([d(60, 60, 0, 3), d(7, 3, 1, 1)]);
    // a padded dim between two plain ones, and non-contiguous strides, stay apart
    expect(mergeUnpadded([d(2, 2, 0, 20), d(6, 4, 1, 5), d(5, 5, 0, 1)])).toHaveLength(3);
    expect(mergeUnpadded([d(2, 2, 0, 7), d(3, 3, 0, 2)])).toHaveLength(2);
  });
});
