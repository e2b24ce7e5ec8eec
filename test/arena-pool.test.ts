// The CPU engine's pooling, reduction and resize kernels (src/cpu/arena/c/pool.c, reduce.c, resize.c) against the
// ops' reference kernels over awkward shapes, each run with its tiles split 1, 2 and 3 ways (bitwise the same).
// Tolerance |fast − ref| ≤ 1e-5 + 1e-5·|ref| (the references accumulate in float64, the kernels in float32).
// Then against real engines: PyTorch's outputs for the single-op ONNX fixtures (their own atol/rtol, 1e-4) and the
// ONNX package's reference implementation for 140 Resize cases (1e-6 + 1e-5·|ref|: it blends in float64).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { intTensor, type Value } from '../src/graph/ir.js';
import { resolve } from '../src/graph/resolve.js';
import type { Tensor } from '../src/tensor.js';
import type { Layout } from '../src/cpu/arena/types.js';
import { runArenaKernel, type NodeSpec } from './support/arena-kernel.js';
import { FIXTURES_DIR, listFixtures, loadFixture } from './support/fixtures.js';
import { rng } from './support/conv-sweep.js';
import { expectClose, uniform } from './support/expect-close.js';

function tensor(shape: number[], seed: number): Tensor {
  return { shape, data: uniform(rng(seed), shape.reduce((a, b) => a * b, 1)) };
}

/** Runs `spec` split 1, 2 and 3 ways; checks the first against the reference and the others bitwise against it. */
function check(spec: NodeSpec, what: string, have?: (Layout | undefined)[]): void {
  const runs = [1, 2, 3].map((split) => runArenaKernel(spec, { split, have }));
  expect(runs[0]!.layouts, `${what}: declined`).toBeDefined();
  const rn = runs[0]!.rn;
  const ins = spec.inputs.map((x) => (x && 'constant' in x ? x.constant : x)) as Value[];
  const ref = rn.def.reference(ins, rn.attrs)[0] as Tensor;
  const got = runs[0]!.outputs[0]!;
  expect(got.shape, what).toEqual(ref.shape);
  expectClose(got.data, ref.data, what);
  for (const r of runs.slice(1)) expect(new Uint32Array(r.outputs[0]!.data.buffer), `${what}: split`).toEqual(new Uint32Array(got.data.buffer));
}

interface PoolCase { k: number[]; s?: number[]; d?: number[]; pads?: number[]; autoPad?: string; ceil?: boolean }
const POOLS: PoolCase[] = [
  { k: [2, 2], s: [2, 2] },
  { k: [3, 3] },
  { k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1] },
  { k: [3, 2], s: [2, 1], pads: [0, 1, 2, 1], ceil: true },
  { k: [2, 3], s: [3, 2], ceil: true },
  { k: [3, 3], s: [2, 2], d: [2, 1], pads: [2, 0, 1, 2] },
  { k: [2, 2], d: [2, 2], ceil: true, s: [2, 2], pads: [1, 0, 1, 1] },
  { k: [3, 3], s: [2, 2], autoPad: 'SAME_UPPER' },
  { k: [2, 4], s: [1, 3], autoPad: 'SAME_LOWER' },
  { k: [2, 2], pads: [2, 2, 2, 2] }, // windows wholly in the padding: −∞ (max), 0/0 (average without the pad)
  { k: [7, 9] }, // global
];
const CHANNELS = [1, 3, 5, 8, 13, 20];

function poolAttrs(p: PoolCase): Record<string, unknown> {
  return {
    kernel_shape: p.k, strides: p.s ?? [1, 1], ...(p.d ? { dilations: p.d } : {}),
    ...(p.autoPad ? { auto_pad: p.autoPad } : { pads: p.pads ?? [0, 0, 0, 0] }), ceil_mode: p.ceil ? 1 : 0,
  };
}

describe('MaxPool and AveragePool (NHWC)', () => {
  POOLS.forEach((p, pi) =>
    it(`k=${p.k} s=${p.s ?? 1} d=${p.d ?? 1} pads=${p.autoPad ?? p.pads ?? 0} ceil=${p.ceil ?? false}`, () => {
      CHANNELS.forEach((c, ci) => {
        const x = tensor([ci % 2 ? 2 : 1, c, 7, 9], pi * 100 + ci);
        const attrs = poolAttrs(p);
        check({ op: 'MaxPool', attrs, inputs: [x] }, `MaxPool c=${c}`);
        for (const cip of [0, 1]) check({ op: 'AveragePool', attrs: { ...attrs, count_include_pad: cip }, inputs: [x] }, `AveragePool c=${c} cip=${cip}`);
      });
    }),
  );

  it('NaN wins in MaxPool', () => {
    const x = tensor([1, 6, 5, 5], 7);
    x.data[(2 * 5 + 1) * 5 + 3] = NaN;
    x.data[5 * 25 - 1] = NaN;
    const out = runArenaKernel({ op: 'MaxPool', attrs: { kernel_shape: [2, 2] }, inputs: [x] }).outputs[0]!;
    expect(Number.isNaN(out.data[(2 * 4 + 0) * 4 + 2]!) && Number.isNaN(out.data[(2 * 4 + 1) * 4 + 3]!) && Number.isNaN(out.data[5 * 16 - 1]!)).toBe(true);
    expect(out.data.filter(Number.isNaN).length).toBe(5);
  });

  it('GlobalAveragePool', () => {
    for (const [shape, seed] of [[[2, 13, 5, 7], 1], [[1, 16, 64, 64], 2], [[1, 3, 1, 1], 3], [[2, 1, 9, 4], 4], [[2, 5, 11], 5], [[1, 3, 2, 3, 5], 6]] as const)
      check({ op: 'GlobalAveragePool', inputs: [tensor([...shape], seed)] }, `GlobalAveragePool ${shape}`);
  });
});

