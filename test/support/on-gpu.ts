// Whether a model's calls were answered by the GPU. A GPU model answers on the CPU after a device loss (and, with
// onGpuError 'cpu', after a GPU error): a GPU test that only compared outputs would pass on those CPU answers.
// Plain TypeScript (no vitest) so the browser pages use the same check as the Node tests.
import type { Model } from '../../src/model.js';

/** Why not every call of `model` so far ran on the GPU, or undefined when all of them (at least one) did. */
export function notOnGpu(model: Model): string | undefined {
  const s = model.stats;
  if (model.backend !== 'webgpu') return `the model is on the ${model.backend} backend: ${model.reason}`;
  if (s.cpu > 0) return `${s.cpu} call(s) answered by the CPU (${s.deviceLost} after a device loss, ${s.gpuErrors} after a GPU error)`;
  if (s.gpu === 0) return 'no call has run on the GPU yet';
  return undefined;
}
