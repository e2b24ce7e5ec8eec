// The CPU engine's GEMM family (c/gemm.c): pointwise Conv, Gemm and MatMul against the ops' reference kernels over
// awkward sizes, every fused epilogue, split invariance (bitwise) and what each kernel declines.
// Also pointwise Conv and MatMul against TF.js's cpu backend. Tolerance: |fast - ref| ≤ 1e-5·max(1, |ref|) per
// element (inputs in [-1, 1]).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FusedActivation } from '../src/ops/activation.js';
import type { ResolvedNode } from '../src/graph/resolve.js';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import { pointwiseCalls, pointwiseConv } from '../src/cpu/arena/ops/conv-pointwise.js';
import { GEMM_SHAPES } from '../src/cpu/arena/ops/gemm-panels.js';
import type { ArenaKernel, Layout } from '../src/cpu/arena/types.js';
import type { Tensor } from '../src/tensor.js';
import { runArenaKernel, type NodeSpec } from './support/arena-kernel.js';

function random(shape: number[], seed: number): Tensor {
  let s = seed * 2654435761 + 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { shape, data };
}

const ACTS: FusedActivation[] = [
  { kind: 'none' }, { kind: 'relu' }, { kind: 'clip', min: -0.25, max: 0.5 }, { kind: 'sigmoid' },
  { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }, { kind: 'hardswish' }, { kind: 'hardswish', gain: 0.5 },
];

/** `kernel` seeing the node with extra attributes (the fused epilogue the optimiser would set). */
function withAttrs(kernel: ArenaKernel, extra: Record<string, unknown>): ArenaKernel {
  const patch = (rn: ResolvedNode): ResolvedNode => ({ ...rn, attrs: { ...(rn.attrs as object), ...extra } });
  return { layouts: (rn, have, wanted) => kernel.layouts(patch(rn), have, wanted), build: (ctx) => kernel.build({ ...ctx, node: patch(ctx.node) }) };
}

function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  let bad = 0;
  const first: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i]! - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!));
    if (!ok && bad++ < 5) first.push(`[${i}] ${got[i]} vs ${want[i]}`);
  }
  expect(bad, `${what}: ${bad} mismatches, first ${first.join(', ')}`).toBe(0);
}

/**
 * Runs `spec` at split 1, 2 and 3 (bitwise equal), and checks it against the op's reference (with `extra` attrs);
 * with `out`, the planner asks for the output in that layout and the kernel must give it so.
 */
function check(spec: NodeSpec, kernel: ArenaKernel | undefined, what: string, extra: Record<string, unknown> = {}, out?: Layout): void {
  const k = kernel && withAttrs(kernel, extra);
  const runs = [1, 2, 3].map((split) => runArenaKernel(spec, { split, ...(k ? { kernel: k } : {}), ...(out ? { wanted: [out] } : {}) }));
  expect(runs[0]!.layouts, `${what}: declined`).toBeDefined();
  if (out) expect(runs[0]!.layouts!.outputs[0], `${what}: output layout`).toBe(out);
  const got = runs[0]!.outputs[0]!;
  for (const r of runs.slice(1)) expect(Buffer.from(r.outputs[0]!.data.buffer).equals(Buffer.from(got.data.buffer)), `${what}: split`).toBe(true);
  const rn = runs[0]!.rn;
  const values = spec.inputs.map((x) => (x === undefined ? undefined : 'constant' in x ? x.constant : x));
  const want = rn.def.reference(values as never, { ...(rn.attrs as object), ...extra })[0] as Tensor;
  expect(got.shape).toEqual([...want.shape]);
  expectClose(got.data, want.data, what);
}

const conv = (n: number, cin: number, h: number, w: number, cout: number, o: { stride?: number[]; bias?: boolean; residual?: boolean; seed?: number } = {}): NodeSpec => {
  const seed = o.seed ?? cin * 31 + cout;
  const [sh, sw] = o.stride ?? [1, 1];
  const ho = Math.floor((h - 1) / sh!) + 1;
  const wo = Math.floor((w - 1) / sw!) + 1;
  return {
    op: 'Conv',
    attrs: { strides: [sh, sw] },
    inputs: [
      random([n, cin, h, w], seed),
      { constant: random([cout, cin, 1, 1], seed + 1) },
      o.bias === false ? undefined : { constant: random([cout], seed + 2) },
      ...(o.residual ? [random([n, cout, ho, wo], seed + 3)] : []),
    ],
  };
};

