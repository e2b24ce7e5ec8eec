// The implicit-GEMM wasm convolution (src/cpu/conv-igemm.ts + wasm-conv.ts) against the reference Conv, and against the
// im2col + GEMM path it replaces (the option igemm: false), over the shapes where its edge handling lives: few input
// channels, Cout not a multiple of MR, widths that are not multiples of 8 or 4 (lane-by-lane row tails), 1x1
// outputs, stride 2 with odd sizes (de-interleaved rows), asymmetric pads, 5x5 / 7x7 / 9x9 / 1xk / kx1 kernels,
// dilation, vertical stride != horizontal, groups, batch 2, fused activations (clamped in the kernel or applied
// after) and NaN/Inf.
import { describe, expect, it } from 'vitest';
import { igemmConvFits } from '../src/cpu/conv-igemm.js';
import { wasm } from '../src/cpu/wasm-kernels.js';
import type { Node } from '../src/graph/ir.js';
import type { FusedActivation } from '../src/ops/activation.js';
import { Conv } from '../src/ops/conv.js';
import { NodeCtx } from '../src/ops/types.js';
import type { Tensor } from '../src/tensor.js';
import { convOp } from './support/conv-op.js';
import { rng } from './support/conv-sweep.js';
import { expectClose as expectCloseAt, uniform } from './support/expect-close.js';
import { cpuKernel } from '../src/cpu/kernels.js';

const r = rng(23);
const rand = (n: number) => uniform(r, n);

// float32 accumulation over up to Cin·k·k = 245 taps of values in [-1, 1] against the reference's float64
const expectClose = (a: Float32Array, e: Float32Array, what: string, atol = 2e-5, rtol = 2e-5) => expectCloseAt(a, e, what, atol, rtol);



const acts: FusedActivation[] = [
  { kind: 'none' }, { kind: 'relu' }, { kind: 'clip', min: 0, max: 6 }, { kind: 'clip', min: -0.5, max: 0.25 }, { kind: 'hardswish' },
];

// name, N, Cin, Cout, H, W, kh, kw, pads [t, l, b, r], strides [sh, sw], group, dilations
type Case = [string, number, number, number, number, number, number, number, number[], number[], number, number[]];
const cases: Case[] = [];
const add = (N: number, Cin: number, Cout: number, H: number, W: number, kh: number, kw: number, pads: number[], s: number[], g = 1, d = [1, 1]) =>
  cases.push([`${N}x${Cin}x${H}x${W} -> ${Cout}, ${kh}x${kw} s${s.join('/')} d${d.join('/')} pads ${pads.join(',')} g${g}`, N, Cin, Cout, H, W, kh, kw, pads, s, g, d]);
for (const s of [1, 2])
  for (const [Cin, Cout] of [[1, 4], [3, 8], [5, 7], [4, 1], [3, 13]])
    for (const [H, W] of [[1, 1], [5, 9], [7, 7], [9, 12], [6, 17], [11, 4], [3, 31]]) {
      add(Cin === 3 ? 2 : 1, Cin, Cout, H, W, 3, 3, [1, 1, 1, 1], [s, s]);
      if ((H + W) % 2) add(1, Cin, Cout, H, W, 3, 3, [0, 1, 2, 0], [s, s]);
    }
