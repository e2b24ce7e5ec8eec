import { describe, expect, it } from 'vitest';
import { getTestDevice } from './support/gpu.js';
import { SMOKE_A, SMOKE_N, cpuSaxpy, gpuSaxpy, maxAbsDiff, smokeInputs } from './pages/smoke.js';

describe('WebGPU in Node (Dawn)', () => {
  it('reports the adapter', async () => {
    const { info, adapter, device } = await getTestDevice();
    const { limits: _limits, features, ...summary } = info;
    console.log('[webgpu-node] adapter', JSON.stringify({ ...summary, features }));
    expect(info.vendor + info.description + info.architecture).not.toBe('');
    // requestGpu asks for timestamp-query whenever the adapter offers it.
    expect(device.features.has('timestamp-query')).toBe(adapter.features.has('timestamp-query'));
    // src/gpu/device.ts points Vulkan at SwiftShader on machines without a GPU (this CI).
    if (process.env.VK_ICD_FILENAMES?.includes('swiftshader')) expect(info.isSoftware).toBe(true);
  });

  it.each([64, 256])('saxpy on %d-wide workgroups matches the CPU on an odd length', async (wg) => {
    const { device } = await getTestDevice();
    const { x, y } = smokeInputs(SMOKE_N);
    expect(SMOKE_N % 2).toBe(1);
    const run = await gpuSaxpy(device, SMOKE_A, x, y, wg);
    expect(run.y.length).toBe(SMOKE_N);
    expect(maxAbsDiff(run.y, cpuSaxpy(SMOKE_A, x, y))).toBeLessThanOrEqual(1e-5);
    if (device.features.has('timestamp-query')) {
      expect(Number.isFinite(run.gpuNs)).toBe(true);
      expect(run.gpuNs).toBeGreaterThanOrEqual(0);
    } else {
      expect(run.gpuNs).toBeUndefined();
    }
  });
});
