// The CPU answers a GPU model's runs only when its device is really lost; any other GPU failure is a GpuError
// naming the node (or, with onGpuError 'cpu', a CPU answer that model.stats counts).
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { GpuError } from '../src/errors.js';
import { requestGpu, type GpuContext } from '../src/gpu/device.js';
import { load, type Model } from '../src/model.js';
import { compareTensors, loadFixture } from './support/fixtures.js';
import { executorOf, readBuffer } from './support/gpu.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';
import { testImage } from './support/vision-ref.js';
import { createImageInput, CpuImageInput } from '../src/vision/input.js';
import type { Tensor } from '../src/tensor.js';
import { notOnGpu } from './support/on-gpu.js';

async function freshGpu(): Promise<GpuContext> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('no WebGPU adapter (the test needs the webgpu package and a Vulkan ICD)');
  return gpu;
}

const fx = loadFixture('tiny_inverted_residual_op11');
const feed = (k: number) => ({ [fx.inputName]: { shape: fx.input.shape, data: fx.input.data.map((v) => v + k * 0.1) } });
function expectCpuAnswer(model: Model, out: Map<string, { shape: readonly number[]; data: Float32Array }>, k: number): void {
  const ref = runCpu(model.graph, feed(k)).values().next().value!;
  const cmp = compareTensors(out.values().next().value!, ref, 1e-4, 1e-4);
  expect(cmp.ok, `run ${k}: max abs ${cmp.maxAbsErr}`).toBe(true);
}

/** A real GPU failure on a live device: the buffer of the first node's output is destroyed under the model. */
function breakFirstNode(model: Model): string {
  const exec = executorOf(model);
  const first = model.graph.nodes[0]!;
  (exec as unknown as { edges: Map<string, GPUBuffer> }).edges.get(first.node.outputs[0]!)!.destroy();
  return first.node.name;
}

