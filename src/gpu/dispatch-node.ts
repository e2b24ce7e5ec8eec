import { GpuError } from '../errors.js';
import type { Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import type { ResolvedNode } from '../graph/resolve.js';
import { GPU_PROGRAMS } from './programs/registry.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { bindGroupFor, makeBuildCtx } from './build-ctx.js';
import type { GpuContext } from './device.js';
import { fromDevice, toDevice } from './layout.js';
import { BufferTracker, READBACK, STORAGE } from './memory.js';
import { PipelineCache } from './pipelines.js';
import { readyDispatches, type GpuProgram } from './program.js';

/** Reads a storage buffer back to the host. */
export async function readBuffer(device: GPUDevice, tracker: BufferTracker, src: GPUBuffer, bytes: number): Promise<Float32Array> {
  const rb = tracker.create(bytes, READBACK, 'readback');
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, rb, 0, Math.ceil(bytes / 4) * 4);
  device.queue.submit([enc.finish()]);
  await rb.mapAsync(0x0001);
  const out = new Float32Array(rb.getMappedRange().slice(0, bytes));
  rb.unmap();
  tracker.destroy(rb);
  return out;
}

/**
 * Runs one resolved node alone on the GPU: uploads its inputs (NCHW -> device layout), replays its dispatches, and
 * returns its outputs in NCHW. Used by the validation harness and kernel tests. As in the executor, an input is a
 * load-time constant for the program only when its name is in `constants` (the resolved graph's constants, e.g.
 * weights); every other input is a runtime tensor the program must bind, whatever value `inputs` gives it.
 * `upgraded`: what the executor swaps in after a model's first calls (GpuNodeProgram.later, else each
 * Dispatch.upgrade) instead of the first call's dispatches.
 */
export async function runNodeOnGpu(
  gpu: GpuContext,
  rn: ResolvedNode,
  inputs: readonly Value[],
  constants: ReadonlyMap<string, Value>,
  pipelines = new PipelineCache(gpu.device),
  program: GpuProgram | undefined = GPU_PROGRAMS.get(rn.node.op),
  opts: { readonly upgraded?: boolean } = {},
): Promise<Tensor[]> {
  if (!program) throw new GpuError(`no GPU program for ${rn.node.op} (node "${rn.node.name}")`, 'GPU_UNSUPPORTED');
  const tracker = new BufferTracker(gpu.device);
  const { device } = gpu;
  try {
    device.pushErrorScope('validation');
    const inBufs = inputs.map((v, i) => {
      if (!v || v.shape.length === 0 && sizeOf(v.shape) === 0) return tracker.create(4, STORAGE, `in${i}`);
      const data = isInt(v) ? Float32Array.from(v.ints) : v.data;
      const dev = toDevice(v.shape, data);
      const b = tracker.create(Math.max(4, dev.byteLength), STORAGE, `${rn.node.name}.in${i}`);
      device.queue.writeBuffer(b, 0, dev.buffer, dev.byteOffset, dev.byteLength);
      return b;
    });
    const outBufs = rn.outputShapes.map((s, i) => tracker.create(Math.max(4, sizeOf(s) * 4), STORAGE, `${rn.node.name}.out${i}`));
    const ctx = makeBuildCtx(gpu, pipelines, tracker, rn.node.inputs.map((name) => (name === '' ? undefined : constants.get(name))));
    const prog = await program.build(rn, ctx);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const d of await readyDispatches(prog, pipelines, !!opts.upgraded)) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, bindGroupFor(device, d.pipeline, d.bindings, inBufs, outBufs, d.label));
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    }
    pass.end();
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new GpuError(`${rn.node.op} node "${rn.node.name}": ${err.message}`, 'GPU_VALIDATION');
    const outs: Tensor[] = [];
    for (let i = 0; i < rn.outputShapes.length; i++) {
      const shape = rn.outputShapes[i]!;
      const raw = await readBuffer(device, tracker, outBufs[i]!, sizeOf(shape) * 4);
      outs.push({ shape, data: fromDevice(shape, raw) });
    }
    return outs;
  } finally {
    tracker.destroyAll();
  }
}
