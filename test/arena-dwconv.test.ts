// The CPU engine's depthwise conv (c/dwconv.c through ops/conv-depthwise.ts) against the reference Conv on awkward
// shapes, with every fused epilogue; tolerance |got - ref| <= 1e-5 + 1e-5·|ref| (weights scaled by 1/taps so sums stay
// O(1)); each case also run with its rows split over 2 and 3 "threads", which must give the same bits. A second
// oracle: TF.js's cpu backend (tf.depthwiseConv2d, NHWC, explicit pads) on the convolutions it supports.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { depthwiseConv } from '../src/cpu/arena/ops/conv-depthwise.js';
import type { ArenaKernel } from '../src/cpu/arena/types.js';
import type { FusedActivation } from '../src/ops/activation.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import type { Tensor } from '../src/tensor.js';
import { runArenaKernel, toLayout, type NodeSpec } from './support/arena-kernel.js';
import { ACTS, randomTensor, rng } from './support/conv-sweep.js';
import { expectClose } from './support/expect-close.js';

interface Case {
  n?: number; c: number; m?: number; h: number; w: number; k: [number, number];
  s?: [number, number]; d?: [number, number]; pads?: [number, number, number, number];
  bias?: boolean; act?: FusedActivation; residual?: boolean; post?: FusedActivation;
}

const name = (c: Case) =>
  `n=${c.n ?? 1} c=${c.c}${c.m ? `×${c.m}` : ''} ${c.h}x${c.w} k=${c.k.join('x')} s=${(c.s ?? [1, 1]).join('x')} ` +
  `d=${(c.d ?? [1, 1]).join('x')} pads=[${(c.pads ?? [0, 0, 0, 0]).join(',')}]${c.bias === false ? '' : ' bias'}` +
  ` act=${c.act?.kind ?? 'none'}${c.residual ? ` residual post=${c.post?.kind ?? 'none'}` : ''}`;

/** depthwiseConv with the optimiser's fused attributes set on the node (runArenaKernel parses plain ONNX attrs). */
function fused(over: Partial<ConvAttrs>): ArenaKernel {
  return {
    layouts: (rn, have) => (Object.assign(rn.attrs as ConvAttrs, over), depthwiseConv.layouts(rn, have)),
    build: (ctx) => depthwiseConv.build(ctx),
  };
}

function spec(c: Case, seed: number): { spec: NodeSpec; feeds: Tensor[] } {
  const r = rng(seed);
  const n = c.n ?? 1, m = c.m ?? 1, cout = c.c * m, [kh, kw] = c.k;
  const x = randomTensor([n, c.c, c.h, c.w], r);
  const w = randomTensor([cout, 1, kh, kw], r);
  w.data.forEach((v, i) => (w.data[i] = v / (kh * kw)));
  const b = randomTensor([cout], r);
  const s = c.s ?? [1, 1], d = c.d ?? [1, 1], p = c.pads ?? [0, 0, 0, 0];
  const ho = Math.floor((c.h + p[0] + p[2] - (kh - 1) * d[0] - 1) / s[0]) + 1;
  const wo = Math.floor((c.w + p[1] + p[3] - (kw - 1) * d[1] - 1) / s[1]) + 1;
  const res = c.residual ? randomTensor([n, cout, ho, wo], r) : undefined;
  const bias = c.bias === false ? undefined : { constant: b };
  return {
    spec: {
      op: 'Conv',
      attrs: { group: c.c, strides: s, dilations: d, pads: p, kernel_shape: c.k },
      inputs: [x, { constant: w }, bias, ...(res ? [res] : [])],
    },
    feeds: [x, w, ...(bias ? [b] : [undefined]), ...(res ? [res] : [])] as Tensor[],
  };
}

function check(c: Case, seed: number) {
  const { spec: sp, feeds } = spec(c, seed);
  const kernel = fused({ act: c.act ?? { kind: 'none' }, residual: c.residual, post: c.post });
  const runs = [1, 2, 3].map((split) => runArenaKernel(sp, { kernel, split }));
  const one = runs[0]!;
  expect(one.layouts, 'declined').toBeDefined();
  const want = one.rn.def.reference(feeds, one.rn.attrs)[0] as Tensor;
  expect(one.outputs[0]!.shape).toEqual(want.shape);
  expectClose(one.outputs[0]!.data, want.data, name(c), 1e-5, 1e-5);
  for (const r of runs.slice(1)) expect(Buffer.from(r.outputs[0]!.data.buffer).equals(Buffer.from(one.outputs[0]!.data.buffer))).toBe(true);
}