// valid 3x3 (output smaller than input), 1x1 output
add(1, 4, 8, 5, 5, 3, 3, [0, 0, 0, 0], [1, 1]);
add(1, 4, 8, 3, 3, 3, 3, [0, 0, 0, 0], [1, 1]);
add(1, 6, 5, 4, 4, 3, 3, [0, 0, 0, 0], [2, 2]);
// larger and 1-D kernels, kernels wider than the input
for (const s of [1, 2]) {
  add(1, 3, 6, 13, 15, 5, 5, [2, 2, 2, 2], [s, s]);
  add(1, 5, 4, 12, 19, 7, 7, [3, 3, 3, 3], [s, s]);
  add(2, 2, 9, 9, 10, 1, 7, [0, 3, 0, 3], [s, s]);
  add(1, 4, 4, 10, 9, 7, 1, [3, 0, 3, 0], [s, s]);
  add(1, 3, 5, 8, 11, 1, 3, [0, 1, 0, 1], [s, s]);
  add(1, 3, 5, 8, 11, 3, 1, [1, 0, 1, 0], [s, s]);
  add(1, 2, 4, 4, 3, 5, 5, [2, 2, 2, 2], [s, s]);
  add(1, 3, 8, 7, 9, 2, 2, [0, 0, 1, 1], [s, s]);
  add(1, 3, 8, 7, 9, 4, 6, [1, 2, 2, 3], [s, s]);
  add(1, 8, 8, 9, 9, 1, 1, [0, 0, 0, 0], [2, s]);
  add(1, 5, 6, 9, 6, 1, 1, [1, 0, 0, 2], [s, s]);
}
// dilation (taps spread over rows and, for stride 2, over both halves of a de-interleaved row), a 9x9 kernel
for (const s of [1, 2]) {
  add(1, 3, 5, 12, 13, 3, 3, [2, 2, 2, 2], [s, s], 1, [2, 2]);
  add(1, 3, 4, 12, 13, 3, 3, [2, 3, 2, 3], [s, s], 1, [2, 3]);
  add(1, 2, 4, 15, 17, 9, 9, [4, 4, 4, 4], [s, s]);
}
// vertical stride differs from horizontal, grouped convs (og a multiple of MR or not)
add(1, 3, 4, 11, 10, 3, 3, [1, 1, 1, 1], [2, 1]);
add(1, 3, 4, 11, 10, 3, 3, [1, 1, 1, 1], [3, 2]);
add(1, 8, 8, 9, 11, 3, 3, [1, 1, 1, 1], [1, 1], 2);
add(2, 6, 9, 10, 7, 3, 3, [1, 1, 1, 1], [2, 2], 3);
add(1, 8, 16, 8, 8, 5, 5, [2, 2, 2, 2], [1, 1], 4);
// a bigger one that spans several 8-column blocks and channel blocks
add(1, 16, 24, 20, 37, 3, 3, [1, 1, 1, 1], [1, 1]);
add(1, 16, 24, 21, 37, 3, 3, [1, 1, 1, 1], [2, 2]);

describe('implicit-GEMM wasm conv matches the reference Conv and im2col', () => {
  it('has the wasm kernels in this Node', () => {
    expect(wasm()).toBeDefined();
  });

  it.each(cases)('%s', (_name, N, Cin, Cout, H, W, kh, kw, pads, strides, group, dilations) => {
    const x: Tensor = { shape: [N, Cin, H, W], data: rand(N * Cin * H * W) };
    const w: Tensor = { shape: [Cout, Cin / group, kh, kw], data: rand((Cout * Cin * kh * kw) / group) };
    const withBias = (H + W + Cout) % 3 !== 0;
    const b: Tensor | null = withBias ? { shape: [Cout], data: rand(Cout) } : null;
    const act = acts[(H * 7 + W + kh + strides[1]!) % acts.length]!;
    const c = convOp(x, w, b, { group, pads, strides, dilations }, { act });
    expect(igemmConvFits(c.a), 'implicit-GEMM kernel covers the case').toBe(true);
    const want = c.ref();
    expectClose(c.fast(), want, 'implicit GEMM');
    // the weights are packed once per array: a second run reuses the panels
    expectClose(c.fast(), want, 'implicit GEMM, packed weights reused');
    expectClose(c.fast({ igemm: false }), want, 'im2col');
  });

  it('propagates NaN and Inf from the input through every tap', () => {
    for (const s of [1, 2]) {
      const x: Tensor = { shape: [1, 3, 7, 10], data: rand(210) };
      x.data[12] = NaN;
      x.data[70 + 33] = Infinity;
      const w: Tensor = { shape: [5, 3, 3, 3], data: rand(135) };
      const c = convOp(x, w, null, { pads: [1, 1, 1, 1], strides: [s, s] });
      expectClose(c.fast(), c.ref(), `stride ${s}`);
    }
  });

  it('repacks a weight that is not a load-time constant on every run (its buffer may be refilled)', () => {
    const x: Tensor = { shape: [1, 3, 9, 10], data: rand(270) };
    const w: Tensor = { shape: [5, 3, 3, 3], data: rand(135) };
    const n: Node = { name: 'c', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } };
    const a = Conv.parse(new NodeCtx(n, [x.shape, w.shape], [x, undefined]));
    expect(a.constWeights).toBeUndefined();
    const run = () => (cpuKernel(Conv)([x, w], a)[0] as Tensor).data;
    const ref = () => (Conv.reference([x, w], a)[0] as Tensor).data;
    expectClose(run(), ref(), 'first weights');
    w.data.set(rand(135));
    expectClose(run(), ref(), 'same array, new weights');
  });

  it('leaves horizontal strides over 2 to im2col, still correct', () => {
    const x: Tensor = { shape: [1, 3, 12, 13], data: rand(468) };
    const s3 = convOp(x, { shape: [4, 3, 3, 3], data: rand(108) }, null, { pads: [1, 1, 1, 1], strides: [1, 3] });
    expect(igemmConvFits(s3.a)).toBe(false);
    expectClose(s3.fast(), s3.ref(), 'stride 1/3');
  });
});
