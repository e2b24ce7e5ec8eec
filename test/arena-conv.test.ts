// The CPU engine's regular conv (c/conv.c via ops/conv-general.ts) and ConvTranspose (c/convt.c via
// ops/convtranspose.ts) against the reference kernels (src/ops/conv.ts, convtranspose.ts) over awkward shapes,
// every fused epilogue, the split of tiled calls (bitwise), and the nodes they decline.
// Tolerance: |got − ref| ≤ 1e-5·max(1, |ref|) (f32 sums in another order than the reference's).
import { describe, expect, it } from 'vitest';
import type { AttrValue } from '../src/graph/ir.js';
import type { ResolvedNode } from '../src/graph/resolve.js';
import type { FusedActivation } from '../src/ops/activation.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import type { ConvTransposeAttrs } from '../src/ops/convtranspose.js';
import { isPatchTiling } from '../src/cpu/arena/ops/convtranspose.js';
import { generalConv } from '../src/cpu/arena/ops/conv-general.js';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import type { ArenaKernel, Layout } from '../src/cpu/arena/types.js';
import type { Tensor } from '../src/tensor.js';
import { rand } from './support/op-check.js';
import { runArenaKernel, type NodeSpec } from './support/arena-kernel.js';
import { compareToFixture, describeComparison, loadFixture } from './support/fixtures.js';

function expectClose(got: Tensor, want: Tensor, name: string): void {
  expect(got.shape, name).toEqual(want.shape);
  let bad = 0;
  const lines: string[] = [];
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i]! - want.data[i]!);
    if (!(d <= 1e-5 * Math.max(1, Math.abs(want.data[i]!)))) {
      if (++bad <= 5) lines.push(`[${i}] got ${got.data[i]} want ${want.data[i]}`);
    }
  }
  expect(lines, `${name}: ${bad} of ${want.data.length} off`).toEqual([]);
}

/** The kernel with the optimiser's fused attributes set on the node (act, residual, post). */
function fused(k: ArenaKernel, extra: Partial<ConvAttrs>): ArenaKernel {
  const set = (rn: ResolvedNode) => (Object.assign(rn.attrs as object, extra), rn);
  return { layouts: (rn, have, wanted) => k.layouts(set(rn), have, wanted), build: (ctx) => k.build({ ...ctx, node: set(ctx.node) }) };
}

function reference(run: ReturnType<typeof runArenaKernel>, spec: NodeSpec): Tensor {
  const ins = spec.inputs.map((x) => (x && 'constant' in x ? x.constant : x));
  return run.rn.def.reference(ins as never, run.rn.attrs)[0] as Tensor;
}

interface ConvCase {
  x: number[];
  w: number[];
  attrs?: Record<string, AttrValue>;
  bias?: boolean;
  act?: FusedActivation;
  residual?: boolean;
  post?: FusedActivation;
}

const ACTS: FusedActivation[] = [
  { kind: 'none' }, { kind: 'relu' }, { kind: 'clip', min: -0.5, max: 1.5 }, { kind: 'sigmoid' },
  { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }, { kind: 'hardswish' }, { kind: 'hardswish', gain: 0.5 },
];

const name = (c: ConvCase) =>
  `x=${c.x.join('x')},w=${c.w.join('x')},${JSON.stringify(c.attrs ?? {})}${c.bias ? ',bias' : ''}${c.act ? `,${c.act.kind}` : ''}${c.residual ? ',res' : ''}${c.post ? `,post=${c.post.kind}` : ''}`;

function convSpec(c: ConvCase, seed: number): NodeSpec {
  const x = rand(c.x, seed);
  const w = rand(c.w, seed + 1, -1, 1);
  const cout = c.w[0]!;
  const inputs: NodeSpec['inputs'] = [x, { constant: w }, c.bias ? { constant: rand([cout], seed + 2) } : undefined];
  return { op: 'Conv', attrs: c.attrs, inputs };
}

