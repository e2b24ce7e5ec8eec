// The register GEMM's quad-broadcast kernel (Gemm4Plan.QB, subgroups of exactly 4 lanes as SwiftShader runs them):
// the exact kernel swapped in after a model's first call. Both calls are checked against the CPU reference over
// awkward shapes (rows past a block, column tiles padded to a multiple of 4, several k blocks), with and without
// bias, Relu6, a residual before and after the activation; shapes it must not take keep the plain kernel.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { expectClose, uniform } from './support/expect-close.js';
import { getTestDevice } from './support/gpu.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

type Net = (b: GraphBuilder, x: ReturnType<GraphBuilder['input']>) => ReturnType<GraphBuilder['input']>;

async function check(shape: [number, number, number, number], net: Net, quad: boolean): Promise<void> {
  const gpu = await getTestDevice();
  const subgroups4 = gpu.device.features.has('subgroups' as GPUFeatureName) && gpu.info.subgroupMinSize === 4 && gpu.info.subgroupMaxSize === 4;
  expect(subgroups4, 'the test device (SwiftShader) runs subgroups of 4').toBe(true);
  const b = new GraphBuilder('quad', { seed: shape[1] * 31 + shape[2] });
  b.output(net(b, b.input('x', shape)));
  const rg = optimize(resolve(b.build(), { x: shape })).graph;
  const pipelines = new PipelineCache(gpu.device);
  const exec = await GpuExecutor.compile(gpu, rg, pipelines);
  try {
    const size = shape.reduce((a, c) => a * c, 1);
    const x = { shape, data: uniform(rng(size), size) };
    const want = runCpu(rg, { x }, { fast: false }).values().next().value!;
    const first = (await exec.run({ x })).values().next().value!;
    expectClose(first.data, want.data, 'first call', 1e-4, 1e-4);
    await exec.upgraded();
    const then = (await exec.run({ x })).values().next().value!;
    expectClose(then.data, want.data, 'after the upgrade', 1e-4, 1e-4);
    expect(pipelines.keys.some((k) => k.includes('.qb')), pipelines.keys.join(' ')).toBe(quad);
  } finally {
    exec.dispose();
  }
}

describe('quad-broadcast register GEMM', () => {
  it('1x1 conv 16 -> 32 on 7x9 (63 rows: the last block clamped), bias + Relu6', () =>
    check([1, 16, 7, 9], (b, x) => b.relu6(b.pointwiseConv2d(x, 16, 32)), true));
  it('1x1 conv 12 -> 120 (15 column tiles padded to 16), no bias, no activation', () =>
    check([1, 12, 5, 6], (b, x) => b.pointwiseConv2d(x, 12, 120, { bias: false }), true));
  it('1x1 conv 36 -> 64, a residual added after Relu', () =>
    check([1, 36, 6, 6], (b, x) => {
      const y = b.pointwiseConv2d(x, 36, 64);
      return b.add(b.relu(b.pointwiseConv2d(y, 64, 64)), y);
    }, true));
  it('1x1 conv 32 -> 32, Relu after the residual', () =>
    check([1, 32, 4, 9], (b, x) => b.relu(b.add(b.pointwiseConv2d(x, 32, 32), x)), true));
  it('2 images, 1x1 conv 8 -> 32', () => check([2, 8, 3, 5], (b, x) => b.pointwiseConv2d(x, 8, 32), true));
  it('K not a multiple of 4 (cin 6): the plain kernel', () => check([1, 6, 5, 5], (b, x) => b.pointwiseConv2d(x, 6, 32), false));
  it('3 column tiles (cout 24, one would be padding): the plain kernel', () => check([1, 8, 5, 5], (b, x) => b.pointwiseConv2d(x, 8, 24), false));
});
