// A WebGPU device for Node tests (Dawn via the `webgpu` package). Missing WebGPU fails the test, never skips it.
import { afterAll } from 'vitest';
import { requestGpu, type GpuContext } from '../../src/gpu/device.js';

let pending: Promise<GpuContext> | undefined;

async function open(): Promise<GpuContext> {
  let ctx: GpuContext | undefined;
  try {
    ctx = await requestGpu();
  } catch (e) {
    throw new Error(`WebGPU device request failed: ${(e as Error).message}`);
  }
  if (!ctx) {
    throw new Error(
      [
        'No WebGPU adapter in Node. The tests need the `webgpu` npm package (Dawn) and a Vulkan driver;',
        'without a GPU, install chromium (Debian: apt-get install -y chromium) for its SwiftShader ICD, or set',
        `VK_ICD_FILENAMES to a Vulkan ICD json (currently ${process.env.VK_ICD_FILENAMES ?? 'unset'}).`,
      ].join(' '),
    );
  }
  ctx.device.addEventListener('uncapturederror', (ev) => {
    console.error(`[webgpu] uncaptured error: ${(ev as GPUUncapturedErrorEvent).error.message}`);
  });
  return ctx;
}

/** One device per test file, shared by its tests and destroyed after the file so Dawn lets the worker exit. */
export function getTestDevice(): Promise<GpuContext> {
  pending ??= open();
  return pending;
}

afterAll(async () => {
  if (!pending) return;
  const ctx = await pending.catch(() => undefined);
  pending = undefined;
  ctx?.device.destroy();
});
