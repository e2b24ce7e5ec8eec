// An Add after a depthwise conv fused into the software-adapter depthwise kernel (RES in depthwise_register.wgsl,
// the pass in src/gpu/fuse-post.ts): y = act(dw(x) + b) + r, as MediaPipe's selfie segmenters end each decoder
// stage (x + relu(dw(x))). Each kernel form (rows unrolled, 2-row loop, 1-row loop; vec4 and scalar channels), on its
// first-call and its upgraded kernel, against Conv.reference plus the residual (tolerance as the conv sweep); the
// tiled kernel refuses a residual; the pass fuses on the register variant only, and the fused graph on WebGPU gives
// the unfused graph's CPU answer.
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import type { GpuContext } from '../src/gpu/device.js';
import { fusePostFor } from '../src/gpu/fuse-post.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { tensor } from '../src/tensor.js';
import { expectFusedMatchesCpu } from './support/fused-graph.js';
import { openKernelDevice } from './support/kernel-device.js';
import { runResidualConv } from './support/residual-conv.js';
import { compare, randomTensor, rng, type Config } from './support/conv-sweep.js';

let shared: { sw: GpuContext; hw: GpuContext } | undefined;
async function setup() {
  if (!shared) {
    const gpu = await openKernelDevice();
    shared = { sw: { ...gpu, info: { ...gpu.info, isSoftware: true } }, hw: { ...gpu, info: { ...gpu.info, isSoftware: false } } };
  }
  return shared;
}
afterAll(() => shared?.sw.device.destroy());

const base = (name: string, c: Partial<Config>): Config => {
  const cin = c.cin ?? 16;
  return {
    name, kind: 'dw', n: 1, cin, cout: cin, h: 9, w: 11, group: cin, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1],
    bias: true, act: { kind: 'relu' }, software: true, seed: 9100 + name.length, ...c,
  };
};

/** [config, the generated kernel's name must contain] */
const CASES: [Config, RegExp][] = [
  [base('3x3 s1 vec4 (rows unrolled), odd 9x11', {}), /v4\.b2x7\.k3\..*\.res/],
  [base('3x3 s1 vec4 n=2 hardswish 6x23', { n: 2, cin: 8, h: 6, w: 23, act: { kind: 'hardswish' } }), /v4\.b2x7\.k3\..*\.res/],
  [base('5x5 s1 vec4 (2-row loop) relu6', { cin: 12, h: 7, w: 10, kernel: [5, 5], pads: [2, 2, 2, 2], act: { kind: 'clip', min: 0, max: 6 } }), /v4\.b2x7\.kw5\..*\.res/],
  [base('3x3 s2 vec4 (1-row loop) no bias', { cin: 8, h: 15, w: 13, strides: [2, 2], pads: [0, 0, 1, 1], bias: false }), /v4\.b1x7\.kw3\.sx2\..*\.res/],
  [base('3x3 s1 scalar c5, no act', { cin: 5, h: 8, w: 6, act: { kind: 'none' } }), /\.s\.b2x7\.k3\..*\.res/],
  [base('3x3 s1 scalar mult 2 sigmoid', { cin: 3, cout: 6, group: 3, h: 5, w: 9, act: { kind: 'sigmoid' } }), /\.s\.b2x7\.k3\..*\.res/],
];

/** The conv with its residual (support/residual-conv.ts): the first call's kernels or the upgraded ones. */
const run = (gpu: GpuContext, cfg: Config, first: boolean) => runResidualConv(gpu, cfg, undefined, first);

describe('residual in the register depthwise kernel', () => {
  it.each(CASES.map(([c, key]) => [c.name, c, key] as const))('%s', async (_n, cfg, key) => {
    const { sw } = await setup();
    for (const first of [true, false]) {
      const { got, want, keys, res } = await run(sw, cfg, first);
      // the reference adds the residual after the activation: a residual-free answer would differ
      expect(want.some((v, i) => Math.abs(v - res[i]!) > 1e-3)).toBe(true);
      const { maxErr, bad } = compare(got, want);
      if (bad >= 0) expect.fail(`${first ? 'first' : 'upgraded'}: element ${bad}: gpu ${got[bad]}, reference ${want[bad]} (max err ${maxErr})`);
      // the first call's kernel is the row loop and store loop of the same block, with the residual too
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.includes('.res')), keys.join(', ')).toBe(true);
      expect(keys.some((k) => (first ? k.includes('.res.loop') : key.test(k) && !k.includes('.loop'))), keys.join(', ')).toBe(true);
    }
  });

  it('the tiled (hardware-path) kernel refuses a residual with GPU_UNSUPPORTED, naming the node', async () => {
    const { hw } = await setup();
    await expect(run(hw, CASES[0]![0], false)).rejects.toMatchObject({ code: 'GPU_UNSUPPORTED', message: expect.stringMatching(/Conv node ".*": a fused residual runs only in the register/) });
  });
});

describe('the depthwise residual pass (fusePostFor)', () => {
  // the segmenters' decoder stage, both operand orders of the Add, and a depthwise conv whose output has another
  // reader (not fused)
  function graph() {
    const b = new GraphBuilder('dw-res');
    const x = b.input('x', [1, 16, 12, 19]);
    const c = b.relu(b.pointwiseConv2d(x, 16, 16, { bias: true }));
    const e1 = b.add(c, b.relu(b.depthwiseConv2d(c, 16, 3, { padding: 1, bias: true })));
    const d2 = b.relu6(b.depthwiseConv2d(e1, 16, 3, { padding: 1, bias: true }));
    const e2 = b.add(d2, e1);
    const d3 = b.depthwiseConv2d(e2, 16, 3, { padding: 1, bias: true });
    b.output(b.add(d3, e2), 'y');
    b.output(d3, 'd');
    return resolve(b.build(), {});
  }

  it('fuses an Add after a depthwise conv on the register variant only, never one whose output is read elsewhere', () => {
    const opt = optimize(graph()).graph;
    const ops = (g: typeof opt) => g.nodes.map((n) => n.node.op);
    expect(ops(opt).filter((o) => o === 'Add').length).toBe(3);
    expect(ops(fusePostFor(opt, 'tiled'))).toEqual(ops(opt));
    const fused = fusePostFor(opt, 'register');
    expect(ops(fused)).toEqual(['Conv', 'Conv', 'Conv', 'Conv', 'Add']);
    expect(fused.nodes.map((n) => !!(n.attrs as ConvAttrs | null)?.residual)).toEqual([false, true, true, false, false]);
  });

  it('the fused graph on WebGPU (software-adapter kernels) gives the unfused graph\'s CPU answer, first and upgraded', async () => {
    const { sw } = await setup();
    const opt = optimize(graph()).graph;
    const fused = fusePostFor(opt, 'register');
    const input = tensor([1, 16, 12, 19], Float32Array.from(randomTensor([1, 16, 12, 19], rng(91)).data, (v) => v * 2));
    await expectFusedMatchesCpu(sw, fused, opt, { x: input }, ['y', 'd'], (ex) =>
      expect(ex.dispatches.map((d) => d.op)).toEqual(['Conv', 'Conv', 'Conv', 'Conv', 'Add']),
    );
  });
});
