// What this browser or runtime offers the engine, found by feature detection (never by the user agent): each
// feature says whether it is there, what the engine does without it, and why, in words a user can read.
import { relaxedSimdValidates } from './cpu/simd-probe.js';
import { getGpu, OPTIONAL_FEATURES, summarizeAdapter, type AdapterSummary } from './gpu/device.js';

export interface Feature {
  available: boolean;
  /** Why it is or is not available, and what the engine uses instead. */
  reason: string;
}

export interface Features {
  wasmSimd: Feature;
  /** SharedArrayBuffer usable across workers: needs crossOriginIsolated (COOP + COEP headers) in a page. */
  threads: Feature;
  offscreenCanvas: Feature;
  videoFrameCallback: Feature;
  webgpu: Feature & { adapter?: AdapterSummary; features: Record<string, Feature> };
}

// The smallest module using a SIMD instruction: (func (result v128) v128.const i32x4 0 0 0 0).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

const FEATURE_USE: Record<string, { with: string; without: string }> = {
  'timestamp-query': { with: 'profile() gives per-layer GPU times', without: 'profile() times layers by the CPU clock' },
  'shader-f16': { with: 'half-precision shaders are possible', without: 'every shader computes in f32' },
  subgroups: { with: 'subgroup operations are possible', without: 'shaders reduce through workgroup memory' },
};

export function detectWasmSimd(): Feature {
  if (typeof WebAssembly !== 'object') return { available: false, reason: 'WebAssembly is missing: the CPU backend runs its JavaScript kernels' };
  return WebAssembly.validate(SIMD_PROBE)
    ? { available: true, reason: 'WebAssembly SIMD validates: the CPU backend runs its wasm SIMD kernels' }
    : { available: false, reason: 'WebAssembly SIMD (v128) does not validate here: the CPU backend runs its JavaScript kernels' };
}

/** Relaxed SIMD's f32x4.relaxed_madd: one fused multiply-add (where the CPU has FMA) instead of a multiply and an add. */
export function detectRelaxedSimd(): Feature {
  return relaxedSimdValidates()
    ? { available: true, reason: 'relaxed SIMD validates: the wasm kernels multiply-add with f32x4.relaxed_madd' }
    : { available: false, reason: 'relaxed SIMD does not validate here: the wasm kernels multiply, then add' };
}

export function detectThreads(): Feature {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; document?: unknown; Worker?: unknown };
  const page = typeof g.document === 'object';
  if (typeof g.SharedArrayBuffer !== 'function') {
    const why = !page ? '' : g.crossOriginIsolated === true ? ' although the page is cross-origin isolated' : ' (the page is not cross-origin isolated: serve it with COOP: same-origin and COEP: require-corp)';
    return { available: false, reason: `SharedArrayBuffer is not exposed${why}; the CPU backend uses one thread` };
  }
  if (page && g.crossOriginIsolated !== true)
    return { available: false, reason: 'the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp); the CPU backend uses one thread' };
  if (page && typeof g.Worker !== 'function') return { available: false, reason: 'Worker is missing; the CPU backend uses one thread' };
  return { available: true, reason: page ? 'cross-origin isolated with SharedArrayBuffer: CPU work can be split across workers' : 'SharedArrayBuffer is available' };
}

export function detectOffscreenCanvas(): Feature {
  return typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'function'
    ? { available: true, reason: 'OffscreenCanvas is available: images can be decoded and resized off the main thread' }
    : { available: false, reason: 'OffscreenCanvas is missing: images are resized on a canvas in the page' };
}

export function detectVideoFrameCallback(): Feature {
  const V = (globalThis as { HTMLVideoElement?: { prototype: object } }).HTMLVideoElement;
  if (!V) return { available: false, reason: 'no HTMLVideoElement in this context (not a page)' };
  return 'requestVideoFrameCallback' in V.prototype
    ? { available: true, reason: 'requestVideoFrameCallback is available: video is read once per decoded frame' }
    : { available: false, reason: 'requestVideoFrameCallback is missing: video is read once per animation frame (requestAnimationFrame)' };
}

export async function detectWebGpu(): Promise<Features['webgpu']> {
  const missing = (why: string): Features['webgpu'] => ({
    available: false,
    reason: `${why}; the engine runs on the CPU`,
    features: Object.fromEntries(OPTIONAL_FEATURES.map((f) => [f, { available: false, reason: 'no WebGPU adapter' }])),
  });
  let gpu: GPU | string;
  try {
    gpu = await getGpu();
  } catch (e) {
    return missing(`WebGPU failed to load (${(e as Error).message})`);
  }
  if (typeof gpu === 'string') return missing(gpu);
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return missing(`requestAdapter() failed (${(e as Error).message})`);
  }
  if (!adapter) return missing('WebGPU is present but requestAdapter() returned no adapter');
  const info = summarizeAdapter(adapter);
  const features: Record<string, Feature> = {};
  for (const f of OPTIONAL_FEATURES) {
    const use = FEATURE_USE[f];
    features[f] = adapter.features.has(f)
      ? { available: true, reason: `the adapter has ${f}${use ? `: ${use.with}` : ''}` }
      : { available: false, reason: `the adapter lacks ${f}${use ? `: ${use.without}` : ''}` };
  }
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  return {
    available: true,
    reason: info.isSoftware ? `a software WebGPU adapter (${name}); 'auto' prefers the CPU over it` : `a WebGPU adapter (${name})`,
    adapter: info,
    features,
  };
}

/** Everything above at once; requests a WebGPU adapter (no device). */
export async function detectFeatures(): Promise<Features> {
  return {
    wasmSimd: detectWasmSimd(),
    threads: detectThreads(),
    offscreenCanvas: detectOffscreenCanvas(),
    videoFrameCallback: detectVideoFrameCallback(),
    webgpu: await detectWebGpu(),
  };
}

/** A CPU model's reason with which kernels it runs, e.g. "...; wasm SIMD kernels". */
export function withCpuKernels(reason: string): string {
  const simd = detectWasmSimd();
  return `${reason}; ${simd.available ? `CPU kernels: wasm SIMD${detectRelaxedSimd().available ? ' + relaxed madd' : ''}` : simd.reason}`;
}
