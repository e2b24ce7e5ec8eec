// A Relu / ReLU6 after a fused residual on the GPU (src/gpu/fuse-post.ts): on the software-adapter variant the
// register kernels (vec4 pointwise GEMM, vec4 implicit GEMM with and without the unrolled channel loop,
// Winograd) compute act(conv + bias + residual) in one dispatch. Each against Conv.reference (residual, then the
// post activation; tolerance as the conv sweep), and a whole graph through GpuExecutor against the CPU engine on
// the unfused graph; the pass leaves the tiled variant, convs with an activation of their own and convs without a
// vec4 register kernel alone. Likewise the channel-Pad fold (src/gpu/fold-pad-residual.ts): a zero channel Pad
// read only as a pointwise conv's residual is dropped, the conv reading the narrower tensor.
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import type { GpuContext } from '../src/gpu/device.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { fusePostFor } from '../src/gpu/fuse-post.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { intTensor, type Node, type Value } from '../src/graph/ir.js';
import { foldPadResidualFor } from '../src/gpu/fold-pad-residual.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import type { FusedActivation } from '../src/ops/activation.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { tensor } from '../src/tensor.js';
import { compareTensors } from './support/fixtures.js';
import { expectFusedMatchesCpu } from './support/fused-graph.js';
import { openKernelDevice } from './support/kernel-device.js';
import { runResidualConv } from './support/residual-conv.js';
import { compare, randomTensor, rng, type Config } from './support/conv-sweep.js';

let shared: { sw: GpuContext } | undefined;
async function setup() {
  if (!shared) {
    const gpu = await openKernelDevice();
    shared = { sw: { ...gpu, info: { ...gpu.info, isSoftware: true } } };
  }
  return shared;
}
afterAll(() => shared?.sw.device.destroy());

const base = (name: string, c: Partial<Config>): Config => ({
  name, kind: 'conv', n: 1, cin: 8, cout: 12, h: 9, w: 7, group: 1, kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1],
  bias: true, act: { kind: 'none' }, software: true, seed: 8300 + name.length, ...c,
});
const RELU: FusedActivation = { kind: 'relu' };
const RELU6: FusedActivation = { kind: 'clip', min: 0, max: 6 };

const CASES: [Config, FusedActivation, string][] = [
  [base('pointwise 12->20 n=2', { n: 2, cin: 12, cout: 20, kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] }), RELU, 'gemm.register4.4x8.resfirst'],
  [base('pointwise 6->8 no bias', { cin: 6, cout: 8, h: 5, w: 5, kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], bias: false }), RELU6, 'gemm.register4.8x8.resfirst'],
  [base('implicit GEMM 8->12 k3 s2', {}), RELU6, 'conv2d.register4.8x8.resfirst'],
  [base('implicit GEMM 3->8 k5 s2 (unrolled channels)', { cin: 3, cout: 8, h: 13, w: 11, kernel: [5, 5], pads: [1, 1, 2, 2] }), RELU, 'conv2d.register4.8x8.resfirst.cg3.cw5x5'],
  [base('grouped 8->16 g2 k3 s1 d2', { cin: 8, cout: 16, group: 2, strides: [1, 1], dilations: [2, 2], pads: [2, 2, 2, 2] }), RELU, 'conv2d.register4.8x8.resfirst'],
  [base('Winograd 16->20 k3 s1', { cin: 16, cout: 20, strides: [1, 1] }), RELU6, 'winograd.output.resfirst'],
];

/** The residual conv with `post` after the residual (support/residual-conv.ts) on the software-adapter context. */
async function run(cfg: Config, post: FusedActivation, first = false) {
  return runResidualConv((await setup()).sw, cfg, post, first);
}

