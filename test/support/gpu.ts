// A WebGPU device for Node tests (Dawn via the `webgpu` package), and models on it whose every run is checked to
// have been answered by the GPU. Missing WebGPU fails the test, never skips it.
import { afterAll, expect } from 'vitest';
import { requestGpu, type GpuContext } from '../../src/gpu/device.js';
import type { GpuExecutor } from '../../src/gpu/executor.js';
import { READBACK } from '../../src/gpu/memory.js';
import { load, type LoadOptions, type Model } from '../../src/model.js';
import { notOnGpu } from './on-gpu.js';

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

/**
 * load() on the WebGPU backend (the file's device unless `opts.gpu` is given) with every run() and profile()
 * checked, when it resolves, to have been answered by the GPU: no GPU test can pass on a CPU answer.
 */
export async function loadOnGpu(source: Parameters<typeof load>[0], opts: Omit<LoadOptions, 'backend'> = {}): Promise<Model> {
  const model = await load(source, { ...opts, backend: 'webgpu', gpu: opts.gpu ?? (await getTestDevice()) });
  expect(model.backend, model.reason).toBe('webgpu');
  return new Proxy(model, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === 'run' || prop === 'profile')
        return async (inputs: Parameters<Model['run']>[0]) => {
          const out = await (v as Model['run']).call(target, inputs);
          expectOnGpu(target);
          return out;
        };
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Every call of `model` so far (at least one) was answered by the GPU. */
export function expectOnGpu(model: Model): void {
  expect(notOnGpu(model), 'a GPU test got an answer that did not come from the GPU').toBeUndefined();
}

/** The GpuExecutor behind a WebGPU model (what src/vision reads through Model's `executor` getter). */
export function executorOf(model: Model): GpuExecutor {
  const exec = (model as { executor?: GpuExecutor }).executor;
  if (model.backend !== 'webgpu' || !exec) throw new Error(`model runs on ${model.backend}: no GPU executor`);
  return exec;
}

/** The first `n` floats of a GPU buffer (a runToGpu output), read back. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, n: number): Promise<Float32Array> {
  const rb = device.createBuffer({ size: n * 4, usage: READBACK });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, rb, 0, n * 4);
  device.queue.submit([enc.finish()]);
  await rb.mapAsync(0x0001);
  const out = new Float32Array(rb.getMappedRange().slice(0));
  rb.destroy();
  return out;
}
