// A device the caller made with WebGPU's default limits (16 KiB of workgroup memory where SwiftShader's adapter
// offers 32 KiB): kernels are planned against the device's limits, not the adapter's, so MobileNetV2 on the
// hardware-path (workgroup-memory) kernels validates and matches the CPU. The control plans the same device
// against the adapter's limits and must fail validation, so the test can tell the two apart.
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { GpuError } from '../src/errors.js';
import { getGpu, summarizeAdapter, type GpuContext } from '../src/gpu/device.js';
import { deviceLimits } from '../src/gpu/limits.js';
import { load } from '../src/model.js';
import { compareTensors } from './support/fixtures.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';

let made: GPUDevice | undefined;
afterAll(() => made?.destroy());

/** A caller's device: adapter.requestDevice() with no requiredLimits; the hardware path forced (isSoftware false). */
async function defaultDevice(): Promise<GpuContext> {
  const gpu = await getGpu();
  if (typeof gpu === 'string') throw new Error(gpu);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  made ??= await adapter.requestDevice();
  return { adapter, device: made, info: { ...summarizeAdapter(adapter), isSoftware: false } };
}

/** The same device, reporting the adapter's limits as its own: what planning against the adapter used to do. */
function claimingAdapterLimits(gpu: GpuContext): GpuContext {
  const device = new Proxy(gpu.device, {
    get(target, prop) {
      if (prop === 'limits') return gpu.adapter.limits;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ...gpu, device };
}

function input(shape: number[]): Float32Array {
  const n = shape.reduce((a, d) => a * d, 1);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.013) * 1.5);
}

describe('a caller-made default-limits device', () => {
  it('the device really has less workgroup memory than the adapter, and planning reads the device', async () => {
    const gpu = await defaultDevice();
    expect(gpu.device.limits.maxComputeWorkgroupStorageSize).toBe(16384);
    expect(gpu.adapter.limits.maxComputeWorkgroupStorageSize).toBeGreaterThan(16384);
    expect(deviceLimits(gpu).maxComputeWorkgroupStorageSize).toBe(16384);
    expect(deviceLimits(claimingAdapterLimits(gpu)).maxComputeWorkgroupStorageSize).toBe(gpu.adapter.limits.maxComputeWorkgroupStorageSize);
  });

  it('control: a depthwise layer planned against the adapter limits fails validation on this device', async () => {
    const gpu = claimingAdapterLimits(await defaultDevice());
    const b = new GraphBuilder('dw112', { seed: 4 });
    const x = b.input('x', [1, 96, 112, 112]);
    b.output(b.depthwiseConv2d(x, 96, 3, { padding: 1, name: 'dw' }), 'y');
    const err = await load(b.build(), { backend: 'webgpu', gpu })
      .then((m) => m.run({ x: input([1, 96, 112, 112]) }).finally(() => m.dispose()))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(GpuError);
    expect((err as Error).message).toMatch(/workgroup storage/i);
  });

  it('MobileNetV2 224 on the hardware-path kernels runs and matches the CPU', async () => {
    const gpu = await defaultDevice();
    const graph = mobilenetV2(224);
    const x = input([1, 3, 224, 224]);
    const model = await load(graph, { backend: 'webgpu', gpu });
    expect(model.backend, model.reason).toBe('webgpu');
    const cpu = await load(graph, { backend: 'cpu' });
    const got = (await model.run({ input: x })).get('output')!;
    const want = (await cpu.run({ input: x })).get('output')!;
    expect(model.backend).toBe('webgpu');
    const cmp = compareTensors(got, want, 1e-3, 1e-3);
    expect(cmp.ok, `max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
    model.dispose();
    cpu.dispose();
  }, 120_000);
});
