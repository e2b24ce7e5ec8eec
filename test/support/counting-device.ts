// A device whose queue.submit, createBuffer and createTexture calls are counted: the ground truth beside the
// executor's own counters (GpuExecutor.stats).
import type { GpuContext } from '../../src/gpu/device.js';

export interface DeviceCounts {
  submits: number;
  buffers: number;
  textures: number;
}

const bound = <T extends object>(t: T, p: string | symbol) => {
  const v = Reflect.get(t, p, t) as unknown;
  return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
};

/** `onSubmit` runs just before each submit reaches the real queue. */
export function countingDevice(gpu: GpuContext, onSubmit: () => void = () => undefined): { gpu: GpuContext; counts: DeviceCounts } {
  const counts: DeviceCounts = { submits: 0, buffers: 0, textures: 0 };
  const queue = new Proxy(gpu.device.queue, {
    get: (t, p) => (p === 'submit' ? (cmds: Iterable<GPUCommandBuffer>) => (counts.submits++, onSubmit(), t.submit(cmds)) : bound(t, p)),
  });
  const device = new Proxy(gpu.device, {
    get(t, p) {
      if (p === 'queue') return queue;
      if (p === 'createBuffer') return (d: GPUBufferDescriptor) => (counts.buffers++, t.createBuffer(d));
      if (p === 'createTexture') return (d: GPUTextureDescriptor) => (counts.textures++, t.createTexture(d));
      return bound(t, p);
    },
  });
  return { gpu: { ...gpu, device }, counts };
}
