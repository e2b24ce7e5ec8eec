// Time to first result on WebGPU is mostly pipeline compiles: for a first result, kernels that differ only in their
// activation or in having a bias share one pipeline (the exact ones swap in afterwards), and the pipeline cache
// hands the device every request at once.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { GpuError } from '../src/errors.js';
import { GpuExecutor, UPGRADE_AFTER_CALLS } from '../src/gpu/executor.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { shader } from '../src/gpu/shader.js';
import { kernelVariant } from '../src/gpu/variant.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { load } from '../src/model.js';
import { openKernelDevice } from './support/kernel-device.js';
import { expectClose, uniform } from './support/expect-close.js';
import { getTestDevice, readBuffer } from './support/gpu.js';
import { fromDevice } from '../src/gpu/layout.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * A Winograd 3×3 conv + Relu (its GEMM has no C), 1×1 convs with a bias + Relu, with none and no activation, with
 * a bias + Relu6; depthwise 3×3 convs with Relu and without.
 */
function mixedNet(h: number, w: number) {
  return optimize(resolve(mixedGraph(h, w), { x: [1, 16, h, w] })).graph;
}

function mixedGraph(h: number, w: number) {
  const b = new GraphBuilder('mixed', { seed: 7 });
  const x = b.input('x', [1, 16, h, w]);
  const c0 = b.relu(b.conv2d(x, 16, 16, 3, { padding: 1 }));
  const p1 = b.relu(b.pointwiseConv2d(c0, 16, 12));
  const d1 = b.relu(b.depthwiseConv2d(p1, 12, 3, { padding: 1 }));
  const p2 = b.pointwiseConv2d(d1, 12, 16, { bias: false });
  const d2 = b.depthwiseConv2d(p2, 16, 3, { padding: 1, bias: false });
  b.output(b.relu6(b.pointwiseConv2d(d2, 16, 8)));
  return b.build();
}

describe('pipelines shared across activations and bias', () => {
  // 16 x 13: two of the 1x1 convs (208 rows, 12 and 16 columns) fill one workgroup with 8-row blocks and two with 4
  // (planGemm4), so they share a 4-row first-call kernel of their own
  for (const [h, w, blocks] of [[9, 7, ['8x8']], [16, 13, ['4x8', '8x8']]] as const)
    it(`1x16x${h}x${w}: one GEMM pipeline per row block and one depthwise for the first result, the CPU reference's answer before and after the exact kernels swap in`, async () => {
      const gpu = await getTestDevice();
      expect(kernelVariant(gpu.info)).toBe('register');
      const rg = mixedNet(h, w);
      const fused = rg.nodes.map((n) => n.node.op);
      expect(fused.filter((op) => op === 'Relu' || op === 'Clip'), fused.join(',')).toEqual([]);
      const pipelines = new PipelineCache(gpu.device);
      const exec = await GpuExecutor.compile(gpu, rg, pipelines);
      try {
        const keys = pipelines.keys;
        // the GEMM every 1x1 conv shares (loop epilogue); the 3x3 conv's first calls run the direct kernel, not Winograd
        expect(keys.filter((k) => k.startsWith('gemm.')).sort(), keys.join(' ')).toEqual(blocks.map((b) => `gemm.register4.${b}.cb.loop|ACT=2,HAS_C=1`).sort());
        expect(keys.filter((k) => k.startsWith('depthwise.')), keys.join(' ')).toHaveLength(1);
        expect(keys.filter((k) => k.startsWith('conv2d.')), keys.join(' ')).toEqual(['conv2d.register4.8x8.loop|ACT=2,KH=3,KW=3']);
        expect(keys.filter((k) => k.startsWith('winograd.')), keys.join(' ')).toEqual([]);
        const conv = rg.nodes[0]!.node.name;
        expect(exec.dispatches.filter((d) => d.node === conv)).toHaveLength(1);
        const x = { shape: [1, 16, h, w], data: uniform(rng(h * w), 16 * h * w) };
        const want = runCpu(rg, { x }, { fast: false }).values().next().value!;
        const got = (await exec.run({ x })).values().next().value!;
        expect(got.shape).toEqual(want.shape);
        expectClose(got.data, want.data, `mixed ${h}x${w}`, 1e-4, 1e-4);
        // then each exact kernel (unrolled epilogue, its own activation, no C read where there is none) swaps in, and
        // Winograd (input transform, its GEMM, output transform) for the direct conv: same answer
        await exec.upgraded();
        expect(exec.dispatches.filter((d) => d.node === conv)).toHaveLength(3);
        expect(pipelines.keys.filter((k) => k.startsWith('winograd.'))).toEqual(['winograd.input|', 'winograd.output|ACT=1']);
        const exact = pipelines.keys.filter((k) => k.startsWith('gemm.'));
        expect(exact, exact.join(' ')).toEqual(
          expect.arrayContaining([
            'gemm.register4.8x8.cb|ACT=0,HAS_C=0',
            `gemm.register4.${blocks[0]}.cb|ACT=0,HAS_C=1`,
            `gemm.register4.${blocks[0]}.cb|ACT=1,HAS_C=1`,
          ]),
        );
        const again = (await exec.run({ x })).values().next().value!;
        expectClose(again.data, want.data, `mixed ${h}x${w} (upgraded)`, 1e-4, 1e-4);
      } finally {
        exec.dispose();
      }
    });
});

