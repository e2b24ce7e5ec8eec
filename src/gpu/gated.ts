// A run that a GPU-side flag switches off without a readback: every dispatch indirect, its size written by a small
// pass (shaders/run_gate.wgsl) from the run's grid where the flag is 1.0 and as zeros otherwise. Buffers, pipeline
// and bind group are made once per executor, on its first gated run.
import runGateWgsl from '../../shaders/run_gate.wgsl?raw';
import type { BufferTracker } from './memory.js';
import { STORAGE } from './memory.js';
import { compileModule, shader } from './shader.js';

/** The f32 at byte `offset` of `buffer` (4-aligned) gates the run: 1.0 runs it. */
export interface RunGate {
  readonly buffer: GPUBuffer;
  readonly offset: number;
}

export interface GatedRun {
  /** The dispatch sizes, 3 u32 per step: encodeSteps' indirect buffer. */
  readonly args: GPUBuffer;
  /** Copies the gate's flag and encodes the pass writing `args`, ahead of the run's pass. */
  encode(enc: GPUCommandEncoder, gate: RunGate): void;
}

const WG = 64;
const INDIRECT = 0x100;
const RUN_GATE = shader('run_gate', runGateWgsl);

export async function gatedRun(device: GPUDevice, tracker: BufferTracker, steps: readonly { readonly workgroups: readonly [number, number, number] }[]): Promise<GatedRun> {
  const words = Uint32Array.from(steps.flatMap((s) => [...s.workgroups]));
  const grid = tracker.create(Math.max(16, words.byteLength), STORAGE, 'gated run grid');
  device.queue.writeBuffer(grid, 0, words);
  const args = tracker.create(Math.max(16, words.byteLength), STORAGE | INDIRECT, 'gated run dispatch sizes');
  const flag = tracker.create(16, STORAGE, 'gated run flag');
  const module = await compileModule(device, RUN_GATE);
  const pipeline = await device.createComputePipelineAsync({ label: 'run_gate', layout: 'auto', compute: { module, entryPoint: 'main', constants: { WG } } });
  const group = device.createBindGroup({
    label: 'run_gate',
    layout: pipeline.getBindGroupLayout(0),
    entries: [grid, args, flag].map((buffer, binding) => ({ binding, resource: { buffer, size: binding === 2 ? 4 : Math.max(4, words.byteLength) } })),
  });
  return {
    args,
    encode(enc, gate) {
      enc.copyBufferToBuffer(gate.buffer, gate.offset, flag, 0, 4);
      const pass = enc.beginComputePass({ label: 'run_gate' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(Math.ceil(words.length / WG));
      pass.end();
    },
  };
}