describe('post-residual activation in the register kernels', () => {
  it.each(CASES.map(([c, post, key]) => [c.name, c, post, key] as const))('%s', async (_n, cfg, post, key) => {
    const { got, want, keys } = await run(cfg, post);
    const { maxErr, bad } = compare(got, want);
    if (bad >= 0) expect.fail(`element ${bad}: gpu ${got[bad]}, reference ${want[bad]} (max err ${maxErr})`);
    expect(keys.some((k) => k.startsWith(key)), keys.join(', ')).toBe(true);
    // the activation did clamp something (the test would pass for a missing activation otherwise)
    expect(want.some((v) => v === 0)).toBe(true);
  });

  // 5183 rows (a 15-row tail), the first call's 8 x 8 loop kernel over each tile's blocks, then the exact kernel: a 16 x 16
  // tile (planGemm4), and one covering all 24 columns with literal weight indices (its constK; three 8-column blocks first)
  const wide = (cout: number) => base(`pointwise 20->${cout}`, { cin: 20, cout, h: 73, w: 71, kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] });
  it.each([
    ['16 x 16 tiles', wide(48), RELU6, 'gemm.register4.16x16.resfirst.cb'],
    ['literal weights', wide(24), RELU, 'gemm.register4.8x24.resfirst.cb.ck20'],
  ] as const)('pointwise on %s, first and upgraded kernels', async (_w, cfg, post, exact) => {
    for (const first of [true, false]) {
      const { got, want, keys } = await run(cfg, post, first);
      const { maxErr, bad } = compare(got, want);
      if (bad >= 0) expect.fail(`${first ? 'first' : 'upgraded'}: element ${bad}: gpu ${got[bad]}, reference ${want[bad]} (max err ${maxErr})`);
      // the literal-weights kernel of a layer without twins bakes them in (kernels/baked.ts): its name carries their tag
      const names = keys.map((k) => k.split('|')[0]!);
      expect(names.map((k) => k.replace(/\.k[0-9a-f]{16}n\d+$/, '')), keys.join(', ')).toContain(first ? 'gemm.register4.8x8.resfirst.cb.loop' : exact);
      if (!first) expect(names.some((k) => /\.ck\d+\.k[0-9a-f]{16}n\d+$/.test(k))).toBe(exact.includes('.ck'));
      expect(want.some((v) => v === 0) && (post === RELU || want.some((v) => v === 6))).toBe(true);
    }
  });
});

