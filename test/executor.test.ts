import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { InputError } from '../src/errors.js';
import type { GpuContext } from '../src/gpu/device.js';
import { GpuExecutor } from '../src/gpu/executor.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { countingDevice } from './support/counting-device.js';
import { compareTensors, loadFixture } from './support/fixtures.js';
import { getTestDevice, loadOnGpu, readBuffer } from './support/gpu.js';
import { fromDevice } from '../src/gpu/layout.js';
import { sizeOf } from '../src/tensor.js';

// matmul_two_activations: MatMuls whose A and B are both activations (runtime operands bound from the edges)
const NETS = ['tiny_inverted_residual_op11', 'mobilenet_v2_035', 'separable_block_bn_relu6', 'squeeze_excite', 'shuffle_unit', 'matmul_two_activations'];

/** The device with every queue.submit counted: the ground truth beside GpuExecutor.stats.submits. */
function countingSubmits(gpu: GpuContext): { gpu: GpuContext; submits: () => number } {
  const c = countingDevice(gpu);
  return { gpu: c.gpu, submits: () => c.counts.submits };
}

describe('GPU executor', () => {
  for (const name of NETS) {
    it(`${name}: whole graph on the GPU matches PyTorch`, async () => {
      const fx = loadFixture(name);
      const model = await loadOnGpu(fx.graph);
      const out = (await model.run({ [fx.inputName]: fx.input })).values().next().value!;
      const cmp = compareTensors(out, fx.expected!, fx.atol, fx.rtol);
      expect(cmp.ok, `${name}: max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
      model.dispose();
    });
  }

  it('one submit and one readback per run; memory plan reuses buffers; no leak over runs; dispose frees all', async () => {
    const { gpu, submits } = countingSubmits(await getTestDevice());
    const fx = loadFixture('tiny_inverted_residual_op11');
    const rg = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape })).graph;
    const exec = await GpuExecutor.compile(gpu, rg);
    expect(exec.memory.plannedBytes).toBeLessThan(exec.memory.naiveBytes);
    const base = exec.liveBuffers;
    const before = submits();
    const created = exec.stats.buffersCreated;
    for (let i = 0; i < 20; i++) await exec.run({ [fx.inputName]: fx.input });
    expect(exec.stats).toEqual({ submits: 20, readbacks: 20, buffersCreated: created });
    expect(submits() - before).toBe(20);
    expect(exec.liveBuffers).toEqual(base);
    exec.dispose();
    expect(exec.liveBuffers).toEqual({ count: 0, bytes: 0 });
  });

  it('MobileNet memory plan is well below the sum of its intermediates', async () => {
    const gpu = await getTestDevice();
    const fx = loadFixture('mobilenet_v2_035');
    const exec = await GpuExecutor.compile(gpu, optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape })).graph);
    expect(exec.memory.plannedBytes).toBeLessThan(exec.memory.naiveBytes / 2.5);
    exec.dispose();
  });

  it('concurrent runs from several callers get their own, correct results', async () => {
    const fx = loadFixture('tiny_inverted_residual_op11');
    const model = await loadOnGpu(fx.graph);
    const inputs = [0, 1, 2, 3].map((k) => ({ shape: fx.input.shape, data: fx.input.data.map((v) => v * (1 + k * 0.5)) }));
    const results = await Promise.all(inputs.map((x) => model.run({ [fx.inputName]: x })));
    results.forEach((r, k) => {
      const ref = runCpu(model.graph, { [fx.inputName]: inputs[k]! }).values().next().value!;
      const cmp = compareTensors(r.values().next().value!, ref, 1e-4, 1e-4);
      expect(cmp.ok, `caller ${k}: max abs ${cmp.maxAbsErr}`).toBe(true);
    });
    model.dispose();
  });

  it('profiles every layer with GPU timestamps and returns the same answer', async () => {
    const gpu = await getTestDevice();
    const fx = loadFixture('tiny_inverted_residual_op11');
    const model = await loadOnGpu(fx.graph, { gpu });
    const { outputs, profile } = await model.profile({ [fx.inputName]: fx.input });
    expect(profile.source).toBe(gpu.device.features.has('timestamp-query') ? 'timestamp-query' : 'wall-clock');
    expect(profile.layers.map((l) => l.node)).toEqual(model.graph.nodes.map((n) => n.node.name));
    for (const l of profile.layers) expect(l.ms).toBeGreaterThanOrEqual(0);
    expect(profile.layers.reduce((a, l) => a + l.ms, 0)).toBeGreaterThan(0);
    const cmp = compareTensors(outputs.values().next().value!, fx.expected!, fx.atol, fx.rtol);
    expect(cmp.ok).toBe(true);
    model.dispose();
  });

  it('IO binding: a GPUBuffer input and outputs left on the GPU chain without a CPU round trip', async () => {
    const { gpu, submits } = countingSubmits(await getTestDevice());
    const fx = loadFixture('tiny_inverted_residual_op11');
    const rg = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape })).graph;
    const exec = await GpuExecutor.compile(gpu, rg);
    const before = submits();
    const onGpu = await exec.runToGpu({ [fx.inputName]: fx.input });
    expect(exec.stats.readbacks).toBe(0);
    const first = onGpu.values().next().value!;
    // The output has the input's shape (residual net), so it can be fed straight back in as a GPUBuffer.
    expect(first.shape).toEqual(fx.input.shape);
    const twice = await exec.run({ [fx.inputName]: first });
    const once = runCpu(rg, { [fx.inputName]: fx.input }).values().next().value!;
    const ref = runCpu(rg, { [fx.inputName]: once }).values().next().value!;
    const cmp = compareTensors(twice.values().next().value!, ref, 1e-4, 1e-4);
    expect(cmp.ok, `max abs ${cmp.maxAbsErr}`).toBe(true);
    // the GPUBuffer input's copy is in the run's one submit, and the counter counts what the queue really got
    expect(exec.stats).toMatchObject({ submits: 2, readbacks: 1 });
    expect(submits() - before).toBe(2);
    // a GPUBuffer input is checked as a host one is: its name, its shape, and a buffer large enough for the shape
    const small = gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const run = async (inputs: Record<string, unknown>) => exec.run(inputs);
    await expect(run({ nope: first })).rejects.toThrow(/unknown input "nope"/);
    await expect(run({ [fx.inputName]: first, nope: fx.input })).rejects.toThrow(/unknown input "nope"/);
    await expect(run({ [fx.inputName]: { buffer: first.buffer, shape: [1, 2, 3, 4] } })).rejects.toThrow(/expected shape/);
    await expect(run({ [fx.inputName]: { buffer: small, shape: fx.input.shape } })).rejects.toThrow(/GPUBuffer of 16 bytes is smaller than/);
    await expect(run({ [fx.inputName]: { buffer: small, shape: fx.input.shape } })).rejects.toThrow(InputError);
    // and the run after the refused ones answers
    expect(compareTensors((await exec.run({ [fx.inputName]: first })).values().next().value!, ref, 1e-4, 1e-4).ok).toBe(true);
    small.destroy();
    exec.dispose();
  });

  it('runInPlace with a gate: flag 1.0 runs the graph (PyTorch fixture), any other value leaves the outputs as they were; no buffer after the first gated run', async () => {
    const gpu = await getTestDevice();
    const { device } = gpu;
    const fx = loadFixture('tiny_inverted_residual_op11');
    const rg = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape })).graph;
    const exec = await GpuExecutor.compile(gpu, rg);
    const out = rg.graph.outputs[0]!;
    const buffer = exec.edgeBuffer(out)!;
    const n = sizeOf(rg.shapes.get(out)!);
    // the flag at a non-zero offset, as a task's ROI record holds its `valid`
    const flag = device.createBuffer({ size: 32, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    const gate = { buffer: flag, offset: 12 };
    const sentinel = new Float32Array(n).fill(-7);
    const read = async () => (exec.isRaw(out) ? readBuffer(device, buffer, n) : fromDevice(rg.shapes.get(out)!, await readBuffer(device, buffer, n)));
    try {
      for (const value of [0, 0.5, Number.NaN]) {
        device.queue.writeBuffer(buffer, 0, sentinel);
        device.queue.writeBuffer(flag, 12, new Float32Array([value]));
        await exec.runInPlace({ [fx.inputName]: fx.input }, gate);
        expect(await readBuffer(device, buffer, n)).toEqual(sentinel);
      }
      const created = exec.stats.buffersCreated;
      device.queue.writeBuffer(flag, 12, new Float32Array([1]));
      await exec.runInPlace({ [fx.inputName]: fx.input }, gate);
      const cmp = compareTensors({ shape: rg.shapes.get(out)!, data: await read() }, fx.expected!, fx.atol, fx.rtol);
      expect(cmp.ok, `max abs ${cmp.maxAbsErr}`).toBe(true);
      expect(exec.stats.buffersCreated).toBe(created);
    } finally {
      flag.destroy();
      exec.dispose();
    }
  });

  it('wrong input name, shape or length is an InputError stating expected and received', async () => {
    const fx = loadFixture('tiny_inverted_residual_op11');
    const model = await loadOnGpu(fx.graph);
    await expect(model.run({ nope: fx.input })).rejects.toThrow(InputError);
    await expect(model.run({ [fx.inputName]: { shape: [1, 2, 3, 4], data: new Float32Array(24) } })).rejects.toThrow(/expected shape/);
    await expect(model.run({ [fx.inputName]: new Float32Array(5) })).rejects.toThrow(/needs \d+ values, got 5/);
    model.dispose();
  });
});
