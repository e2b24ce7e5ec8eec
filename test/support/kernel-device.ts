import { afterAll } from 'vitest';
import { GpuError } from '../../src/errors.js';
import { dawnGpu } from '../../src/gpu/dawn.js';
import { requestGpu, setGpuSource, type GpuContext } from '../../src/gpu/device.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';

/** requestGpu() for kernel tests and benchmarks: throws (never returns undefined) so callers fail instead of skipping. */
export async function openKernelDevice(): Promise<GpuContext> {
  setGpuSource(dawnGpu);
  const gpu = await requestGpu();
  if (!gpu) throw new GpuError(`no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`, 'GPU_UNAVAILABLE');
  return gpu;
}

/**
 * For a test file of the software-adapter ("register") kernels: one kernel device posing as a software adapter, with a
 * pipeline cache, opened on first use and destroyed after the file.
 */
export function softwareKernelDevice(): () => Promise<{ sw: GpuContext; pipelines: PipelineCache }> {
  let shared: { sw: GpuContext; pipelines: PipelineCache } | undefined;
  afterAll(() => shared?.sw.device.destroy());
  return async () => {
    if (!shared) {
      const gpu = await openKernelDevice();
      shared = { sw: { ...gpu, info: { ...gpu.info, isSoftware: true } }, pipelines: new PipelineCache(gpu.device) };
    }
    return shared;
  };
}