describe('fusePostFor (the graph pass)', () => {
  // BlazeFace's block: depthwise -> pointwise (+ x) -> relu; a regular conv (+ x) -> relu6; a pointwise conv to
  // 6 channels (the register GEMM's f32 bindings) (+ y) -> relu; a conv with its own activation (+ x) -> relu
  function graph() {
    const b = new GraphBuilder('post-gpu');
    const x = b.input('x', [1, 8, 13, 11]);
    const d = b.depthwiseConv2d(x, 8, 3, { padding: 1, bias: true });
    const r1 = b.relu(b.add(b.pointwiseConv2d(d, 8, 8, { bias: true }), x));
    const r2 = b.relu6(b.add(b.conv2d(r1, 8, 8, 3, { padding: 1, bias: true }), r1));
    const six = b.pointwiseConv2d(r2, 8, 6, { bias: true });
    const r3 = b.relu(b.add(b.pointwiseConv2d(six, 6, 6), six));
    const r4 = b.relu(b.add(b.relu(b.pointwiseConv2d(r2, 8, 8)), r2));
    b.output(r3, 'y');
    b.output(r4, 'z');
    return resolve(b.build(), {});
  }

  it('fuses on the register variant where a register kernel runs the conv (every pointwise conv), nowhere else', () => {
    const opt = optimize(graph()).graph;
    const ops = (g: typeof opt) => g.nodes.map((n) => n.node.op);
    expect(ops(fusePostFor(opt, 'tiled'))).toEqual(ops(opt));
    const fused = fusePostFor(opt, 'register');
    const posts = fused.nodes.map((n) => (n.attrs as { post?: { kind: string } } | null)?.post?.kind ?? '-');
    expect(ops(fused)).toEqual(['Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'Relu']);
    expect(posts).toEqual(['-', 'relu', 'clip', '-', '-', 'relu', '-']);
  });

  it('the fused graph on WebGPU (software-adapter kernels) gives the unfused graph\'s CPU answer', async () => {
    const { sw } = await setup();
    const opt = optimize(graph()).graph;
    const fused = fusePostFor(opt, 'register');
    expect(fused.nodes.length).toBeLessThan(opt.nodes.length);
    const input = tensor([1, 8, 13, 11], Float32Array.from(randomTensor([1, 8, 13, 11], rng(77)).data, (v) => v * 3));
    await expectFusedMatchesCpu(sw, fused, opt, { x: input }, ['y', 'z']);
  });
});

describe('channel Pad folded into a pointwise conv\'s residual (fold-pad-residual.ts)', () => {
  const t = (shape: number[], data: Float32Array): Value => ({ shape, data });
  const node = (op: string, inputs: string[], output: string, attrs: Node['attrs'] = {}): Node => ({ name: output, op, inputs, outputs: [output], attrs });
  /** BlazeFace's block: x -> dw 3x3 -> pw cin->cout, x -> Pad channels cin->cout (-> maxpool first when stride 2) -> Add -> Relu. */
  function block(cin: number, cout: number, n = 1) {
    const r = rng(cin * 31 + cout);
    const rand = (len: number) => Float32Array.from({ length: len }, () => r() * 2 - 1);
    const initializers = new Map<string, Value>([
      ['wd', t([cin, 1, 3, 3], rand(cin * 9))],
      ['bd', t([cin], rand(cin))],
      ['wp', t([cout, cin, 1, 1], rand(cout * cin))],
      ['bp', t([cout], rand(cout))],
      ['pads', intTensor([8], [0, 0, 0, 0, 0, cout - cin, 0, 0])],
    ]);
    const nodes = [
      node('Conv', ['x', 'wd', 'bd'], 'd', { group: cin, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Conv', ['d', 'wp', 'bp'], 'c', { kernel_shape: [1, 1] }),
      node('Pad', ['x', 'pads'], 'p'),
      node('Add', ['c', 'p'], 's'),
      node('Relu', ['s'], 'y'),
    ];
    return resolve({ name: 'block', inputs: [{ name: 'x', shape: [n, cin, 9, 7] }], outputs: ['y'], nodes, initializers, opset: 13 }, {});
  }

  it.each([
    [8, 12, 1],
    [4, 16, 2],
    // BlazeFace short's 36 -> 42 and 42 -> 48: the register GEMM's f32 bindings (N or the residual's width not whole vec4s)
    [36, 42, 1],
    [42, 48, 1],
    [6, 10, 2],
  ])('%i -> %i channels, batch %i: folded, and the GPU answer is the unfused graph\'s CPU answer', async (cin, cout, n) => {
    const { sw } = await setup();
    const opt = optimize(block(cin, cout, n)).graph;
    expect(opt.nodes.map((x) => x.node.op)).toEqual(['Conv', 'Pad', 'Conv', 'Relu']);
    const fused = fusePostFor(opt, 'register');
    expect(fused.nodes.map((x) => x.node.op)).toEqual(['Conv', 'Conv']);
    const pw = fused.nodes[1]!.attrs as ConvAttrs;
    expect(pw.residualChannels).toBe(cin);
    expect(pw.post?.kind).toBe('relu');
    const input = tensor([n, cin, 9, 7], Float32Array.from(randomTensor([n, cin, 9, 7], rng(5)).data, (v) => v * 2));
    const want = runCpu(opt, { x: input }, { fast: false }).get('y')!;
    // the CPU reference of the folded graph agrees too (validate() runs it)
    expect(compareTensors(runCpu(fused, { x: input }, { fast: false }).get('y')!, want, 1e-5, 1e-5).ok).toBe(true);
    const ex = await GpuExecutor.compile(sw, fused, new PipelineCache(sw.device));
    try {
      expect(ex.dispatchCount).toBe(2);
      // the first call's kernels, then the exact ones swapped in after it
      for (const when of ['first', 'upgraded']) {
        if (when === 'upgraded') await ex.upgraded();
        const got = (await ex.run({ x: input })).get('y')!;
        const c = compareTensors(got, want, 1e-4, 1e-4);
        expect(c.ok, `${when}: max abs ${c.maxAbsErr}`).toBe(true);
      }
    } finally {
      ex.dispose();
    }
  });

  it('left alone: the tiled variant, a Pad read twice', () => {
    const opt = optimize(block(8, 12)).graph;
    expect(foldPadResidualFor(opt, 'tiled').folded).toBe(0);
    const twice = { ...opt, graph: { ...opt.graph, outputs: [...opt.graph.outputs, 'p'] } };
    expect(foldPadResidualFor(twice, 'register').folded).toBe(0);
  });
});