const SHAPES: Case[] = [];
for (const c of [1, 3, 5, 8, 13, 32])
  for (const [h, w] of [[1, 1], [2, 7], [7, 2], [16, 17], [17, 16]] as const)
    for (const k of [[1, 1], [3, 3], [5, 5], [7, 7], [3, 5]] as [number, number][]) {
      const p = Math.floor(k[0] / 2), q = Math.floor(k[1] / 2);
      if ((c + h + k[0]) % 3 !== 0 && h !== 16) continue; // a third of the grid, every size and kernel still met
      SHAPES.push({ c, h, w, k, pads: [p, q, p, q] });
    }

const STRIDED: Case[] = [];
for (const k of [[3, 3], [5, 5], [3, 5], [7, 7]] as [number, number][])
  for (const s of [[1, 1], [2, 2], [3, 3], [2, 1], [1, 3]] as [number, number][])
    STRIDED.push({ c: 13, h: 17, w: 16, k, s, pads: [0, 1, 2, 1] }, { c: 8, h: 16, w: 17, k, s, d: [2, 2], pads: [2, 3, 2, 3] });

const MISC: Case[] = [
  { c: 5, h: 16, w: 17, k: [3, 3], d: [2, 1], pads: [2, 0, 1, 1] },
  { c: 32, h: 16, w: 16, k: [5, 5], s: [2, 2], d: [1, 2], pads: [1, 3, 2, 0] },
  { c: 13, h: 2, w: 2, k: [3, 3], pads: [3, 0, 0, 3] },
  { c: 3, h: 7, w: 17, k: [3, 3], m: 2, pads: [1, 1, 1, 1] },
  { c: 5, h: 16, w: 7, k: [5, 5], m: 3, s: [2, 2], pads: [2, 2, 2, 2] },
  { c: 1, h: 17, w: 16, k: [3, 5], m: 8, pads: [1, 2, 1, 2] },
  { n: 2, c: 13, h: 17, w: 16, k: [3, 3], s: [2, 2], pads: [0, 0, 1, 1] },
  { n: 2, c: 8, h: 7, w: 7, k: [5, 5], pads: [2, 2, 2, 2], m: 2 },
  { c: 13, h: 16, w: 17, k: [3, 3], pads: [1, 1, 1, 1], bias: false },
  { c: 13, h: 7, w: 7, k: [7, 7], pads: [3, 3, 3, 3], bias: false },
];

const EPILOGUES: Case[] = [];
for (const [, act] of ACTS)
  for (const k of [[3, 3], [5, 5], [3, 5]] as [number, number][]) {
    EPILOGUES.push({ c: 13, h: 7, w: 16, k, pads: [1, 1, 1, 1], act });
    EPILOGUES.push({ n: 2, c: 13, h: 7, w: 16, k, s: [2, 2], pads: [1, 2, 1, 2], act, residual: true, post: ACTS[(k[1] + 1) % ACTS.length]![1] });
  }
EPILOGUES.push({ c: 5, h: 7, w: 7, k: [3, 3], m: 2, pads: [1, 1, 1, 1], act: { kind: 'hardswish' }, residual: true, post: { kind: 'relu' } });

// The strips (multiplier 1, >= 8 channels, kernel 3 or 5 wide, stride 1 or 2 along x, no dilation along x): output
// widths from under one 4-pixel block to several 8-pixel blocks with 0–3 pixels left over, channels not a multiple of
// 4 or 8, asymmetric pads (some wider than the kernel), vertical stride and dilation, every activation and the residual.
const STRIPS: Case[] = [];
{
  const PADS: [number, number, number, number][] = [[1, 1, 1, 1], [0, 0, 0, 0], [0, 2, 1, 0], [2, 1, 0, 2], [1, 0, 2, 3], [3, 4, 0, 1]];
  let i = 0;
  for (const k of [[3, 3], [5, 5], [3, 5], [5, 3], [1, 3], [2, 5]] as [number, number][])
    for (const s of [[1, 1], [2, 2], [1, 2], [2, 1], [3, 2]] as [number, number][])
      for (const w of [1, 4, 6, 7, 9, 10, 11, 13, 16, 21, 24, 38]) {
        if ((i++ * 7) % 3 !== 0 && w > 4) continue; // a third of the wider rows, every kernel and stride still met
        const c = [8, 12, 13, 20, 33, 8][i % 6]!;
        const act = ACTS[i % ACTS.length]![1];
        const h = [1, 3, 6, 9][i % 4]!, d: [number, number] = i % 5 === 0 ? [2, 1] : [1, 1], p = PADS[i % PADS.length]!;
        if (h + p[0] + p[2] < (k[0] - 1) * d[0] + 1 || w + p[1] + p[3] < k[1]) continue; // no output
        STRIPS.push({
          n: i % 7 === 0 ? 2 : 1, c, h, w, k, s, d, pads: p,
          bias: i % 9 !== 0, act, ...(i % 4 === 1 ? { residual: true, post: ACTS[(i >> 2) % ACTS.length]![1] } : {}),
        });
      }
}

