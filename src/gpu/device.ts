import { GpuError } from '../errors.js';
import type { AdapterSummary } from '../engine.js';
export type { AdapterSummary } from '../engine.js';

export interface GpuContext {
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly info: AdapterSummary;
  /**
   * Storage precision of weights and interior activations in the hardware-path (tiled) conv kernels: 'f16' takes
   * effect only on a device created with `shader-f16` (accumulation stays f32; src/gpu/precision.ts). Default 'f32'.
   */
  readonly precision?: 'f32' | 'f16';
}

/** Optional adapter features the engine asks for when the adapter has them (src/features.ts reports each). */
export const OPTIONAL_FEATURES: readonly GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups' as GPUFeatureName];

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|microsoft basic render|warp/i;

/** Where a GPU comes from when navigator.gpu is missing: a GPU, or a plain sentence saying why there is none. */
export type GpuSource = () => Promise<GPU | string>;

const noNavigatorGpu: GpuSource = async () =>
  typeof process !== 'undefined' && !!process.versions?.node
    ? "Node has no navigator.gpu; import sepconv's Node entry (the default under Node) with the optional `webgpu` package installed"
    : 'this browser or context has no navigator.gpu (WebGPU is missing or disabled)';

let fallbackSource: GpuSource = noNavigatorGpu;

/** Sets the source used where navigator.gpu is missing; the Node entry (src/node.ts) sets Dawn (src/gpu/dawn.ts). */
export function setGpuSource(source: GpuSource): void {
  fallbackSource = source;
}

/** navigator.gpu where it exists, else the registered source (in Node: Dawn, when the `webgpu` package loads). */
export async function getGpu(): Promise<GPU | string> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? fallbackSource();
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
    subgroupMinSize: (info as { subgroupMinSize?: number } | undefined)?.subgroupMinSize ?? 4,
  };
}

/**
 * Requests an adapter and a device with the adapter's full limits and the optional features the engine uses.
 * Returns a sentence saying why when WebGPU is not available at all; throws GpuError when it is present but fails.
 */
export async function acquireGpu(opts: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuContext | string> {
  const gpu = await getGpu();
  if (typeof gpu === 'string') return gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) return 'WebGPU is present but offers no adapter';
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
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

/** acquireGpu() without the reason: undefined when WebGPU is not available. */
export async function requestGpu(opts: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuContext | undefined> {
  const ctx = await acquireGpu(opts);
  return typeof ctx === 'string' ? undefined : ctx;
}
