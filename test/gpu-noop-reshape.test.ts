// A Flatten / Reshape whose input and output buffers are both in row-major order on the device moves nothing:
// the GPU executor drops it (no copy dispatch) and the answers stay the CPU reference's.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { optimize } from '../src/graph/optimize.js';
import { intTensor } from '../src/graph/ir.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { expectClose, uniform } from './support/expect-close.js';
import { getTestDevice } from './support/gpu.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

async function check(rg: ResolvedGraph, x: number[], copies: number): Promise<void> {
  const gpu = await getTestDevice();
  const exec = await GpuExecutor.compile(gpu, rg);
  try {
    const size = x.reduce((a, b) => a * b, 1);
    const input = { shape: x, data: uniform(rng(size), size) };
    const want = runCpu(rg, { x: input }, { fast: false });
    const got = await exec.run({ x: input });
    for (const [name, w] of want) {
      expect(got.get(name)!.shape).toEqual(w.shape);
      expectClose(got.get(name)!.data, w.data, name, 1e-4, 1e-4);
    }
    const steps = (exec as unknown as { steps: { op: string }[] }).steps;
    expect(steps.filter((s) => ['Flatten', 'Reshape', 'Transpose'].includes(s.op)).length, steps.map((s) => s.op).join(',')).toBe(copies);
  } finally {
    exec.dispose();
  }
}

describe('no-op reshapes on the GPU', () => {
  it('global pool -> Flatten -> Gemm (MobileNet tail): no copy', async () => {
    const b = new GraphBuilder('tail', { seed: 3 });
    const x = b.input('x', [1, 24, 5, 7]);
    b.output(b.linear(b.flatten(b.globalAvgPool(b.relu(b.pointwiseConv2d(x, 24, 20)))), 20, 10));
    await check(optimize(resolve(b.build(), { x: [1, 24, 5, 7] })).graph, [1, 24, 5, 7], 0);
  });

  it('a Flatten that is the graph output: the pool writes the output buffer, no copy', async () => {
    const b = new GraphBuilder('out', { seed: 4 });
    const x = b.input('x', [1, 12, 6, 6]);
    b.output(b.flatten(b.globalAvgPool(b.pointwiseConv2d(x, 12, 8))));
    await check(optimize(resolve(b.build(), { x: [1, 12, 6, 6] })).graph, [1, 12, 6, 6], 0);
  });

  it('a Flatten of a [1, C, H, W] image (NHWC on the device): the copy stays', async () => {
    const b = new GraphBuilder('img', { seed: 5 });
    const x = b.input('x', [1, 6, 4, 5]);
    b.output(b.linear(b.flatten(b.pointwiseConv2d(x, 6, 4)), 80, 7));
    await check(optimize(resolve(b.build(), { x: [1, 6, 4, 5] })).graph, [1, 6, 4, 5], 1);
  });

  /**
   * A TFLite detector's head on two scales: Conv, Transpose(0,2,3,1) to its NHWC view, Reshape to [1, anchors, values],
   * Concat along the anchors (and, with `out`, one scale's reshape is itself a graph output). The NHWC device buffer
   * is the view's row-major order, so neither the Transpose nor the Reshape moves anything.
   */
  function head(perm: number[], out = false): ResolvedGraph {
    const b = new GraphBuilder('head', { seed: 8 });
    const x = b.input('x', [1, 8, 6, 4]);
    const a = b.pointwiseConv2d(x, 8, 12, { name: 'a' });
    const c = b.pointwiseConv2d(b.maxPool2d(x, 2, { stride: 2 }), 8, 12, { name: 'c' });
    b.output(a);
    b.output(c);
    const g = b.build();
    const [ya, yc] = g.outputs as [string, string];
    g.outputs.length = 0;
    const view = (y: string) => {
      g.nodes.push({ name: `${y}.t`, op: 'Transpose', inputs: [y], outputs: [`${y}.nhwc`], attrs: { perm } });
      g.initializers.set(`${y}.shape`, intTensor([3], [1, -1, 4]));
      g.nodes.push({ name: `${y}.r`, op: 'Reshape', inputs: [`${y}.nhwc`, `${y}.shape`], outputs: [`${y}.rows`], attrs: {} });
      return `${y}.rows`;
    };
    const rows = [view(ya), view(yc)];
    g.nodes.push({ name: 'cat', op: 'Concat', inputs: rows, outputs: ['cat'], attrs: { axis: 1 } });
    g.outputs.push('cat', ...(out ? [rows[1]!] : []));
    return resolve(g, { x: [1, 8, 6, 4] });
  }

  it("a detector head's Transpose to NHWC then Reshape to rows: neither copies", async () => {
    await check(head([0, 2, 3, 1]), [1, 8, 6, 4], 0);
  });

  it('the same head with a reshaped view as a graph output: its conv writes the output buffer', async () => {
    await check(head([0, 2, 3, 1], true), [1, 8, 6, 4], 0);
  });

  it('another permutation is a real transpose: both copies stay', async () => {
    await check(head([0, 3, 2, 1]), [1, 8, 6, 4], 4);
  });

  it("a segmenter's one-channel mask [1, 1, H, W] reshaped to its NHWC view [1, H, W, 1] as the graph output: no copy, read raw", async () => {
    const b = new GraphBuilder('mask', { seed: 9 });
    const x = b.input('x', [1, 5, 7, 9]);
    b.output(b.sigmoid(b.pointwiseConv2d(x, 5, 1)));
    const g = b.build();
    const y = g.outputs[0]!;
    g.initializers.set('view', intTensor([4], [1, 7, 9, 1]));
    g.nodes.push({ name: 'mask', op: 'Reshape', inputs: [y, 'view'], outputs: ['mask'], attrs: {} });
    g.outputs[0] = 'mask';
    const rg = resolve(g, { x: [1, 5, 7, 9] });
    await check(rg, [1, 5, 7, 9], 0);
    const exec = await GpuExecutor.compile(await getTestDevice(), rg);
    expect(exec.isRaw('mask')).toBe(true);
    exec.dispose();
  });

  it('a one-channel image flattened: no copy', async () => {
    const b = new GraphBuilder('one', { seed: 6 });
    const x = b.input('x', [1, 3, 6, 5]);
    b.output(b.linear(b.flatten(b.pointwiseConv2d(x, 3, 1)), 30, 4));
    await check(optimize(resolve(b.build(), { x: [1, 3, 6, 5] })).graph, [1, 3, 6, 5], 0);
  });
});
