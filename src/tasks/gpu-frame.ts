// A two-stage task's frame on its WebGPU chain (gpu-pose.ts, gpu-hand.ts), while both models run there; a device
// lost on the way sends the frame to the task's other path (the models answer on the CPU from then on).
import { InputError } from '../errors.js';
import { lossSettled } from '../gpu/loss.js';
import type { Model } from '../model.js';
import { executorOf } from '../vision/input.js';

/** `frame()`'s answer, or undefined when there is no chain, a model left WebGPU, or `frame` returned undefined. */
export async function chainFrame<T>(chain: object | undefined, models: readonly Model[], frame: () => Promise<T | undefined>): Promise<T | undefined> {
  if (!chain || models.some((m) => m.backend !== 'webgpu')) return undefined;
  const device = executorOf(models[0]!)?.gpu.device;
  try {
    return await frame();
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (device) await lossSettled(device);
    if (models.every((m) => m.backend === 'webgpu')) throw e;
    return undefined;
  }
}
