// Tensors and dispatches beyond the adapter's limits: a GpuError naming node, op, shape and limit at compile time,
// before any GPU work; and grid() splitting over y when maxComputeWorkgroupsPerDimension is lowered.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { GpuError } from '../src/errors.js';
import type { GpuContext } from '../src/gpu/device.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { checkGraphLimits, planLimits } from '../src/gpu/limits.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { grid } from '../src/gpu/program.js';
import { resolve } from '../src/graph/resolve.js';
import { load } from '../src/model.js';
import { compareTensors } from './support/fixtures.js';
import { getTestDevice } from './support/gpu.js';

/** The same device, planned as if the adapter reported lower limits (what kernels and the executor read). */
function lowered(gpu: GpuContext, limits: Record<string, number>): GpuContext {
  return { adapter: gpu.adapter, device: gpu.device, info: { ...gpu.info, limits: { ...gpu.info.limits, ...limits } } };
}

/** Counts the device calls a compile makes, so "before any GPU work" is checked, not assumed. */
function counting(gpu: GpuContext): { gpu: GpuContext; calls: () => number } {
  let calls = 0;
  const device = new Proxy(gpu.device, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v === 'function' && /^create/.test(String(prop)))
        return (...args: unknown[]) => {
          calls++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { gpu: { ...gpu, device }, calls: () => calls };
}

/** x[1,4,32,32] -> depthwise 3x3 -> pointwise 4->16 ("expand", a 64 KiB activation) -> relu. */
function net() {
  const b = new GraphBuilder('limits', { seed: 3 });
  const x = b.input('x', [1, 4, 32, 32]);
  const d = b.depthwiseConv2d(x, 4, 3, { padding: 1, name: 'dw' });
  const e = b.pointwiseConv2d(d, 4, 16, { name: 'expand' });
  b.output(b.relu(e, 'act'), 'y');
  return b.build();
}

let shared: PipelineCache | undefined;
/** One pipeline cache for the file: SwiftShader compiles each pipeline slowly, and limits do not change them. */
function pipelines(gpu: GpuContext): PipelineCache {
  return (shared ??= new PipelineCache(gpu.device));
}

function input(shape: number[], k = 0): Float32Array {
  const n = shape.reduce((a, d) => a * d, 1);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 2);
}

