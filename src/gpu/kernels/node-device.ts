import { GpuError } from '../../errors.js';
import { summarizeAdapter, type GpuContext } from '../device.js';

/**
 * A Node (Dawn) device for the kernel tests and bench/kernels.ts, like requestGpu() but with Dawn's
 * `disable_workgroup_init` toggle. Dawn otherwise zero-fills every workgroup array on entry, and SwiftShader
 * compiles that fill as straight-line code: a pipeline with a 7.5 KiB workgroup array takes ~3 s to build instead
 * of ~30 ms. Every kernel here writes each workgroup element before reading it, so the fill is dead work.
 * Throws (never returns undefined) when there is no adapter, so callers fail instead of skipping.
 */
// Dawn tears down devices whose instance was garbage-collected (crashes in pipeline threads): keep it alive.
let instance: GPU | undefined;

export async function openKernelDevice(): Promise<GpuContext> {
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) {
    // same rule as getGpu() in src/gpu/device.ts: SwiftShader from chromium on machines without a GPU
    const fs = await import('node:fs');
    const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
    if (fs.existsSync(icd) && !fs.existsSync('/dev/dri') && !fs.existsSync('/dev/nvidia0')) process.env.VK_ICD_FILENAMES = icd;
  }
  const mod = (await import(/* @vite-ignore */ 'webgpu')) as { create(o: string[]): GPU; globals: object };
  Object.assign(globalThis, mod.globals);
  instance ??= mod.create(['enable-dawn-features=disable_workgroup_init']);
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new GpuError(`no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`, 'GPU_UNAVAILABLE');
  const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage'])
    requiredLimits[k] = (adapter.limits as unknown as Record<string, number>)[k]!;
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  return { adapter, device, info: summarizeAdapter(adapter) };
}