const REDUCE_OPS = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd'];

function reduceSpec(op: string, x: Tensor, axes: number[], keepdims: number): NodeSpec {
  // ReduceSum takes its axes as an input from opset 13, the others from opset 18 (the harness runs opset 17)
  return op === 'ReduceSum'
    ? { op, attrs: { keepdims }, inputs: [x, { constant: intTensor([axes.length], axes) }] }
    : { op, attrs: { axes, keepdims }, inputs: [x] };
}

describe('Reduce*', () => {
  const cases: [number[], number[], Layout][] = [
    [[2, 13, 5, 7], [2, 3], 'nhwc'],
    [[1, 16, 36, 64], [2, 3], 'nhwc'],
    [[2, 5, 3, 4], [1], 'nhwc'],
    [[2, 5, 3, 4], [1, 2, 3], 'nhwc'],
    [[2, 6, 3, 5], [2], 'nhwc'],
    [[2, 6, 3, 5], [0, 2], 'nhwc'],
    [[2, 3, 5, 7], [3], 'plain'],
    [[2, 3, 5, 7], [2, 3], 'plain'],
    [[2, 3, 5, 7], [0, 1], 'plain'],
    [[3, 37], [1], 'plain'],
    [[4, 5, 6], [1], 'plain'],
    [[4, 5, 6], [0, 1, 2], 'plain'],
    [[2, 9, 70], [2], 'plain'],
  ];
  for (const op of REDUCE_OPS)
    it(op, () => {
      cases.forEach(([shape, axes, have], i) => {
        const x = tensor(shape, 40 + i);
        // products of many values in [-1, 1) underflow towards 0: keep them near 1
        if (op === 'ReduceProd') x.data.forEach((v, j) => (x.data[j] = 1 + v / 8));
        for (const keepdims of [1, 0]) {
          const spec = reduceSpec(op, x, axes, keepdims);
          const r = runArenaKernel(spec, { have: [have, undefined] });
          const what = `${op} ${shape} axes=${axes} keepdims=${keepdims} from ${have}`;
          if (!r.layouts) {
            // only a physically non-adjacent run in both layouts may decline
            expect(`${shape}|${axes}|${keepdims}`, what).toBe('2,6,3,5|0,2|0');
            continue;
          }
          check(spec, what, [have, undefined]);
        }
      });
    });

  it('declines runs of axes adjacent in neither layout, and no axes', () => {
    const x = tensor([4, 5, 6], 1);
    expect(runArenaKernel(reduceSpec('ReduceMean', x, [0, 2], 1)).layouts).toBeUndefined();
    expect(runArenaKernel({ op: 'ReduceMean', attrs: { noop_with_empty_axes: 1 }, inputs: [x] }).layouts).toBeUndefined();
  });

  it('H, W of an NHWC tensor keeps NHWC in (no conversion) and out', () => {
    const r = runArenaKernel(reduceSpec('ReduceMean', tensor([1, 8, 3, 3], 2), [2, 3], 1), { have: ['nhwc', undefined] });
    expect(r.layouts).toEqual({ inputs: ['nhwc'], outputs: ['nhwc'] });
  });
});

