import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { requestGpu } from '../src/gpu/device.js';
import { load } from '../src/model.js';
import { compareTensors, loadFixture } from './support/fixtures.js';

describe('device loss', () => {
  it('runs before, during and after a lost device all return the right answer', async () => {
    const gpu = await requestGpu();
    if (!gpu) throw new Error('no WebGPU adapter (the test needs the webgpu package and a Vulkan ICD)');
    const fx = loadFixture('tiny_inverted_residual_op11');
    const model = await load(fx.graph, { backend: 'webgpu', gpu });
    const feed = (k: number) => ({ [fx.inputName]: { shape: fx.input.shape, data: fx.input.data.map((v) => v + k * 0.1) } });
    const check = (out: Map<string, { shape: readonly number[]; data: Float32Array }>, k: number) => {
      const ref = runCpu(model.graph, feed(k)).values().next().value!;
      const cmp = compareTensors(out.values().next().value!, ref, 1e-4, 1e-4);
      expect(cmp.ok, `run ${k}: max abs ${cmp.maxAbsErr}`).toBe(true);
    };
    check(await model.run(feed(0)), 0);
    expect(model.backend).toBe('webgpu');
    const inFlight = [1, 2, 3].map((k) => model.run(feed(k)));
    gpu.device.destroy();
    const results = await Promise.all(inFlight);
    results.forEach((r, i) => check(r, i + 1));
    for (let k = 4; k < 7; k++) check(await model.run(feed(k)), k);
    expect(model.backend).toBe('cpu');
    expect(model.reason).toMatch(/lost/);
  });
});
