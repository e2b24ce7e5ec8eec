import { GpuError } from '../../src/errors.js';
import { dawnGpu } from '../../src/gpu/dawn.js';
import { requestGpu, setGpuSource, type GpuContext } from '../../src/gpu/device.js';

/** requestGpu() for kernel tests and benchmarks: throws (never returns undefined) so callers fail instead of skipping. */
export async function openKernelDevice(): Promise<GpuContext> {
  setGpuSource(dawnGpu);
  const gpu = await requestGpu();
  if (!gpu) throw new GpuError(`no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`, 'GPU_UNAVAILABLE');
  return gpu;
}