describe('adapter limits', () => {
  it('an activation above maxStorageBufferBindingSize is a GpuError naming node, op, shape and limit, before any GPU call', async () => {
    const real = await getTestDevice();
    const rg = resolve(net());
    // 16 KiB input and depthwise output fit; the 64 KiB "expand" output (and the relu after it) do not.
    const { gpu, calls } = counting(lowered(real, { maxStorageBufferBindingSize: 32 * 1024 }));
    const pipelines = new PipelineCache(gpu.device);
    const err = await GpuExecutor.compile(gpu, rg, pipelines).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GpuError);
    const e = err as GpuError;
    expect(e.code).toBe('GPU_LIMIT');
    expect(e.message).toMatch(/Conv node "expand": output "[^"]+" \[1, 16, 32, 32\] needs 65536 bytes, above maxStorageBufferBindingSize = 32768/);
    expect(e.message).toMatch(/Relu node "act"/);
    expect(e.message).not.toMatch(/node "dw"/);
    expect(calls()).toBe(0);
    expect(pipelines.size).toBe(0);
  });

  it('maxBufferSize below the binding size limit is the one reported; load(webgpu) rejects with it', async () => {
    const real = await getTestDevice();
    const gpu = lowered(real, { maxBufferSize: 40 * 1024 });
    await expect(load(net(), { backend: 'webgpu', gpu })).rejects.toThrow(/above maxBufferSize = 40960 bytes/);
    // The same model fits once the limit allows 64 KiB.
    const ok = await GpuExecutor.compile(lowered(real, { maxBufferSize: 64 * 1024 }), resolve(net()), pipelines(real));
    expect(ok.dispatchCount).toBeGreaterThan(0);
    ok.dispose();
  });

  it('constant inputs (weights) are checked too', () => {
    const b = new GraphBuilder('wide', { seed: 1, init: 'zeros' });
    const x = b.input('x', [1, 2]);
    b.output(b.linear(x, 2, 4096, { name: 'fc' }), 'y');
    const rg = resolve(b.build());
    const limits = { maxStorageBufferBindingSize: 16 * 1024, maxBufferSize: 1 << 30, maxComputeWorkgroupsPerDimension: 65535 };
    expect(() => checkGraphLimits(rg, limits)).toThrow(/Gemm node "fc": constant input "fc\.weight" \[4096, 2\] needs 32768 bytes/);
  });

  it('planLimits takes the tighter of device and reported limits', async () => {
    const real = await getTestDevice();
    const l = planLimits(lowered(real, { maxComputeWorkgroupsPerDimension: 7 }));
    expect(l.maxComputeWorkgroupsPerDimension).toBe(7);
    expect(l.maxStorageBufferBindingSize).toBe(Math.min(real.device.limits.maxStorageBufferBindingSize, real.info.limits.maxStorageBufferBindingSize!));
  });

  it('grid() splits over y: depthwise, pointwise, clip, pool, sigmoid and add kernels give the CPU result with y > 1', async () => {
    expect(grid(11, { maxComputeWorkgroupsPerDimension: 5 })).toEqual([4, 3, 1]);
    expect(() => grid(26, { maxComputeWorkgroupsPerDimension: 5 })).toThrow(RangeError);
    const real = await getTestDevice();
    const b = new GraphBuilder('split', { seed: 5 });
    // 6 channels: the scalar pool and add kernels (with C % 4 == 0 they take 4 elements an invocation and need
    // too few workgroups to split)
    const x = b.input('x', [1, 6, 40, 40]);
    const d = b.depthwiseConv2d(x, 6, 3, { padding: 1, name: 'dw' });
    const e = b.pointwiseConv2d(d, 6, 6, { name: 'pw' });
    const r = b.relu6(e, 'r6');
    const p = b.maxPool2d(r, 2, { name: 'pool' });
    b.output(b.add(p, b.sigmoid(p, 'sig'), 'sum'), 'y');
    const rg = resolve(b.build());
    const exec = await GpuExecutor.compile(lowered(real, { maxComputeWorkgroupsPerDimension: 9 }), rg, pipelines(real));
    const steps = exec.dispatches;
    // The split must actually happen, and no dimension may exceed the lowered limit.
    expect(steps.filter((s) => s.workgroups[1]! > 1).length).toBeGreaterThan(2);
    for (const s of steps) expect(Math.max(...s.workgroups), s.node).toBeLessThanOrEqual(9);
    for (const k of [0, 1]) {
      const xin = input([1, 6, 40, 40], k);
      const out = (await exec.run({ x: xin })).get('y')!;
      const ref = runCpu(rg, { x: xin }).get('y')!;
      const cmp = compareTensors(out, ref, 1e-5, 1e-5);
      expect(cmp.ok, `max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
    }
    exec.dispose();
  });

  it('a dispatch beyond maxComputeWorkgroupsPerDimension² is a GpuError naming the node', async () => {
    const real = await getTestDevice();
    const b = new GraphBuilder('many', { seed: 2 });
    const x = b.input('x', [1, 8, 64, 64]);
    b.output(b.relu(x, 'wide_relu'), 'y');
    // 32768 elements / 256 per workgroup = 128 workgroups > 3².
    const err = await load(b.build(), { backend: 'webgpu', gpu: lowered(real, { maxComputeWorkgroupsPerDimension: 3 }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).code).toBe('GPU_LIMIT');
    expect((err as Error).message).toMatch(/Relu node "wide_relu".*\[1, 8, 64, 64\].*maxComputeWorkgroupsPerDimension/);
  });
});