describe('device loss', () => {
  it('runs before, during and after a lost device all return the right answer', async () => {
    const gpu = await freshGpu();
    const model = await load(fx.graph, { backend: 'webgpu', gpu });
    expectCpuAnswer(model, await model.run(feed(0)), 0);
    expect(model.backend).toBe('webgpu');
    expect(notOnGpu(model)).toBeUndefined();
    const inFlight = [1, 2, 3].map((k) => model.run(feed(k)));
    gpu.device.destroy();
    const results = await Promise.all(inFlight);
    results.forEach((r, i) => expectCpuAnswer(model, r, i + 1));
    for (let k = 4; k < 7; k++) expectCpuAnswer(model, await model.run(feed(k)), k);
    expect(model.backend).toBe('cpu');
    expect(model.reason).toMatch(/lost/);
    expect(model.stats.gpu + model.stats.cpu).toBe(7);
    expect(model.stats.deviceLost).toBe(model.stats.cpu);
    expect(model.stats.deviceLost).toBeGreaterThanOrEqual(3);
    expect(notOnGpu(model)).toMatch(/cpu backend/);
  });

  it('a GPU failure on a live device is a GpuError naming the node, not a CPU answer', async () => {
    const gpu = await freshGpu();
    try {
      const model = await load(fx.graph, { backend: 'webgpu', gpu });
      await model.run(feed(0));
      const node = breakFirstNode(model);
      const err = await model.run(feed(1)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GpuError);
      expect((err as GpuError).code).toBe('GPU_VALIDATION');
      expect((err as Error).message).toContain(`node "${node}"`);
      // the same for profile(); the device is fine, so the model stays on the GPU and nothing was answered by the CPU
      await expect(model.profile(feed(2))).rejects.toThrow(`node "${node}"`);
      expect(model.backend).toBe('webgpu');
      expect(model.stats).toEqual({ gpu: 1, cpu: 0, deviceLost: 0, gpuErrors: 0, lostGpuOutputs: 0 });
      model.dispose();
    } finally {
      gpu.device.destroy();
    }
  });

  it("onGpuError 'cpu' answers a failed GPU run on the CPU and counts it", async () => {
    const gpu = await freshGpu();
    try {
      const model = await load(fx.graph, { backend: 'webgpu', gpu, onGpuError: 'cpu' });
      await model.run(feed(0));
      breakFirstNode(model);
      expectCpuAnswer(model, await model.run(feed(1)), 1);
      expect(model.backend).toBe('webgpu');
      expect(model.stats).toEqual({ gpu: 1, cpu: 1, deviceLost: 0, gpuErrors: 1, lostGpuOutputs: 0 });
      expect(notOnGpu(model)).toMatch(/1 call\(s\) answered by the CPU \(0 after a device loss, 1 after a GPU error\)/);
      model.dispose();
    } finally {
      gpu.device.destroy();
    }
  });

  it('a runToGpu video loop that loses its device: GPU results before, DEVICE_LOST after, run() answers on the CPU', async () => {
    const gpu = await freshGpu();
    const model = await load(mobilenetV2(64, 10), { backend: 'webgpu', gpu });
    expect(model.backend, model.reason).toBe('webgpu');
    const input = await createImageInput(model, { resize: 'stretch' });
    const cpu = new CpuImageInput(input.options, 'float32');
    const base = testImage(80, 60);
    const frames = Array.from({ length: 10 }, (_, f) => ({ ...base, data: base.data.map((v, i) => (i % 4 === 3 ? 255 : (v + 7 * f) & 255)) }));
    const reference = (f: number) => runCpu(model.graph, { input: cpu.convert(frames[f]!).tensor as Tensor }).values().next().value!;
    type Settled = { out: Map<string, { buffer: GPUBuffer; shape: readonly number[] }> } | { err: unknown };
    const settle = (p: Promise<Map<string, { buffer: GPUBuffer; shape: readonly number[] }>>): Promise<Settled> =>
      p.then((out) => ({ out }), (err: unknown) => ({ err }));
    const LOSS = 6; // destroyed just before frame 6 is called, while frame 5 is in flight
    const results: Settled[] = [];
    let pending = settle(input.runToGpu(frames[0]!));
    for (let f = 1; f <= frames.length; f++) {
      if (f === LOSS) gpu.device.destroy();
      const next = f < frames.length ? settle(input.runToGpu(frames[f]!)) : undefined;
      const r = await pending;
      results.push(r);
      // Frames before the loss: read back on the live device before their output set is reused (two calls later).
      if (f - 1 < LOSS - 1) {
        expect('out' in r, `frame ${f - 1}: ${'err' in r ? String(r.err) : ''}`).toBe(true);
        const got = await readBuffer(gpu.device, (r as { out: Map<string, { buffer: GPUBuffer }> }).out.get('output')!.buffer, 10);
        const cmp = compareTensors({ shape: [1, 10], data: got }, reference(f - 1), 1e-3, 1e-3);
        expect(cmp.ok, `frame ${f - 1}: max abs ${cmp.maxAbsErr}`).toBe(true);
      }
      if (next) pending = next;
    }
    // Frame 5 was called on a live device: it resolved (submitted before the loss) or was refused; every later one is refused.
    const refused = results.filter((r) => 'err' in r);
    for (const r of results.slice(LOSS)) expect('err' in r).toBe(true);
    for (const r of refused) {
      expect((r as { err: unknown }).err).toBeInstanceOf(GpuError);
      expect(((r as { err: GpuError }).err).code).toBe('DEVICE_LOST');
      expect(((r as { err: GpuError }).err).message).toMatch(/lost.*call run\(\)/);
    }
    expect(model.backend).toBe('cpu');
    expect(model.stats.gpu + model.stats.lostGpuOutputs).toBe(frames.length);
    expect(model.stats.lostGpuOutputs).toBe(refused.length);
    expect(model.stats.cpu).toBe(0);
    // A refused frame is still answered by run(): on the CPU, the reference's answer.
    const cmp = compareTensors((await input.run(frames[9]!)).get('output')!, reference(9), 1e-4, 1e-4);
    expect(cmp.ok, `run after the loss: max abs ${cmp.maxAbsErr}`).toBe(true);
    expect(input.path).toBe('cpu');
    expect(model.stats).toMatchObject({ cpu: 1, deviceLost: 1 });
    await expect(input.runOnGpu(frames[9]!)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    input.dispose();
    model.dispose();
  }, 120_000);
});