describe('pointwise Conv (NHWC GEMM)', () => {
  const sizes: [number, number, number, number, number][] = [
    [1, 1, 1, 1, 1], [1, 3, 5, 7, 8], [2, 7, 3, 5, 9], [1, 9, 4, 4, 17], [2, 17, 6, 3, 33], [1, 33, 5, 5, 3],
    [1, 257, 3, 3, 7], [1, 8, 9, 9, 257], [2, 16, 8, 8, 16], [1, 4, 1, 13, 24],
  ];
  it.each(sizes)('x %i×%i×%i×%i, Cout %i, stride 1, with and without bias', (n, cin, h, w, cout) => {
    check(conv(n, cin, h, w, cout), pointwiseConv, 'bias');
    check(conv(n, cin, h, w, cout, { bias: false }), pointwiseConv, 'no bias');
  });

  it.each([[[2, 2]], [[2, 1]], [[1, 3]], [[3, 2]]])('stride %j over odd sizes, batch 2', (stride) => {
    for (const [n, cin, h, w, cout] of [[2, 5, 7, 9, 11], [2, 16, 8, 8, 8], [1, 33, 5, 6, 17]] as const)
      check(conv(n, cin, h, w, cout, { stride }), pointwiseConv, `${n}×${cin}×${h}×${w}→${cout} s${stride}`);
  });

  it.each(ACTS.map((a) => [a.kind, a]))('activation %s, alone and before a residual with every post activation', (_k, act) => {
    check(conv(2, 9, 5, 3, 13), pointwiseConv, 'act', { act });
    for (const post of ACTS)
      check(conv(2, 9, 5, 3, 13, { residual: true }), pointwiseConv, `act then residual then ${post.kind}`, { act, residual: true, post });
    check(conv(2, 7, 7, 5, 10, { residual: true, stride: [2, 2] }), pointwiseConv, 'strided residual', { act, residual: true, post: { kind: 'relu' } });
  });

  it('writes over its residual (in place) as it would write elsewhere', () => {
    // the residual's slot is the output's, holding the residual's values (copied in by a first call)
    const inPlace = (extra: Record<string, unknown>): ArenaKernel => withAttrs({
      layouts: pointwiseConv.layouts,
      build: (ctx) => {
        const out = ctx.output(0);
        const res = ctx.input(3)!;
        const n = out.shape.reduce((x, d) => x * d, 1);
        return [{ fn: 'copy', args: [out.offset, res.offset, n] }, ...pointwiseCalls({ ...ctx, input: (i) => (i === 3 ? { ...res, offset: out.offset } : ctx.input(i)) })];
      },
    }, extra);
    for (const act of ACTS) {
      const extra = { act, residual: true, post: { kind: 'relu' } };
      check(conv(2, 9, 5, 3, 13, { residual: true }), inPlace(extra), `in place ${act.kind}`, extra);
    }
  });

  it('declines what it does not compute', () => {
    const x = random([1, 4, 5, 5], 1);
    const decline = (spec: NodeSpec) => expect(runArenaKernel(spec, { kernel: pointwiseConv }).layouts).toBeUndefined();
    decline({ op: 'Conv', attrs: { group: 2 }, inputs: [x, { constant: random([4, 2, 1, 1], 2) }] });
    decline({ op: 'Conv', inputs: [x, { constant: random([4, 4, 3, 3], 2) }] });
    decline({ op: 'Conv', attrs: { pads: [1, 0, 1, 0] }, inputs: [x, { constant: random([4, 4, 1, 1], 2) }] });
    decline({ op: 'Conv', inputs: [x, random([4, 4, 1, 1], 2)] });
    decline({ op: 'Conv', inputs: [x, { constant: random([4, 4, 1, 1], 2) }, random([4], 3)] });
    // dilation is irrelevant to a 1×1 kernel
    check({ op: 'Conv', attrs: { dilations: [2, 3] }, inputs: [x, { constant: random([6, 4, 1, 1], 2) }] }, pointwiseConv, 'dilated');
  });
});

