// Browser half of the GPU overlay check: the scene of test/support/overlay-run.ts on Chromium's WebGPU device, every
// createBuffer on the device counted.
import { requestGpu } from '../../src/gpu/device.js';
import { runOverlayScene } from '../support/overlay-run.js';

export async function run(): Promise<{ adapter: string; frames: number[][]; buffersAfterFirst: number; rendererBuffers: number; passes: number; gpuErrors: string[] }> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('no WebGPU adapter');
  const { device } = gpu;
  const gpuErrors: string[] = [];
  device.addEventListener('uncapturederror', (e) => gpuErrors.push((e as GPUUncapturedErrorEvent).error.message));
  void device.lost.then((i) => gpuErrors.push(`device lost: ${i.message}`));
  let created = 0;
  const create = device.createBuffer.bind(device);
  device.createBuffer = (d: GPUBufferDescriptor) => (created++, create(d));
  const r = await runOverlayScene(device, () => created);
  await device.queue.onSubmittedWorkDone();
  return { ...r, frames: r.frames.map((f) => Array.from(f)), gpuErrors, adapter: [gpu.info.vendor, gpu.info.architecture, gpu.info.description].filter(Boolean).join(' ') };
}
