import { GpuError, InputError } from '../errors.js';
import type { RunStats } from '../run-stats.js';

/** How long a failed GPU run waits for device.lost to settle (it does so after the failure that revealed it). */
export const LOSS_SETTLE_MS = 250;

/** Resolves once `device.lost` has settled or LOSS_SETTLE_MS have passed, whichever comes first. */
export async function lossSettled(device: GPUDevice): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([device.lost, new Promise((r) => (timer = setTimeout(r, LOSS_SETTLE_MS)))]);
  clearTimeout(timer);
}

/** What a GPU model tells a call whose outputs were to stay on the GPU, once its device is lost. */
export const deviceLostError = (call: string, reason: string): GpuError =>
  new GpuError(`${call}: ${reason}; GPU-resident outputs cannot be given, call run() for host tensors`, 'DEVICE_LOST');

/**
 * A call whose outputs stay on the GPU (runToGpu, runOnGpu) of a model that answers on the CPU after a device
 * loss: there are no GPU outputs to give once the device is lost, so such a call (called before, during or after
 * the loss) rejects with a GpuError 'DEVICE_LOST' and is counted in `stats.lostGpuOutputs`; the model's backend is
 * then 'cpu' and run() answers on the CPU. A call that resolved was submitted on a live device (stats.gpu).
 */
export async function gpuResident<T>(
  call: string,
  model: { readonly backend: string; readonly reason: string; readonly stats: RunStats },
  device: GPUDevice,
  run: () => Promise<T>,
): Promise<T> {
  if (model.backend === 'webgpu') {
    try {
      const out = await run();
      if (model.backend === 'webgpu') {
        model.stats.gpu++;
        return out;
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      await lossSettled(device);
      if (model.backend === 'webgpu') throw e;
    }
  }
  model.stats.lostGpuOutputs++;
  throw deviceLostError(call, model.reason);
}
