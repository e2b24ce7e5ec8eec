import type { AdapterSummary } from './device.js';

/**
 * The kernel family a GPU program is built from:
 *   'tiled'    workgroup-memory tiles shared by the invocations of a workgroup (hardware GPUs);
 *   'register' each invocation's block held in registers, no workgroup memory and no barriers (software adapters
 *              such as SwiftShader, where a barrier is a thread switch).
 */
export type KernelVariant = 'tiled' | 'register';

/** The one place the adapter decides the kernel family; tests force the other by presenting the adapter otherwise. */
export function kernelVariant(info: Pick<AdapterSummary, 'isSoftware'>): KernelVariant {
  return info.isSoftware ? 'register' : 'tiled';
}