describe('Resize (NHWC)', () => {
  const coords = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
  const targets: ({ scales: number[] } | { sizes: number[] })[] = [
    { scales: [1, 1, 2, 2] },
    { scales: [1, 1, 0.6, 1.7] },
    { scales: [1, 1, 1.5, 0.5] },
    { sizes: [0, 0, 14, 18] },
    { sizes: [0, 0, 3, 4] },
    { sizes: [0, 0, 1, 11] },
    { sizes: [0, 0, 7, 9] },
  ];
  const modes: [string, string | undefined][] = [['linear', undefined], ['nearest', 'round_prefer_floor'], ['nearest', 'round_prefer_ceil'], ['nearest', 'floor'], ['nearest', 'ceil']];
  for (const [mode, nearest] of modes)
    for (const coord of coords)
      it(`${mode}${nearest ? ` ${nearest}` : ''} ${coord}`, () => {
        targets.forEach((t, ti) => {
          const c = [1, 3, 8, 13, 5, 16, 2][ti]!;
          const n = ti % 2 ? 2 : 1;
          const x = tensor([n, c, 7, 9], ti);
          const target = 'scales' in t
            ? [undefined, { constant: { shape: [4], data: Float32Array.from(t.scales) } }]
            : [undefined, undefined, { constant: intTensor([4], [n, c, t.sizes[2]!, t.sizes[3]!]) }];
          const attrs = { mode, coordinate_transformation_mode: coord, ...(nearest ? { nearest_mode: nearest } : {}) };
          check({ op: 'Resize', attrs, inputs: [x, ...target] as NodeSpec['inputs'] }, `Resize ${JSON.stringify(t)} c=${c} n=${n}`);
        });
      });

  it('selfie segmentation ×2 bilinear, 16 and 24 channels', () => {
    for (const [c, h, w] of [[16, 18, 32], [24, 9, 16]])
      check({ op: 'Resize', attrs: { mode: 'linear' }, inputs: [tensor([1, c!, h!, w!], c!), undefined, undefined, { constant: intTensor([4], [1, c!, 2 * h!, 2 * w!]) }] }, `×2 c=${c}`);
  });

  it('declines a rank-3 input', () => {
    const x = tensor([3, 5, 7], 1);
    expect(runArenaKernel({ op: 'Resize', attrs: { mode: 'linear' }, inputs: [x, undefined, { constant: { shape: [3], data: Float32Array.from([1, 2, 2]) } }] }).layouts).toBeUndefined();
  });
});

describe('DepthToSpace and SpaceToDepth (NHWC)', () => {
  const cases: [number, number, number, number, number][] = [[1, 1, 3, 5, 2], [2, 3, 4, 2, 2], [1, 5, 2, 3, 3], [2, 8, 3, 3, 2], [1, 13, 1, 2, 2], [1, 2, 2, 2, 4]];
  for (const mode of ['DCR', 'CRD'])
    it(`DepthToSpace ${mode}`, () => {
      cases.forEach(([n, c, h, w, b], i) => check({ op: 'DepthToSpace', attrs: { blocksize: b, mode }, inputs: [tensor([n, c * b * b, h, w], i)] }, `${[n, c * b * b, h, w]} b=${b}`));
    });
  it('SpaceToDepth', () => {
    cases.forEach(([n, c, h, w, b], i) => check({ op: 'SpaceToDepth', attrs: { blocksize: b }, inputs: [tensor([n, c, h * b, w * b], i)] }, `${[n, c, h * b, w * b]} b=${b}`));
  });
});

describe('against PyTorch and the ONNX reference implementation', () => {
  const OPS = ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'Resize', 'DepthToSpace', 'SpaceToDepth'];
  it('PyTorch fixtures that resolve to one of these ops alone', () => {
    let ran = 0;
    for (const info of listFixtures()) {
      if (!info.output || !info.ops.every((op) => OPS.includes(op) || op === 'Constant' || op === 'Shape' || op === 'Slice' || op === 'Concat')) continue;
      const fx = loadFixture(info.name);
      const rg = resolve(fx.graph, { [fx.inputName]: fx.input.shape });
      if (rg.nodes.length !== 1) continue;
      const node = rg.nodes[0]!.node;
      const inputs = node.inputs.map((name) => (name === fx.inputName ? fx.input : name === '' ? undefined : { constant: rg.constants.get(name)! }));
      for (const split of [1, 3]) {
        const r = runArenaKernel({ op: node.op, attrs: node.attrs as Record<string, unknown>, inputs }, { split, have: inputs.map((x) => (x && 'constant' in x ? undefined : 'nhwc')) });
        expect(r.layouts, `${info.name}: declined`).toBeDefined();
        expectClose(r.outputs[0]!.data, fx.expected!.data, `${info.name} (split ${split})`, fx.atol, fx.rtol);
      }
      ran++;
    }
    expect(ran).toBeGreaterThanOrEqual(10);
  });

  it('the ONNX reference implementation\'s Resize cases', () => {
    const { cases } = JSON.parse(readFileSync(join(FIXTURES_DIR, 'ops', 'resize_onnx_reference.json'), 'utf8')) as {
      cases: { mode: string; coord: string; nearest_mode: string; sizes?: number[]; scales?: number[]; input_shape: number[]; input: number[]; output: number[] }[];
    };
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) {
      const x = { shape: c.input_shape, data: Float32Array.from(c.input) };
      const target = c.scales
        ? [undefined, { constant: { shape: [4], data: Float32Array.from(c.scales) } }]
        : [undefined, undefined, { constant: intTensor([4], c.sizes!) }];
      const attrs = { mode: c.mode, coordinate_transformation_mode: c.coord, nearest_mode: c.nearest_mode };
      const r = runArenaKernel({ op: 'Resize', attrs, inputs: [x, ...target] as NodeSpec['inputs'] }, { split: 2 });
      expectClose(r.outputs[0]!.data, Float32Array.from(c.output), `Resize ${c.mode} ${c.coord} ${c.nearest_mode} ${c.input_shape}`, 1e-6);
    }
  });
});
