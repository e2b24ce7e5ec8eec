// src/features.ts in Node (Dawn's WebGPU from test/support/node-gpu.ts): every feature answers with a reason.
import { describe, expect, it } from 'vitest';
import { detectFeatures, withCpuKernels } from '../src/features.js';
import { OPTIONAL_FEATURES } from '../src/gpu/device.js';

describe('detectFeatures', () => {
  it('reports each feature with a readable reason, and the optional WebGPU features of the adapter', async () => {
    const f = await detectFeatures();
    console.log('[features] node', JSON.stringify(f));
    expect(f.wasmSimd).toEqual({ available: true, reason: expect.stringMatching(/wasm SIMD kernels/) });
    expect(f.threads.available).toBe(true); // Node exposes SharedArrayBuffer
    expect(f.videoFrameCallback).toEqual({ available: false, reason: 'no HTMLVideoElement in this context (not a page)' });
    expect(f.webgpu.available).toBe(true);
    expect(f.webgpu.adapter?.isSoftware).toBe(true); // SwiftShader here
    expect(f.webgpu.reason).toMatch(/software WebGPU adapter .*prefers the CPU/);
    expect(Object.keys(f.webgpu.features).sort()).toEqual([...OPTIONAL_FEATURES].sort());
    for (const [name, feat] of Object.entries(f.webgpu.features)) {
      expect(feat.available).toBe(f.webgpu.adapter!.features.includes(name));
      expect(feat.reason).toMatch(feat.available ? /^the adapter has / : /^the adapter lacks .+: /);
    }
  });

  it('a CPU model says which kernels it runs', () => {
    expect(withCpuKernels('the CPU backend was requested')).toBe('the CPU backend was requested; CPU kernels: wasm SIMD');
  });
});
