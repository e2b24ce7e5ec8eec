// Browser half of the GPU overlay check: the scene of test/support/overlay-run.ts on Chromium's WebGPU device, every
// createBuffer on the device counted.
import { runOverlayScene } from '../support/overlay-run.js';
import { countedDevice } from './page-util.js';

export async function run(): Promise<{ adapter: string; frames: number[][]; buffersAfterFirst: number; rendererBuffers: number; passes: number; gpuErrors: string[] }> {
  const { adapter, device, gpuErrors, created } = await countedDevice();
  const r = await runOverlayScene(device, created);
  await device.queue.onSubmittedWorkDone();
  return { ...r, frames: r.frames.map((f) => Array.from(f)), gpuErrors, adapter };
}