describe('arena depthwise conv vs the reference Conv', () => {
  it.each(SHAPES.map((c, i) => [name(c), c, i] as const))('%s', (_, c, i) => check(c, 100 + i));
  it.each(STRIDED.map((c, i) => [name(c), c, i] as const))('%s', (_, c, i) => check(c, 500 + i));
  it.each(MISC.map((c, i) => [name(c), c, i] as const))('%s', (_, c, i) => check(c, 900 + i));
  it.each(EPILOGUES.map((c, i) => [name(c), c, i] as const))('%s', (_, c, i) => check(c, 1300 + i));
  it.each(STRIPS.map((c, i) => [name(c), c, i] as const))('%s', (_, c, i) => check(c, 3000 + i));
});

describe('arena depthwise conv declines what it does not run', () => {
  const x: Tensor = { shape: [1, 4, 5, 5], data: new Float32Array(100) };
  const w = (cout: number, cpg: number): Tensor => ({ shape: [cout, cpg, 3, 3], data: new Float32Array(cout * cpg * 9) });
  it.each([
    ['a regular conv (group 1)', { inputs: [x, { constant: w(4, 4) }], attrs: { group: 1 } }],
    ['a grouped conv (group 2 of 4 channels)', { inputs: [x, { constant: w(4, 2) }], attrs: { group: 2 } }],
    ['weights fed at run time', { inputs: [x, w(4, 1)], attrs: { group: 4 } }],
  ] as [string, Omit<NodeSpec, 'op'>][])('%s', (_, s) => {
    expect(runArenaKernel({ op: 'Conv', ...s }, { kernel: depthwiseConv }).layouts).toBeUndefined();
  });
  it('a node that is not a Conv', () => {
    expect(runArenaKernel({ op: 'Relu', inputs: [x] }, { kernel: depthwiseConv }).layouts).toBeUndefined();
  });
});

describe('arena depthwise conv vs TF.js depthwiseConv2d (cpu backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  // TF.js takes strides or dilations > 1, not both.
  const CASES: Case[] = [
    { c: 13, h: 17, w: 16, k: [3, 3], pads: [1, 1, 1, 1] },
    { n: 2, c: 8, h: 16, w: 17, k: [3, 3], s: [2, 2], pads: [0, 0, 1, 1] },
    { c: 32, h: 16, w: 16, k: [5, 5], pads: [2, 2, 2, 2] },
    { c: 5, h: 17, w: 17, k: [5, 5], s: [2, 2], pads: [1, 1, 2, 2] },
    { c: 3, h: 16, w: 17, k: [3, 3], d: [2, 2], pads: [2, 1, 2, 3] },
    { c: 3, h: 7, w: 16, k: [3, 5], m: 2, pads: [1, 2, 1, 2] },
    { c: 13, h: 16, w: 7, k: [7, 7], pads: [3, 3, 3, 3] },
  ];
  it.each(CASES.map((c, i) => [name(c), c, i] as const))('%s', (_, c, i) => {
    const { spec: sp, feeds } = spec(c, 2000 + i);
    const [x, w, b] = feeds as [Tensor, Tensor, Tensor];
    const got = runArenaKernel(sp, { kernel: depthwiseConv }).outputs[0]!;
    const [cout, , kh, kw] = w.shape as number[];
    const m = c.m ?? 1;
    const filter = new Float32Array(w.data.length); // [kh][kw][c][m]
    for (let oc = 0; oc < cout!; oc++)
      for (let t = 0; t < kh! * kw!; t++) filter[t * cout! + oc] = w.data[oc * kh! * kw! + t]!;
    const p = c.pads!;
    const want = tf.tidy(() =>
      tf.add(
        tf.depthwiseConv2d(
          tf.tensor4d(toLayout(x, 'nhwc'), [x.shape[0]!, x.shape[2]!, x.shape[3]!, x.shape[1]!]),
          tf.tensor4d(filter, [kh!, kw!, c.c, m]),
          (c.s ?? [1, 1]) as [number, number],
          [[0, 0], [p[0], p[2]], [p[1], p[3]], [0, 0]],
          'NHWC',
          (c.d ?? [1, 1]) as [number, number],
        ),
        tf.tensor1d(b.data),
      ).dataSync() as Float32Array,
    );
    expectClose(toLayout(got, 'nhwc'), want, name(c), 1e-5, 1e-5);
  });
});