describe('pointwise Conv writing its output NCHW (a graph output: c/gemm.c trans)', () => {
  // odd pixel counts (short row blocks), channels not a multiple of 4 or 8, batch 2, strides
  const sizes: [number, number, number, number, number][] = [
    [1, 1, 1, 1, 1], [1, 3, 5, 7, 8], [2, 7, 3, 5, 9], [1, 9, 4, 4, 17], [2, 17, 6, 3, 33], [1, 33, 5, 5, 3],
    [2, 16, 8, 8, 16], [1, 4, 1, 13, 6], [2, 5, 3, 3, 2],
  ];
  it.each(sizes)('x %i×%i×%i×%i, Cout %i, stride 1 and 2, with and without bias', (n, cin, h, w, cout) => {
    check(conv(n, cin, h, w, cout), pointwiseConv, 'bias', {}, 'plain');
    check(conv(n, cin, h, w, cout, { bias: false }), pointwiseConv, 'no bias', {}, 'plain');
    check(conv(n, cin, h, w, cout, { stride: [2, 2] }), pointwiseConv, 's2', {}, 'plain');
    check(conv(n, cin, h, w, cout, { stride: [1, 3] }), pointwiseConv, 's1,3', {}, 'plain');
  });

  it.each(ACTS.map((a) => [a.kind, a]))('activation %s, alone and before an NCHW residual with every post activation', (_k, act) => {
    check(conv(2, 9, 5, 3, 13), pointwiseConv, 'act', { act }, 'plain');
    for (const post of ACTS)
      check(conv(2, 9, 5, 3, 13, { residual: true }), pointwiseConv, `act then residual then ${post.kind}`, { act, residual: true, post }, 'plain');
    check(conv(2, 7, 7, 5, 10, { residual: true, stride: [2, 2] }), pointwiseConv, 'strided residual', { act, residual: true, post: { kind: 'relu' } }, 'plain');
  });

  it('keeps NHWC where the residual is NHWC (converting it would cost what the output saves)', () => {
    const spec = conv(1, 4, 3, 3, 5, { residual: true });
    const run = runArenaKernel(spec, { kernel: withAttrs(pointwiseConv, { residual: true }), have: ['nhwc', undefined, undefined, 'nhwc'], wanted: ['plain'] });
    expect(run.layouts?.outputs).toEqual(['nhwc']);
  });
});

describe('every microkernel shape of c/gemm.c', () => {
  it.each(GEMM_SHAPES.map((s) => [`${s.mr}x${s.nr}${s.loadsplat ? ' loadsplat' : ''}`, s]))('%s: row and column tails, stride 2, residual', (_name, shape) => {
    const kernel: ArenaKernel = { layouts: pointwiseConv.layouts, build: (ctx) => pointwiseCalls(ctx, shape) };
    for (const [n, cin, h, w, cout] of [[1, 1, 1, 1, 1], [2, 7, 3, 5, 9], [1, 33, 5, 5, 17], [1, 5, 4, 4, 40], [2, 16, 7, 3, 3]] as const) {
      check(conv(n, cin, h, w, cout), kernel, `${n}×${cin}×${h}×${w}→${cout}`);
      check(conv(n, cin, h, w, cout, { stride: [2, 2] }), kernel, `${n}×${cin}×${h}×${w}→${cout} s2`);
      check(conv(n, cin, h, w, cout, { residual: true }), kernel, 'residual relu6', { act: { kind: 'clip', min: 0, max: 6 }, residual: true, post: { kind: 'relu' } });
      check(conv(n, cin, h, w, cout, { residual: true }), kernel, 'hardswish residual', { act: { kind: 'hardswish' }, residual: true });
    }
  });
});

