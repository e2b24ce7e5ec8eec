// No GPU memory leaks: after 1,000 runs, after runs that throw, after a compile that fails part-way and after
// dispose(), the engine's live buffers (GpuExecutor.liveBuffers) and the device's own count of buffers created and
// not destroyed are back at their baselines.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { GpuError, InputError } from '../src/errors.js';
import type { GpuContext } from '../src/gpu/device.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { resolve } from '../src/graph/resolve.js';
import { compareTensors } from './support/fixtures.js';
import { executorOf, getTestDevice, loadOnGpu } from './support/gpu.js';

/** Wraps the device so every buffer it creates is counted until destroyed: the ground truth beside the tracker. */
function countingDevice(gpu: GpuContext): { gpu: GpuContext; live: () => { count: number; bytes: number }; created: () => number } {
  const live = new Map<GPUBuffer, number>();
  let created = 0;
  const device = new Proxy(gpu.device, {
    get(target, prop) {
      if (prop === 'createBuffer')
        return (desc: GPUBufferDescriptor) => {
          const buf = target.createBuffer(desc);
          created++;
          const destroy = buf.destroy.bind(buf);
          live.set(buf, desc.size);
          Object.defineProperty(buf, 'destroy', {
            value: () => {
              live.delete(buf);
              destroy();
            },
          });
          return buf;
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    gpu: { ...gpu, device },
    live: () => ({ count: live.size, bytes: [...live.values()].reduce((a, b) => a + b, 0) }),
    created: () => created,
  };
}

/** A small separable block with a residual: x[1,8,12,12] -> dw3x3 -> relu6 -> pw 8->8 -> + x -> maxpool. */
function block() {
  const b = new GraphBuilder('leak', { seed: 9 });
  const x = b.input('x', [1, 8, 12, 12]);
  const d = b.relu6(b.depthwiseConv2d(x, 8, 3, { padding: 1, name: 'dw' }), 'act');
  const p = b.pointwiseConv2d(d, 8, 8, { name: 'pw' });
  b.output(b.maxPool2d(b.add(p, x, 'res'), 2, { name: 'pool' }), 'y');
  return b.build();
}

const input = (k: number) => Float32Array.from({ length: 8 * 12 * 12 }, (_, i) => Math.sin(i * 0.13 + k * 0.7));

let shared: PipelineCache | undefined;

describe('GPU buffers do not leak', () => {
  it('1,000 runs, runs that throw, then dispose(): live buffers return to baseline', async () => {
    const real = await getTestDevice();
    const { gpu, live } = countingDevice(real);
    shared ??= new PipelineCache(gpu.device);
    const before = live();
    const rg = resolve(block());
    const exec = await GpuExecutor.compile(gpu, rg, shared);
    const base = exec.liveBuffers;
    expect(base.count).toBeGreaterThan(0);
    expect(live()).toEqual({ count: before.count + base.count, bytes: before.bytes + base.bytes });
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (let k = 0; k < 1000; k++) {
      const x = input(k % 17);
      const out = await exec.run({ x });
      if (k % 250 === 0) {
        const cmp = compareTensors(out.get('y')!, runCpu(rg, { x }).get('y')!, 1e-4, 1e-4);
        expect(cmp.ok, `run ${k}: max abs ${cmp.maxAbsErr}`).toBe(true);
      }
    }
    const ms = performance.now() - t0;
    expect(exec.liveBuffers).toEqual(base);
    expect(live().count).toBe(before.count + base.count);
    // JS-side growth over 1,000 runs stays small (outputs are dropped each time).
    expect(process.memoryUsage().heapUsed - heap0, `heap growth after 1,000 runs (${ms.toFixed(0)} ms)`).toBeLessThan(64 * 2 ** 20);

    // Runs that throw: wrong name, shape, length, dtype.
    const bad: Record<string, unknown>[] = [
      { nope: input(0) },
      { x: { shape: [1, 8, 12, 13], data: new Float32Array(8 * 12 * 13) } },
      { x: new Float32Array(5) },
      { x: new Float64Array(8 * 12 * 12) },
      {},
    ];
    for (let k = 0; k < 100; k++) {
      const err = await Promise.resolve()
        .then(() => exec.run(bad[k % bad.length]!))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(InputError);
    }
    expect(exec.liveBuffers).toEqual(base);
    expect(live().count).toBe(before.count + base.count);
    // Still correct after the failures.
    const x = input(3);
    expect(compareTensors((await exec.run({ x })).get('y')!, runCpu(rg, { x }).get('y')!, 1e-4, 1e-4).ok).toBe(true);

    // Profiled runs allocate timestamp buffers per run; they must go too.
    for (let k = 0; k < 5; k++) await exec.profile({ x });
    expect(exec.liveBuffers).toEqual(base);
    expect(live().count).toBe(before.count + base.count);

    exec.dispose();
    expect(exec.liveBuffers).toEqual({ count: 0, bytes: 0 });
    expect(live()).toEqual(before);
  });

  it('a compile that fails part-way (one node over a limit) frees what the other nodes allocated', async () => {
    const real = await getTestDevice();
    const { gpu, live, created } = countingDevice(real);
    shared ??= new PipelineCache(gpu.device);
    const before = live();
    // Every binding fits, but the dispatches of the 12x12 activations need more than 2x2 workgroups.
    const low: GpuContext = { ...gpu, info: { ...gpu.info, limits: { ...gpu.info.limits, maxComputeWorkgroupsPerDimension: 2 } } };
    const err = await GpuExecutor.compile(low, resolve(block()), shared).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).code).toBe('GPU_LIMIT');
    expect((err as Error).message).toMatch(/node "/);
    // Other nodes did upload weights and uniforms before the failure was known; all of it is gone again.
    expect(created()).toBeGreaterThan(0);
    expect(live()).toEqual(before);
  });

  it('Model: 200 runs through load()/run(), then dispose() frees every buffer', async () => {
    const real = await getTestDevice();
    const { gpu, live } = countingDevice(real);
    const before = live();
    const model = await loadOnGpu(block(), { gpu });
    const exec = executorOf(model);
    const base = exec.liveBuffers;
    const results = await Promise.all(Array.from({ length: 200 }, (_, k) => model.run({ x: input(k % 5) })));
    expect(results).toHaveLength(200);
    expect(model.backend).toBe('webgpu');
    expect(exec.liveBuffers).toEqual(base);
    await model.run({ x: new Float32Array(1) }).catch(() => undefined);
    expect(exec.liveBuffers).toEqual(base);
    model.dispose();
    expect(exec.liveBuffers).toEqual({ count: 0, bytes: 0 });
    expect(live()).toEqual(before);
  });
});
