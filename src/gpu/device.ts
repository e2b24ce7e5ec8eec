import { GpuError } from '../errors.js';

/** What the engine needs to know about the adapter it got. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (SwiftShader, llvmpipe, WARP) or an adapter flagged isFallbackAdapter. */
  isSoftware: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface GpuContext {
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly info: AdapterSummary;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|microsoft basic render|warp/i;

// Dawn's GPU instance must outlive every adapter and device made from it: if it is garbage-collected the
// native side aborts the process ("Owner died"), so the one instance is kept here for the life of the module.
let nodeGpu: GPU | undefined;

/** navigator.gpu in a browser; in Node the `webgpu` package (Dawn), when it is installed. */
export async function getGpu(): Promise<GPU | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) return undefined;
  if (nodeGpu) return nodeGpu;
  try {
    if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) {
      const fs = await import('node:fs');
      const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
      if (fs.existsSync(icd) && !fs.existsSync('/dev/dri') && !fs.existsSync('/dev/nvidia0')) process.env.VK_ICD_FILENAMES = icd;
    }
    // Vulkan's window-system probe prints an error per process when this is unset (headless CI, containers).
    if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = (await import('node:os')).tmpdir();
    const mod = (await import(/* @vite-ignore */ 'webgpu')) as { create(o: string[]): GPU; globals: object };
    Object.assign(globalThis, mod.globals);
    // Dawn zero-fills every workgroup array on entry and SwiftShader compiles that fill as straight-line code
    // (a 7.5 KiB array: ~3 s per pipeline instead of ~30 ms). Every kernel here writes each workgroup element
    // before reading it, so the fill is dead work. Browsers keep their own setting.
    nodeGpu = mod.create(['enable-dawn-features=disable_workgroup_init']);
    return nodeGpu;
  } catch {
    return undefined;
  }
}

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const text = [info?.vendor, info?.architecture, info?.device, info?.description].join(' ');
  const limits: Record<string, number> = {};
  for (const k in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') limits[k] = v;
  }
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isSoftware: (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true || SOFTWARE.test(text),
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

/**
 * Requests an adapter and a device with the adapter's full limits and the optional features the engine uses.
 * Returns undefined when WebGPU is not available at all; throws GpuError when it is present but fails.
 */
export async function requestGpu(opts: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuContext | undefined> {
  const gpu = await getGpu();
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) return undefined;
  const wanted: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups' as GPUFeatureName];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const k of [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBuffersPerShaderStage',
  ]) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  } catch (e) {
    throw new GpuError(`requestDevice failed: ${(e as Error).message}`, 'GPU_DEVICE');
  }
  return { adapter, device, info: summarizeAdapter(adapter) };
}
