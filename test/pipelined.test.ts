// Pipelined runs: concurrent calls are submitted before earlier ones have mapped their results, and give exactly the
// serial results (their 4-D inputs transposed into one reused staging array, each result an array of its own); a video loop through createImageInput and runToGpu creates no buffer or texture after its first
// frame, and the two runToGpu output sets hold their frames as documented.
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { load } from '../src/model.js';
import type { Tensor } from '../src/tensor.js';
import { createImageInput, CpuImageInput } from '../src/vision/input.js';
import { countingDevice } from './support/counting-device.js';
import { compareTensors, loadFixture } from './support/fixtures.js';
import { getTestDevice, readBuffer } from './support/gpu.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';
import { testImage } from './support/vision-ref.js';

const first = (m: Map<string, Tensor>) => m.values().next().value!;

describe('pipelined runs', () => {
  it('concurrent run() and profile() calls: run N+1 submitted before run N resolves, results equal to serial runs', async () => {
    let resolved = 0;
    const atSubmit: number[] = [];
    const { gpu } = countingDevice(await getTestDevice(), () => atSubmit.push(resolved));
    const fx = loadFixture('mobilenet_v2_035');
    const rg = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape })).graph;
    const exec = await GpuExecutor.compile(gpu, rg);
    const inputs = [0, 1, 2, 3, 4, 5].map((k) => ({ shape: fx.input.shape, data: fx.input.data.map((v, i) => v * (1 + k * 0.3) + Math.sin(i + k) * 0.1) }));
    const serial: Tensor[] = [];
    for (const x of inputs) serial.push(first(await exec.run({ [fx.inputName]: x })));
    const created = exec.stats.buffersCreated;
    atSubmit.length = 0;
    const calls = inputs.map((x, k) =>
      (k === 3 ? exec.profile({ [fx.inputName]: x }).then((r) => r.outputs) : exec.run({ [fx.inputName]: x })).then((r) => {
        resolved++;
        return first(r);
      }),
    );
    const concurrent = await Promise.all(calls);
    // the 4-D input goes through one staging array reused by every call; each result is an array of its own
    expect(new Set(concurrent.map((t) => t.data)).size).toBe(inputs.length);
    concurrent.forEach((t, k) => {
      expect(Array.from(t.data), `call ${k}`).toEqual(Array.from(serial[k]!.data));
      const cmp = compareTensors(t, first(runCpu(rg, { [fx.inputName]: inputs[k]! })), 1e-4, 1e-4);
      expect(cmp.ok, `call ${k}: max abs ${cmp.maxAbsErr}`).toBe(true);
    });
    // The second run reached the queue while the first was still mapping: the runs overlapped.
    expect(atSubmit[1]).toBe(0);
    // Nothing but the profile's timestamp buffers (resolve and readback), where the device has timestamps.
    expect(exec.stats.buffersCreated - created).toBe(gpu.device.features.has('timestamp-query') ? 2 : 0);
    exec.dispose();
  });

  it('a 30-frame video loop through createImageInput and runToGpu creates no buffer or texture after the first frame', async () => {
    const { gpu, counts } = countingDevice(await getTestDevice());
    const graph = mobilenetV2(64, 10);
    const model = await load(graph, { backend: 'webgpu', gpu });
    expect(model.backend, model.reason).toBe('webgpu');
    const exec = (model as unknown as { executor: GpuExecutor }).executor;
    const input = await createImageInput(model, { resize: 'stretch' });
    const base = testImage(80, 60);
    const frames = Array.from({ length: 30 }, (_, f) => ({ ...base, data: base.data.map((v, i) => (i % 4 === 3 ? 255 : (v + 7 * f) & 255)) }));
    const outs: Map<string, { buffer: GPUBuffer; shape: readonly number[] }>[] = [await input.runToGpu(frames[0]!)];
    const after = { ...counts, stats: exec.stats.buffersCreated };
    let pending: Promise<Map<string, { buffer: GPUBuffer; shape: readonly number[] }>> | undefined;
    for (const frame of frames.slice(1)) {
      const next = input.runToGpu(frame);
      if (pending) outs.push(await pending);
      pending = next;
    }
    outs.push(await pending!);
    expect(input.path).toBe('gpu');
    expect({ buffers: counts.buffers, textures: counts.textures, stats: exec.stats.buffersCreated }).toEqual({
      buffers: after.buffers,
      textures: after.textures,
      stats: after.stats,
    });
    expect(counts.submits - after.submits).toBeGreaterThanOrEqual(29 * 2); // every frame: the image pass and the run
    // Two output sets alternate; the last two frames' results are still valid, each its own frame's answer.
    expect(outs[29]!.get('output')!.buffer).toBe(outs[27]!.get('output')!.buffer);
    expect(outs[29]!.get('output')!.buffer).not.toBe(outs[28]!.get('output')!.buffer);
    const cpu = new CpuImageInput(input.options, 'float32');
    for (const f of [28, 29]) {
      const got = await readBuffer(gpu.device, outs[f]!.get('output')!.buffer, 10);
      const want = first(runCpu(model.graph, { input: cpu.convert(frames[f]!).tensor as Tensor }));
      const cmp = compareTensors({ shape: [1, 10], data: got }, want, 1e-3, 1e-3);
      expect(cmp.ok, `frame ${f}: max abs ${cmp.maxAbsErr}`).toBe(true);
    }
    input.dispose();
    model.dispose();
  }, 120_000);
});