/** A device that records its calls and never finishes a pipeline: what PipelineCache asks for, and when. */
function recordingDevice() {
  const calls: string[] = [];
  const device = {
    pushErrorScope: () => calls.push('push'),
    popErrorScope: () => (calls.push('pop'), Promise.resolve(null)),
    createShaderModule: (d: GPUShaderModuleDescriptor) => (calls.push(`module ${d.label}`), { getCompilationInfo: () => Promise.resolve({ messages: [] }) }),
    createComputePipelineAsync: (d: GPUComputePipelineDescriptor) => (calls.push(`pipeline ${d.label}`), new Promise<never>(() => undefined)),
  };
  return { device: device as unknown as GPUDevice, calls };
}

describe('a page with two models', () => {
  it("a Winograd conv runs the direct kernel until Winograd's kernels compile with the upgrades (which warm the shared GEMM); a second model's starts on Winograd", async () => {
    const gpu = await getTestDevice();
    const pipelines = new PipelineCache(gpu.device);
    const graph = (seed: number) => {
      const a = new GraphBuilder('wino', { seed });
      a.output(a.relu(a.conv2d(a.input('x', [1, 16, 10, 9]), 16, 16, 3, { padding: 1 })));
      return optimize(resolve(a.build(), { x: [1, 16, 10, 9] })).graph;
    };
    const x = { shape: [1, 16, 10, 9], data: uniform(rng(5), 16 * 90) };
    const wino = () => pipelines.keys.filter((k) => k.startsWith('winograd.') || k.startsWith('gemm.')).sort();
    // Winograd's lean GEMM (no C, no activation) and the shared first-call GEMM of 1x1 convs, warmed for later models
    const winoKeys = ['gemm.register4.8x8.cb.loop|ACT=2,HAS_C=1', 'gemm.register4.8x8.cb|ACT=0,HAS_C=0', 'winograd.input|', 'winograd.output|ACT=1'];
    for (const [seed, firstDispatches] of [[3, 1], [4, 3]] as const) {
      const rg = graph(seed);
      const exec = await GpuExecutor.compile(gpu, rg, pipelines);
      try {
        expect(exec.dispatches).toHaveLength(firstDispatches);
        expect(wino()).toEqual(seed === 3 ? [] : winoKeys);
        const want = runCpu(rg, { x }, { fast: false }).values().next().value!;
        // every way to run it: read back, gated in place (its dispatch sizes written for every step, the ones not
        // running skipped; the gate made before the swap), profiled (one layer)
        const gate = { buffer: gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC }), offset: 0 };
        gpu.device.queue.writeBuffer(gate.buffer, 0, new Float32Array([1]));
        const out = rg.graph.outputs[0]!;
        const check = async (label: string) => {
          expectClose((await exec.run({ x })).values().next().value!.data, want.data, label, 1e-4, 1e-4);
          await exec.runInPlace({ x }, gate);
          const inPlace = fromDevice(want.shape, await readBuffer(gpu.device, exec.edgeBuffer(out)!, want.data.length));
          expectClose(inPlace, want.data, `${label} in place`, 1e-4, 1e-4);
          const { outputs, profile } = await exec.profile({ x });
          expect(profile.layers.map((l) => l.op)).toEqual(['Conv']);
          expectClose(outputs.get(out)!.data, want.data, `${label} profiled`, 1e-4, 1e-4);
        };
        await check(rg.graph.name);
        const bytes = exec.liveBuffers.bytes;
        await exec.upgraded();
        expect(exec.dispatches).toHaveLength(3);
        expect(wino()).toEqual(winoKeys);
        // Winograd's scratch (V and M: 16 × 5 × 5 tiles × 16 channels each) and weights (16 × 16 × 16) made when it is
        // swapped in, not at load
        expect(exec.liveBuffers.bytes - bytes).toBe(seed === 3 ? (2 * 16 * 25 * 16 + 16 * 16 * 16) * 4 : 0);
        await check(`${rg.graph.name} (upgraded)`);
        gate.buffer.destroy();
      } finally {
        exec.dispose();
      }
    }
  });
});

