// One GPU program (not the registry's) on host inputs: each input in its own storage buffer, one output buffer, the
// dispatches in one pass. Input 3, when there, is typically a residual bound as a runtime input.
import { bindGroupFor, makeBuildCtx } from '../../src/gpu/build-ctx.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { readBuffer } from '../../src/gpu/dispatch-node.js';
import { fromDevice, toDevice } from '../../src/gpu/layout.js';
import { BufferTracker, STORAGE } from '../../src/gpu/memory.js';
import type { PipelineCache } from '../../src/gpu/pipelines.js';
import { readyDispatches, type GpuProgram } from '../../src/gpu/program.js';
import type { Value } from '../../src/graph/ir.js';
import type { ResolvedNode } from '../../src/graph/resolve.js';
import { sizeOf, type Tensor } from '../../src/tensor.js';

/**
 * The output in ONNX layout and the dispatch labels. `constants`: what the build sees as constant (default: every
 * input). What the executor runs once its upgrades are in (GpuNodeProgram.later, else each Dispatch.upgrade) unless
 * `first` is set: then the first call's dispatches.
 */
export async function runProgram(
  gpu: GpuContext, program: GpuProgram, rn: ResolvedNode, inputs: readonly Value[], pipelines: PipelineCache,
  constants: readonly (Value | undefined)[] = rn.node.inputs.map((_, i) => inputs[i]),
  first = false,
): Promise<{ y: Float32Array; labels: string[] }> {
  const { device } = gpu;
  const tracker = new BufferTracker(device);
  try {
    const bufs = inputs.map((v, i) => {
      const dev = toDevice(v.shape, (v as Tensor).data);
      const b = tracker.create(Math.max(16, dev.byteLength), STORAGE, `in${i}`);
      device.queue.writeBuffer(b, 0, dev);
      return b;
    });
    const shape = rn.outputShapes[0]!;
    const out = tracker.create(sizeOf(shape) * 4, STORAGE, 'out');
    const prog = await program.build(rn, makeBuildCtx(gpu, pipelines, tracker, [...constants]));
    const ready = await readyDispatches(prog, pipelines, !first);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const d of ready) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, bindGroupFor(device, d.pipeline, d.bindings, bufs, [out], d.label));
      pass.dispatchWorkgroups(...d.workgroups);
    }
    pass.end();
    device.queue.submit([enc.finish()]);
    return { y: fromDevice(shape, await readBuffer(device, tracker, out, sizeOf(shape) * 4)), labels: ready.map((d) => d.label) };
  } finally {
    tracker.destroyAll();
  }
}
