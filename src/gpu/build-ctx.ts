import type { Value } from '../graph/ir.js';
import type { ElemStorage } from './elem-storage.js';
import type { GpuContext } from './device.js';
import { deviceLimits } from './limits.js';
import { BufferTracker, STORAGE, UNIFORM } from './memory.js';
import type { ParamsLayout } from './params.js';
import { PipelineCache, type Constants } from './pipelines.js';
import { weightsF16 } from './precision.js';
import type { BindingRef, GpuBuildCtx } from './program.js';
import type { ShaderDef } from './shader.js';

/** The build context for one node; buffers it creates belong to the tracker (the model) and die with it. */
export function makeBuildCtx(
  gpu: GpuContext,
  pipelines: PipelineCache,
  tracker: BufferTracker,
  constants: readonly (Value | undefined)[],
  storage?: (ref: BindingRef) => ElemStorage,
  twins: () => number = () => 1,
): GpuBuildCtx {
  const { device } = gpu;
  const upload = (data: Float32Array | Uint32Array, label: string) => {
    const buffer = tracker.create(Math.max(4, data.byteLength), STORAGE, label);
    device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  };
  const lazy = (make: () => GPUBuffer): BindingRef => {
    let buffer: GPUBuffer | undefined;
    return { kind: 'lazy', buffer: () => (buffer ??= make()) };
  };
  return {
    device,
    info: gpu.info,
    limits: deviceLimits(gpu),
    pipelines,
    weightsF16: weightsF16(gpu),
    pipeline: (def: ShaderDef, c: Constants = {}) => pipelines.get(def, c),
    constBuffer: (data, label) => ({ kind: 'buffer', buffer: upload(data, label) }),
    lazyConstBuffer: (data, label) => lazy(() => upload(data(), label)),
    uniform<F extends string>(layout: ParamsLayout<F>, values: Readonly<Record<F, number>>, label: string): BindingRef {
      const buffer = tracker.create(layout.byteSize, UNIFORM, label);
      device.queue.writeBuffer(buffer, 0, layout.pack(values));
      return { kind: 'buffer', buffer };
    },
    scratch: (bytes, label) => lazy(() => tracker.create(Math.max(4, bytes), STORAGE, label)),
    constant: (i) => constants[i],
    twins,
    ...(storage ? { storageOf: storage } : {}),
  };
}

/** The buffer a binding ref names (a lazy one is made here the first time). */
export function refBuffer(r: BindingRef, inputs: readonly GPUBuffer[], outputs: readonly GPUBuffer[]): GPUBuffer {
  return r.kind === 'buffer' ? r.buffer : r.kind === 'lazy' ? r.buffer() : r.kind === 'input' ? inputs[r.index]! : outputs[r.index]!;
}

/** Resolves binding refs to real buffers and creates the bind group once. */
export function bindGroupFor(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  refs: readonly BindingRef[],
  inputs: readonly GPUBuffer[],
  outputs: readonly GPUBuffer[],
  label: string,
): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: refs.map((r, binding) => ({
      binding,
      resource: { buffer: refBuffer(r, inputs, outputs) },
    })),
  });
}