describe('Gemm (constant B)', () => {
  const dims = [1, 3, 7, 9, 17, 33, 257];
  it.each(dims)('M %i over every N, K of the awkward sizes, transB both ways', (M) => {
    for (const N of dims)
      for (const K of dims) {
        if (M * N * K > 257 * 33 * 17) continue;
        const transB = (M + N + K) % 2 === 1;
        const spec: NodeSpec = { op: 'Gemm', attrs: { transB: +transB }, inputs: [random([M, K], M + N), { constant: random(transB ? [N, K] : [K, N], K) }] };
        check(spec, undefined, `M${M} N${N} K${K} transB ${transB}`);
      }
  });

  it.each<[string, (M: number, N: number) => number[]]>([
    ['scalar', () => []], ['[N]', (_M, N) => [N]], ['[1, N]', (_M, N) => [1, N]], ['[M, 1]', (M) => [M, 1]],
    ['[M, N]', (M, N) => [M, N]], ['[1, 1]', () => [1, 1]],
  ])('alpha, beta and a constant C %s', (_name, cs) => {
    const [M, N, K] = [9, 17, 7];
    check({ op: 'Gemm', attrs: { alpha: 0.5, beta: -2 }, inputs: [random([M, K], 1), { constant: random([K, N], 2) }, { constant: random(cs(M, N), 3) }] }, undefined, 'C');
  });

  it('a non-constant C [M, N] with beta 1, and every fused activation after it', () => {
    const [M, N, K] = [33, 9, 17];
    for (const act of ACTS)
      check({ op: 'Gemm', attrs: { transB: 1 }, inputs: [random([M, K], 1), { constant: random([N, K], 2) }, random([M, N], 3)] }, ARENA_KERNELS.get('Gemm')!, act.kind, { act });
  });

  it('declines transA, a non-constant B and a non-constant C it cannot read as a residual', () => {
    const decline = (spec: NodeSpec) => expect(runArenaKernel(spec).layouts).toBeUndefined();
    decline({ op: 'Gemm', attrs: { transA: 1 }, inputs: [random([4, 3], 1), { constant: random([4, 5], 2) }] });
    decline({ op: 'Gemm', inputs: [random([3, 4], 1), random([4, 5], 2)] });
    decline({ op: 'Gemm', inputs: [random([3, 4], 1), { constant: random([4, 5], 2) }, random([5], 3)] });
    decline({ op: 'Gemm', attrs: { beta: 0.5 }, inputs: [random([3, 4], 1), { constant: random([4, 5], 2) }, random([3, 5], 3)] });
  });
});

describe('MatMul (constant 2-D B)', () => {
  it.each([[[1, 1], 1], [[3, 7], 9], [[2, 3, 17], 33], [[2, 2, 5, 9], 3], [[257, 7], 17], [[1, 33], 257]])('A %j × B [K, %i]', (as, N) => {
    const K = as[as.length - 1]!;
    check({ op: 'MatMul', inputs: [random(as, K), { constant: random([K, N], N) }] }, undefined, `${as} x ${N}`);
  });

  it('declines a 1-D A, a batched or non-constant B', () => {
    const decline = (spec: NodeSpec) => expect(runArenaKernel(spec).layouts).toBeUndefined();
    decline({ op: 'MatMul', inputs: [random([4], 1), { constant: random([4, 5], 2) }] });
    decline({ op: 'MatMul', inputs: [random([2, 3, 4], 1), { constant: random([2, 4, 5], 2) }] });
    decline({ op: 'MatMul', inputs: [random([3, 4], 1), random([4, 5], 2)] });
  });
});

describe('against TF.js (cpu backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([[1, 3, 5, 7, 8, 1], [2, 17, 6, 9, 33, 2], [1, 33, 9, 4, 7, 3], [2, 96, 8, 8, 24, 1]])('pointwise conv %i×%i×%i×%i → %i, stride %i, bias and relu6', (n, cin, h, w, cout, s) => {
    const spec = conv(n, cin, h, w, cout, { stride: [s, s] });
    const act: FusedActivation = { kind: 'clip', min: 0, max: 6 };
    const got = runArenaKernel(spec, { kernel: withAttrs(pointwiseConv, { act }) }).outputs[0]!;
    const [x, wt, b] = spec.inputs as [Tensor, { constant: Tensor }, { constant: Tensor }];
    const want = tf.tidy(() => {
      const xt = tf.tensor4d(x.data, [n, cin, h, w]).transpose([0, 2, 3, 1]) as tf.Tensor4D;
      const wt4 = tf.tensor4d(wt.constant.data, [cout, cin, 1, 1]).transpose([2, 3, 1, 0]) as tf.Tensor4D;
      return tf.relu6(tf.conv2d(xt, wt4, s, 'valid').add(tf.tensor1d(b.constant.data))).transpose([0, 3, 1, 2]).dataSync() as Float32Array;
    });
    expectClose(got.data, want, 'TF.js conv2d');
  });

  it.each([[1, 7, 9], [33, 17, 257], [257, 96, 24]])('MatMul %i×%i by %i', (M, K, N) => {
    const a = random([M, K], 5);
    const b = random([K, N], 6);
    const got = runArenaKernel({ op: 'MatMul', inputs: [a, { constant: b }] }).outputs[0]!;
    const want = tf.tidy(() => tf.matMul(tf.tensor2d(a.data, [M, K]), tf.tensor2d(b.data, [K, N])).dataSync() as Float32Array);
    expectClose(got.data, want, 'TF.js matMul');
  });
});