/** With `out`, the planner asks for the output in that layout (a graph output: 'plain') and the kernel must give it so. */
function checkConv(c: ConvCase, seed: number, split = 1, out?: Layout): Tensor {
  const spec = convSpec(c, seed);
  const extra: Partial<ConvAttrs> = { act: c.act ?? { kind: 'none' } };
  if (c.residual) {
    // the residual's shape is the output's: resolve once to learn it
    const probe = runArenaKernel(spec, { kernel: fused(generalConv, extra) });
    spec.inputs[3] = rand(probe.rn.outputShapes[0]!, seed + 3);
    Object.assign(extra, { residual: true, post: c.post });
  }
  const run = runArenaKernel(spec, { kernel: fused(generalConv, extra), split, ...(out ? { wanted: [out] } : {}) });
  expect(run.layouts, name(c)).toBeDefined();
  if (out) expect(run.layouts!.outputs[0], `${name(c)}: output layout`).toBe(out);
  expectClose(run.outputs[0]!, reference(run, spec), name(c));
  return run.outputs[0]!;
}

const CONVS: ConvCase[] = [];
for (const cin of [1, 3, 5, 16])
  for (const cout of [1, 7, 8, 17])
    CONVS.push({ x: [1, cin, 7, 9], w: [cout, cin, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true });
CONVS.push(
  { x: [1, 3, 11, 13], w: [24, 3, 5, 5], attrs: { strides: [2, 2], pads: [1, 1, 2, 2] }, bias: true, act: { kind: 'relu' } },
  { x: [1, 3, 16, 17], w: [16, 3, 3, 3], attrs: { strides: [2, 2], pads: [0, 0, 1, 1] }, bias: true, act: { kind: 'hardswish' } },
  { x: [2, 5, 8, 6], w: [7, 5, 2, 2], attrs: { strides: [2, 2] } },
  { x: [1, 4, 9, 10], w: [9, 4, 3, 1], attrs: { pads: [1, 0, 1, 0] }, bias: true },
  { x: [1, 6, 11, 12], w: [8, 6, 3, 3], attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] }, bias: true },
  { x: [1, 5, 9, 9], w: [17, 5, 3, 3], attrs: { dilations: [2, 1], strides: [1, 2], pads: [0, 2, 3, 1] } },
  { x: [1, 8, 7, 7], w: [6, 4, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] }, bias: true },
  { x: [2, 6, 6, 5], w: [10, 3, 5, 5], attrs: { group: 2, strides: [2, 2], pads: [2, 1, 0, 2] }, bias: true },
  { x: [2, 16, 5, 6], w: [7, 16, 3, 3], attrs: { pads: [0, 1, 2, 0] }, bias: true },
  { x: [1, 3, 3, 2], w: [5, 3, 5, 5], attrs: { pads: [2, 2, 2, 2] } },
  { x: [1, 8, 6, 6], w: [8, 1, 3, 3], attrs: { group: 8, pads: [1, 1, 1, 1] }, bias: true },
  { x: [1, 8, 5, 5], w: [12, 8, 1, 1], bias: true },
  { x: [1, 8, 5, 5], w: [12, 8, 1, 1], attrs: { strides: [2, 2] }, bias: true },
  // the conv3x3 workload's channels (32 → 64) at an awkward size: rows of 4-pixel blocks plus 1, 2 or 3 pixels
  { x: [1, 32, 13, 11], w: [64, 32, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, act: { kind: 'relu' } },
  { x: [2, 32, 7, 10], w: [64, 32, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, act: { kind: 'relu' }, residual: true },
  { x: [1, 32, 9, 9], w: [64, 32, 3, 3], attrs: { pads: [0, 1, 2, 0] } },
);

describe('arena Conv (general)', () => {
  it('matches the reference over channels, kernels, strides, dilations, pads, groups, batch', () => {
    CONVS.forEach((c, i) => checkConv(c, i + 1));
  });

  it('every activation, with and without a residual and an activation after it', () => {
    ACTS.forEach((act, i) => {
      checkConv({ x: [2, 5, 6, 7], w: [11, 5, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, act }, 100 + i);
      checkConv({ x: [1, 3, 9, 8], w: [9, 3, 3, 3], attrs: { strides: [2, 2], pads: [0, 1, 1, 0] }, bias: true, act, residual: true }, 200 + i);
      checkConv({ x: [1, 4, 5, 6], w: [6, 4, 3, 3], attrs: { pads: [1, 1, 1, 1] }, act: { kind: 'relu' }, residual: true, post: act }, 300 + i);
    });
  });

  it('is bitwise the same split in 1, 2 or 3 ranges', () => {
    for (const [i, c] of [CONVS[5]!, CONVS[17]!, CONVS[22]!, { ...CONVS[0]!, residual: true, act: ACTS[5] }, CONVS[CONVS.length - 2]!].entries()) {
      const one = checkConv(c, 400 + i, 1);
      for (const split of [2, 3]) expect(checkConv(c, 400 + i, split).data, `${name(c)} split ${split}`).toEqual(one.data);
    }
  });

  it('writes its output NCHW where the planner asks (a graph output), residual and all, split in 1, 2 or 3', () => {
    // the same sums as NHWC, stored elsewhere: bitwise the NHWC results
    const same = (c: ConvCase, seed: number, split = 1) =>
      expect(checkConv(c, seed, split, 'plain').data, `${name(c)} NCHW split ${split}`).toEqual(checkConv(c, seed).data);
    CONVS.forEach((c, i) => same(c, i + 1));
    ACTS.forEach((act, i) => {
      same({ x: [2, 5, 6, 7], w: [11, 5, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, act }, 100 + i);
      same({ x: [1, 3, 9, 8], w: [9, 3, 3, 3], attrs: { strides: [2, 2], pads: [0, 1, 1, 0] }, bias: true, act, residual: true }, 200 + i);
      same({ x: [1, 4, 5, 6], w: [6, 4, 3, 3], attrs: { pads: [1, 1, 1, 1] }, act: { kind: 'relu' }, residual: true, post: act }, 300 + i);
    });
    for (const [i, c] of [CONVS[5]!, CONVS[22]!, { ...CONVS[0]!, residual: true, act: ACTS[5] }, CONVS[CONVS.length - 2]!].entries())
      for (const split of [2, 3]) same(c, 400 + i, split);
  });

  it('declines non-constant weights or bias', () => {
    const spec = convSpec({ x: [1, 3, 5, 5], w: [4, 3, 3, 3] }, 1);
    const w = spec.inputs[1] as { constant: Tensor };
    expect(runArenaKernel({ ...spec, inputs: [spec.inputs[0], w.constant] }, { kernel: generalConv }).layouts).toBeUndefined();
    const b = rand([4], 3);
    expect(runArenaKernel({ ...spec, inputs: [spec.inputs[0], w, b] }, { kernel: generalConv }).layouts).toBeUndefined();
  });
});

interface CtCase {
  x: number[];
  w: number[];
  attrs?: Record<string, AttrValue>;
  bias?: boolean;
}

const CTS: CtCase[] = [
  { x: [1, 16, 6, 7], w: [16, 1, 2, 2], attrs: { strides: [2, 2] }, bias: true },
  { x: [2, 5, 5, 3], w: [5, 7, 2, 2], attrs: { strides: [2, 2] }, bias: true },
  { x: [1, 3, 4, 5], w: [3, 3, 3, 2], attrs: { strides: [3, 2] } },
  { x: [1, 6, 5, 6], w: [6, 5, 2, 2], attrs: { strides: [2, 2], group: 2 }, bias: true },
  { x: [1, 4, 5, 6], w: [4, 9, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true },
  { x: [2, 4, 5, 6], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 0, 0, 2], output_padding: [1, 1] }, bias: true },
  { x: [1, 4, 4, 4], w: [4, 2, 2, 2], attrs: { strides: [2, 2], output_padding: [1, 0] }, bias: true },
  { x: [1, 6, 4, 5], w: [6, 2, 3, 2], attrs: { strides: [2, 3], group: 3, pads: [1, 0, 2, 1] }, bias: true },
  { x: [1, 4, 3, 4], w: [4, 1, 3, 3], attrs: { group: 4, dilations: [2, 2], strides: [2, 1] } },
  { x: [1, 8, 3, 4], w: [8, 3, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] }, bias: true },
  { x: [1, 2, 1, 1], w: [2, 3, 5, 4], attrs: {} },
  { x: [2, 5, 3, 13], w: [5, 10, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, bias: true },
  { x: [1, 3, 4, 9], w: [3, 4, 4, 4], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true },
  // output_shape past the full extent: negative pads, rows and columns only the bias reaches
  { x: [1, 3, 4, 4], w: [3, 2, 3, 3], attrs: { strides: [2, 2], output_shape: [11, 12] }, bias: true },
];

const ctName = (c: CtCase) => `x=${c.x.join('x')},w=${c.w.join('x')},${JSON.stringify(c.attrs ?? {})}${c.bias ? ',bias' : ''}`;

function checkCt(c: CtCase, seed: number, split = 1): Tensor {
  const cout = c.w[1]! * ((c.attrs?.group as number | undefined) ?? 1);
  const spec: NodeSpec = {
    op: 'ConvTranspose', attrs: c.attrs,
    inputs: [rand(c.x, seed), { constant: rand(c.w, seed + 1, -1, 1) }, c.bias ? { constant: rand([cout], seed + 2) } : undefined],
  };
  const run = runArenaKernel(spec, { split });
  expect(run.layouts, ctName(c)).toBeDefined();
  expectClose(run.outputs[0]!, reference(run, spec), ctName(c));
  return run.outputs[0]!;
}

describe('arena ConvTranspose', () => {
  it('matches the reference: kernel = stride (scattered patches) and overlapping taps, pads, output_padding, groups, dilation', () => {
    CTS.forEach((c, i) => checkCt(c, 500 + i));
  });

  it('takes the patch path exactly where kernel = stride and nothing else', () => {
    const tiling = CTS.map((c) => {
      const run = runArenaKernel({ op: 'ConvTranspose', attrs: c.attrs, inputs: [rand(c.x, 1), { constant: rand(c.w, 2) }] });
      return isPatchTiling(run.rn.attrs as ConvTransposeAttrs, c.x.slice(2));
    });
    expect(tiling).toEqual([true, true, true, true, false, false, false, false, false, false, false, false, false, false]);
  });

  it('is bitwise the same split in 1, 2 or 3 ranges', () => {
    for (const [i, c] of [CTS[0]!, CTS[1]!, CTS[5]!, CTS[7]!, CTS[11]!].entries()) {
      const one = checkCt(c, 600 + i, 1);
      for (const split of [2, 3]) expect(checkCt(c, 600 + i, split).data, `${ctName(c)} split ${split}`).toEqual(one.data);
    }
  });

  it('declines non-constant weights or bias', () => {
    const x = rand([1, 4, 3, 3], 1);
    const w = rand([4, 2, 2, 2], 2);
    expect(runArenaKernel({ op: 'ConvTranspose', attrs: { strides: [2, 2] }, inputs: [x, w] }).layouts).toBeUndefined();
    const b = rand([2], 3);
    expect(runArenaKernel({ op: 'ConvTranspose', attrs: { strides: [2, 2] }, inputs: [x, { constant: w }, b] }).layouts).toBeUndefined();
    expect(ARENA_KERNELS.get('ConvTranspose')).toBeDefined();
  });
});

describe('arena Conv and ConvTranspose against PyTorch (fixtures, their atol/rtol)', () => {
  const FIXTURES = [
    'conv_dilation2', 'conv_grouped_g3', 'conv_regular_3x8_k3', 'conv_same_k4_autopad', 'conv_same_k4_pads',
    'conv_stride2_k5_batch2', 'conv_stride3_k3_p0', 'convtranspose_dil2', 'convtranspose_k4_s2_nobias', 'convtranspose_s2_p1_op1',
  ];
  it.each(FIXTURES)('%s', (name) => {
    const fx = loadFixture(name);
    expect(fx.graph.nodes.length, name).toBe(1);
    const node = fx.graph.nodes[0]!;
    const inputs = node.inputs.map((i) => {
      if (!i) return undefined;
      if (i === fx.inputName) return fx.input;
      const v = fx.graph.initializers.get(i);
      if (!v) throw new Error(`${name}: input ${i} is neither the graph input nor an initializer`);
      return { constant: v };
    });
    const run = runArenaKernel({ op: node.op, attrs: node.attrs as Record<string, AttrValue>, inputs }, { kernel: node.op === 'Conv' ? generalConv : undefined });
    expect(run.layouts, name).toBeDefined();
    const c = compareToFixture(fx, run.outputs[0]!);
    expect(c.ok, describeComparison(name, c, fx.atol, fx.rtol)).toBe(true);
  });
});
