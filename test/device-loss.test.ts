// The CPU answers a GPU model's runs only when its device is really lost; any other GPU failure is a GpuError
// naming the node (or, with onGpuError 'cpu', a CPU answer that model.stats counts).
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { GpuError } from '../src/errors.js';
import { requestGpu, type GpuContext } from '../src/gpu/device.js';
import { load, type Model } from '../src/model.js';
import { compareTensors, loadFixture } from './support/fixtures.js';
import { executorOf } from './support/gpu.js';
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
      expect(model.stats).toEqual({ gpu: 1, cpu: 0, deviceLost: 0, gpuErrors: 0 });
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
      expect(model.stats).toEqual({ gpu: 1, cpu: 1, deviceLost: 0, gpuErrors: 1 });
      expect(notOnGpu(model)).toMatch(/1 call\(s\) answered by the CPU \(0 after a device loss, 1 after a GPU error\)/);
      model.dispose();
    } finally {
      gpu.device.destroy();
    }
  });
});