describe('when the upgrades compile', () => {
  it(`not while a model has finished fewer than ${UPGRADE_AFTER_CALLS} calls; after the ${UPGRADE_AFTER_CALLS}rd, or at upgraded()`, async () => {
    const gpu = await getTestDevice();
    const rg = mixedNet(9, 7);
    const x = { shape: [1, 16, 9, 7], data: uniform(rng(97), 16 * 63) };
    const exact = (p: PipelineCache) => p.keys.filter((k) => k.startsWith('gemm.') && !k.includes('.loop'));
    const settle = () => new Promise((r) => setTimeout(r, 300));
    // calls in a loop: nothing compiles until the third has finished
    const looped = new PipelineCache(gpu.device);
    const a = await GpuExecutor.compile(gpu, rg, looped);
    // one call: upgraded() starts them
    const once = new PipelineCache(gpu.device);
    const b = await GpuExecutor.compile(gpu, rg, once);
    try {
      const before = exact(looped).length;
      for (let k = 1; k < UPGRADE_AFTER_CALLS; k++) await a.run({ x });
      await settle();
      expect(exact(looped).length).toBe(before);
      await a.run({ x });
      expect(exact(looped).length).toBeGreaterThan(before);
      await b.run({ x });
      await settle();
      expect(exact(once)).toEqual([]);
      await b.upgraded();
      expect(exact(once).length).toBeGreaterThan(0);
      await a.upgraded();
      expect(Array.from((await a.run({ x })).values().next().value!.data)).toEqual(Array.from((await b.run({ x })).values().next().value!.data));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('Model.settled() starts them after one call and resolves once they are in; at once on the CPU', async () => {
    // a device of its own, so its shared pipeline cache holds this model's kernels alone
    const gpu = await openKernelDevice();
    try {
      const x = { shape: [1, 16, 9, 7], data: uniform(rng(98), 16 * 63) };
      const model = await load(mixedGraph(9, 7), { backend: 'webgpu', gpu });
      expect(model.backend).toBe('webgpu');
      const first = (await model.run({ x })).values().next().value!;
      const cache = PipelineCache.forDevice(gpu.device);
      const exact = () => cache.keys.filter((k) => k.startsWith('gemm.') && !k.includes('.loop'));
      expect(exact()).toEqual([]);
      await model.settled();
      expect(exact().length).toBeGreaterThan(0);
      expectClose((await model.run({ x })).values().next().value!.data, first.data, 'settled', 1e-5, 1e-5);
      model.dispose();
      const cpu = await load(mixedGraph(9, 7), { backend: 'cpu' });
      await cpu.settled();
      cpu.dispose();
    } finally {
      gpu.device.destroy();
    }
  });
});

describe('PipelineCache requests', () => {
  const def = shader('probe', '@group(0) @binding(0) var<storage, read_write> y: array<f32>;\noverride A: u32 = 0u;\n@compute @workgroup_size(1) fn main() { y[0] = f32(A); }');

  it('asks the device for the module and the pipeline before get() returns, once per key', () => {
    const { device, calls } = recordingDevice();
    const cache = new PipelineCache(device);
    void cache.get(def, { A: 1 });
    expect(calls).toEqual(['push', 'module probe', 'pop', 'pipeline probe|A=1']);
    void cache.get(def, { A: 1 });
    void cache.get(def, { A: 2 });
    expect(calls.filter((c) => c.startsWith('module'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('pipeline'))).toEqual(['pipeline probe|A=1', 'pipeline probe|A=2']);
    expect(cache.stats).toMatchObject({ modules: 1, pipelines: 2, hits: 1 });
  });

  it('a pipeline that fails without WGSL errors is a GPU_PIPELINE GpuError naming its key', async () => {
    const gpu = await getTestDevice();
    // valid WGSL, but the override has no value and no default: pipeline creation fails
    const bad = shader('probe.noDefault', '@group(0) @binding(0) var<storage, read_write> y: array<f32>;\noverride B: u32;\n@compute @workgroup_size(1) fn main() { y[0] = f32(B); }');
    const err = await new PipelineCache(gpu.device).get(bad, {}).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).code).toBe('GPU_PIPELINE');
    expect((err as GpuError).message).toContain('pipeline "probe.noDefault|"');
  });
});

describe('baked weights and shared kernels', () => {
  it("a literal-B pointwise conv with no twin in its model bakes its weights into its own kernel; twins (same shapes and attributes, other weights) share one kernel with bound weights; all answer as the CPU", async () => {
    const gpu = await getTestDevice();
    const b = new GraphBuilder('twins', { seed: 11 });
    const x = b.input('x', [1, 8, 64, 64]);
    const p0 = b.relu(b.pointwiseConv2d(x, 8, 16));
    const p1 = b.relu(b.pointwiseConv2d(p0, 16, 16));
    b.output(b.relu(b.pointwiseConv2d(p1, 16, 16)));
    const rg = optimize(resolve(b.build(), { x: [1, 8, 64, 64] })).graph;
    const pipelines = new PipelineCache(gpu.device);
    const exec = await GpuExecutor.compile(gpu, rg, pipelines);
    try {
      await exec.upgraded();
      const literal = pipelines.keys.filter((k) => /\.ck\d+/.test(k)).map((k) => k.split('|')[0]!).sort();
      expect(literal).toEqual([expect.stringMatching(/^gemm\.register4\.8x16\.cb\.ck16$/), expect.stringMatching(/^gemm\.register4\.8x16\.cb\.ck8\.k[0-9a-f]{16}n128$/)]);
      const xv = { shape: [1, 8, 64, 64], data: uniform(rng(3), 8 * 64 * 64) };
      const want = runCpu(rg, { x: xv }, { fast: false }).values().next().value!;
      expectClose((await exec.run({ x: xv })).values().next().value!.data, want.data, 'twins', 1e-4, 1e-4);
    } finally {
      exec.dispose();
    }
  });
});
