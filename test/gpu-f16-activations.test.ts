// f16 storage of interior activations on the hardware (tiled) path, f32 accumulation (src/gpu/act-storage.ts).
// Here (SwiftShader, no shader-f16) the packed flavour (f16 pairs in u32 words, core WGSL pack2x16float) runs the
// same kernels and the same executor policy numerically, with the hardware path forced: a small DSC network (stem
// conv, depthwise, pointwise, fused residual, odd sizes and channel counts, relu6; fused dw -> pw and not) and
// MobileNetV2 (width 0.25, fixtures/zoo) against the CPU / PyTorch reference and the f32 GPU run. The native flavour
// (`enable f16;`) cannot run here: every f16 module MobileNetV2 compiles with precision 'f16' on a shader-f16
// device is generated and type-checked by naga (wgpu's validator); where the
// device has shader-f16 (a lent GPU) the last block runs MobileNetV2 on it, else it is skipped saying why.
//
// Tolerance. Each stored activation is rounded to f16: relative error ≤ u = 2^-11 (round to nearest; no overflow:
// only activations bounded within f16's range are stored as f16, elem-storage.ts halfSafeOutput). A layer's output then differs from its f32 value by at most
// u·Σ|w·x| (inputs) + u·|y| (its own store) + f32 accumulation error, and the errors of L stored layers add up:
// |Δ| ≲ L·u·G·max|ref| with G the gain Σ|w·x| / |y| of the layers. The small net (at most 9 stores, G ~1 with
// relu6 and small weights; measured ~0.7u) is held to 8u·max|ref| ≈ 3.9e-3·max|ref|; MobileNetV2 (width 0.25: 17 f16
// tensors, the stem's and expansions' Relu6 outputs, once the dw -> pw pairs fuse; random-sign errors add like √L,
// G up to ~10; measured 20u) to
// 64u·max(1, max|ref|) ≈ 3.1e-2 for the logits, and the same top-1 class as the reference.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { halfActivations, halfTensors, storageResolver } from '../src/gpu/act-storage.js';
import { makeBuildCtx } from '../src/gpu/build-ctx.js';
import type { GpuContext } from '../src/gpu/device.js';
import { deviceGraph, GpuExecutor, type GpuCompileOptions } from '../src/gpu/executor.js';
import { F16_MAX, halfSafeOutput } from '../src/gpu/elem-storage.js';
import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { fusePostFor } from '../src/gpu/fuse-post.js';
import { deviceLimits } from '../src/gpu/limits.js';
import { BufferTracker } from '../src/gpu/memory.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { GPU_PROGRAMS } from '../src/gpu/programs/registry.js';
import { fullSource, type ShaderDef } from '../src/gpu/shader.js';
import { conv2dShader } from '../src/gpu/kernels/conv2d.js';
import { depthwiseShader } from '../src/gpu/kernels/depthwise.js';
import { dwpwShader } from '../src/gpu/kernels/dwpw.js';
import { BLOCK_4X4, GEMM_BLOCKS, gemmShader } from '../src/gpu/kernels/gemm.js';
import type { Graph } from '../src/graph/ir.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { loadOnnx } from '../src/onnx/import.js';
import type { FusedActivation } from '../src/ops/activation.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { FUSED_DWPW, type DwPwAttrs } from '../src/ops/dwpw.js';
import type { Tensor } from '../src/tensor.js';
import { loadTflite } from '../src/tflite/import.js';
import { FIXTURES_DIR, loadNpy } from './support/fixtures.js';
import { relErr } from './support/expect-close.js';
import { openKernelDevice } from './support/kernel-device.js';
import { nagaErrors } from './support/naga.js';

const U = 2 ** -11;

const gpu = await openKernelDevice();
const hasF16 = gpu.device.features.has('shader-f16');
const hw = (precision: 'f32' | 'f16' = 'f32'): GpuContext => ({ ...gpu, precision, info: { ...gpu.info, isSoftware: false } });
afterAll(() => gpu.device.destroy());

/** As load() prepares a graph for a hardware adapter: optimized, dw -> pw fused where it wins (or not at all). */
function hwGraph(graph: Graph, shapes: Record<string, number[]> = {}, fuse = true): ResolvedGraph {
  const rg = optimize(resolve(graph, shapes)).graph;
  return fusePostFor(fuse ? fuseDwPwFor(rg, { variant: 'tiled', limits: deviceLimits(hw()) }).graph : rg, 'tiled');
}

async function runOn(ctx: GpuContext, rg: ResolvedGraph, feeds: Record<string, Tensor>, opts: GpuCompileOptions = {}) {
  const pipelines = new PipelineCache(gpu.device);
  const exec = await GpuExecutor.compile(ctx, rg, pipelines, opts);
  try {
    const out = (await exec.run(feeds)).get(rg.graph.outputs[0]!)!;
    return { out: out.data as Float32Array, half: exec.halfTensors, bytes: exec.memory.plannedBytes, keys: [...pipelines.keys] };
  } finally {
    exec.dispose();
  }
}

/**
 * A MobileNet-like block stack at odd sizes: stem 3x3 s2, expand, dw, project + residual, dw s2, dw 5x5, a regular
 * conv; odd channel counts (27, 19, 9), so rows of packed f16 pairs straddle pixels and invocations.
 */
function dscNet(): Graph {
  const b = new GraphBuilder('dsc_f16', { seed: 11 });
  const x = b.input('x', [1, 3, 23, 21]);
  const a = b.relu6(b.conv2d(x, 3, 12, 3, { stride: 2, padding: 1 }));
  const e = b.relu6(b.pointwiseConv2d(a, 12, 27));
  const d = b.relu6(b.depthwiseConv2d(e, 27, 3, { padding: 1 }));
  const r = b.add(a, b.pointwiseConv2d(d, 27, 12));
  const e2 = b.relu6(b.pointwiseConv2d(r, 12, 36));
  const d2 = b.relu6(b.depthwiseConv2d(e2, 36, 3, { stride: 2, padding: 1 }));
  const p2 = b.pointwiseConv2d(d2, 36, 19);
  const d3 = b.relu6(b.depthwiseConv2d(p2, 19, 5, { padding: 2 }));
  b.output(b.relu6(b.conv2d(d3, 19, 9, 3, { padding: 1 })), 'y');
  return b.build();
}

/**
 * MobileNetV2 (torchvision, width 0.25, 64², 10 classes; fixtures/zoo, committed with PyTorch's output): the
 * hardware-path graph, its input and PyTorch's output. (bench/models' width-1.0 export is generated by
 * `npm run bench`, so a fresh clone's tests cannot read it; bench/traffic.ts counts that one.)
 */
function mobilenet() {
  const dir = join(FIXTURES_DIR, 'zoo', 'mobilenet_v2');
  const graph = loadOnnx(new Uint8Array(readFileSync(join(dir, 'model.onnx'))));
  const input = loadNpy(join(dir, 'input.npy'));
  const m = { input_name: graph.inputs[0]!.name, output_name: graph.outputs[0]! };
  const rg = hwGraph(graph, { [m.input_name]: [...input.shape] });
  return { m, rg, feeds: { [m.input_name]: input }, ref: loadNpy(join(dir, 'output.npy')).data };
}

function seeded(shape: number[], seed: number): Tensor {
  let s = seed;
  return { shape, data: new Float32Array(shape.reduce((a, v) => a * v, 1)).map(() => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1) };
}

describe('the f16 policy (act-storage.ts)', () => {
  it('stores a conv output as f16 only where its final activation bounds it within f16 range (halfSafeOutput)', () => {
    const safe: [FusedActivation, boolean][] = [
      [{ kind: 'clip', min: 0, max: 6 }, true], [{ kind: 'clip', min: -F16_MAX, max: F16_MAX }, true], [{ kind: 'clip', min: -1e5, max: 0 }, false],
      [{ kind: 'sigmoid' }, true], [{ kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }, true],
      [{ kind: 'none' }, false], [{ kind: 'relu' }, false], [{ kind: 'hardswish' }, false],
    ];
    for (const [act, want] of safe) {
      expect(halfSafeOutput(act, false), JSON.stringify(act)).toBe(want);
      // act(conv) + residual: unbounded whatever the activation
      expect(halfSafeOutput(act, true)).toBe(false);
    }
  });

  it('keeps f32 a tensor some reader cannot read as f16, one a producer cannot write as f16, the graph edges, and every tensor off the tiled variant', () => {
    const b = new GraphBuilder('policy', { seed: 3 });
    const x = b.input('x', [1, 8, 9, 9]);
    const a = b.relu6(b.conv2d(x, 8, 8, 3, { padding: 1 }));
    const p = b.maxPool2d(a, 3, { stride: 1, padding: 1 });
    const c = b.pointwiseConv2d(a, 8, 12);
    const e = b.relu6(b.pointwiseConv2d(c, 12, 8));
    b.output(b.add(b.pointwiseConv2d(p, 8, 8), e), 'y');
    const rg = hwGraph(b.build(), {}, false);
    const producer = new Map(rg.nodes.flatMap((rn) => rn.node.outputs.map((o) => [o, rn.node.op] as const)));
    const half = halfTensors(rg, GPU_PROGRAMS, 'tiled');
    const readers = (t: string) => rg.nodes.filter((rn) => rn.node.inputs.includes(t)).map((rn) => rn.node.op);
    // a: read by MaxPool (f32) and a Conv: f32; p: written by MaxPool: f32; c (no activation: unbounded) f32 although
    // Conv to Conv; e (Relu6) Conv to Conv: f16
    const interior = [...producer.keys()].filter((t) => t !== 'y');
    expect(interior.filter((t) => readers(t).includes('MaxPool') || producer.get(t) === 'MaxPool').some((t) => half.has(t))).toBe(false);
    const convToConv = interior.filter((t) => producer.get(t) === 'Conv' && readers(t).every((op) => op === 'Conv'));
    const act = (t: string) => (rg.nodes.find((rn) => rn.node.outputs.includes(t))!.attrs as ConvAttrs).act.kind;
    expect(convToConv.map(act).sort()).toEqual(['clip', 'none']);
    expect(convToConv.filter((t) => half.has(t)).map(act)).toEqual(['clip']);
    expect(half.size).toBe(1);
    expect(half.has('y') || half.has('x')).toBe(false);
    expect(halfTensors(rg, GPU_PROGRAMS, 'register').size).toBe(0);
  });
});

describe('packed f16 activations on the hardware path (SwiftShader)', () => {
  it('are off unless asked for: precision f32 or no shader-f16 keeps every tensor f32', () => {
    expect(halfActivations(hw('f32'))).toBeUndefined();
    if (!hasF16) expect(halfActivations(hw('f16'))).toBeUndefined();
    expect(halfActivations({ ...gpu, info: { ...gpu.info, isSoftware: true } }, 'packed-f16')).toBeUndefined();
    expect(halfActivations(hw(), 'packed-f16')).toBe('packed');
  });

  it.skipIf(hasF16)(`precision f16 without shader-f16 changes nothing: no f16 tensor, bit-identical, f32 pipelines only${hasF16 ? ' (skipped: this device has shader-f16)' : ''}`, async () => {
    const rg = hwGraph(dscNet());
    const feeds = { x: seeded([1, 3, 23, 21], 5) };
    const [a, b] = [await runOn(hw('f16'), rg, feeds), await runOn(hw('f32'), rg, feeds)];
    expect(a.half.size).toBe(0);
    expect(a.bytes).toBe(b.bytes);
    expect(a.out).toEqual(b.out);
    expect(a.keys.some((k) => /\.[abwxyr][hp][.|]/.test(k))).toBe(false);
    expect(a.keys.sort()).toEqual(b.keys.sort());
  });

  it.each([true, false])('DSC net (dw -> pw fused: %s): interior tensors f16, edges f32, within 8u·max|ref| of the CPU', async (fuse) => {
    const rg = hwGraph(dscNet(), {}, fuse);
    if (fuse) expect(rg.nodes.some((n) => n.node.op === FUSED_DWPW)).toBe(true);
    const feeds = { x: seeded([1, 3, 23, 21], 5) };
    const ref = runCpu(rg, feeds).get('y')!.data as Float32Array;
    const f32 = await runOn(hw(), rg, feeds);
    const f16 = await runOn(hw(), rg, feeds, { activations: 'packed-f16' });
    expect(f32.half.size).toBe(0);
    const { rg: dev } = deviceGraph(rg);
    const interior = dev.nodes.filter((n) => !n.node.outputs.some((o) => dev.graph.outputs.includes(o)));
    // every interior tensor is produced and read by the tiled conv kernels here: f16 where its producer's activation
    // bounds it (Relu6), f32 after a residual add or without an activation (f16 could overflow there)
    const bounded = (n: (typeof interior)[number]) => {
      const a = (n.node.op === FUSED_DWPW ? (n.attrs as DwPwAttrs).pw : n.attrs) as ConvAttrs;
      return !a.residual && a.act.kind === 'clip';
    };
    expect([...f16.half].sort()).toEqual(interior.filter(bounded).flatMap((n) => n.node.outputs).sort());
    expect(interior.filter((n) => !bounded(n)).length).toBeGreaterThanOrEqual(2);
    for (const edge of [...dev.inputShapes.keys(), ...dev.graph.outputs]) expect(f16.half.has(edge)).toBe(false);
    expect(f16.bytes).toBeLessThan(f32.bytes);
    // relative to max |ref| itself: this net's outputs are small (max |ref| ~0.07)
    expect(relErr(f32.out, ref, 0)).toBeLessThan(1e-5);
    const err = relErr(f16.out, ref, 0);
    console.log(`DSC net (fused ${fuse}): ${f16.half.size} f16 tensors, buffers ${f32.bytes} -> ${f16.bytes} bytes, max |Δ| / max|ref| ${err.toExponential(2)} (${(err / U).toFixed(2)}u)`);
    expect(err).toBeLessThan(8 * U);
    // the check can fail: the f16 result is not the f32 one
    expect(err).toBeGreaterThan(0);
  });

  it('an interior tensor beyond f16 range (no activation bounds it) stays f32: the answer is the f32 one, not an overflow', async () => {
    const b = new GraphBuilder('f16_range', { seed: 7 });
    const x = b.input('x', [1, 4, 9, 11]);
    const h = b.pointwiseConv2d(x, 4, 8);
    const e = b.relu6(b.pointwiseConv2d(h, 8, 8));
    b.output(b.pointwiseConv2d(e, 8, 4), 'y');
    const rg = hwGraph(b.build(), {}, false);
    // inputs up to 3e5: h reaches several times f16's largest finite value (65504)
    const feeds = { x: { shape: [1, 4, 9, 11], data: seeded([1, 4, 9, 11], 9).data.map((v) => v * 3e5) } };
    let hMax = 0;
    const ref = runCpu(rg, feeds, { onNode: (k, outs) => k === 0 && (hMax = Math.max(...(outs[0] as Tensor).data.map(Math.abs))) }).get('y')!.data as Float32Array;
    expect(hMax).toBeGreaterThan(2 * F16_MAX);
    const f16 = await runOn(hw(), rg, feeds, { activations: 'packed-f16' });
    const producerAct = (t: string) => (rg.nodes.find((rn) => rn.node.outputs.includes(t))!.attrs as ConvAttrs).act.kind;
    expect([...f16.half].map(producerAct)).toEqual(['clip']);
    expect(relErr(f16.out, ref, 0)).toBeLessThan(8 * U);
  });

  it('MobileNetV2 (fixtures/zoo, width 0.25): within 64u of PyTorch, same top-1, interior tensors f16, buffers smaller', async () => {
    const { m, rg, feeds, ref } = mobilenet();
    const f32 = await runOn(hw(), rg, feeds);
    const f16 = await runOn(hw(), rg, feeds, { activations: 'packed-f16' });
    const argmax = (a: Float32Array) => a.indexOf(Math.max(...a));
    for (const edge of [m.input_name, m.output_name]) expect(f16.half.has(edge)).toBe(false);
    // the stem's and the expansions' Relu6 outputs (the depthwise ones live inside the fused dw -> pw kernels)
    expect(f16.half.size).toBeGreaterThan(15);
    expect(f16.bytes).toBeLessThan(0.8 * f32.bytes);
    expect(f16.out.length).toBe(ref.length);
    const err = relErr(f16.out, ref);
    console.log(`MobileNetV2 packed f16 activations: ${f16.half.size} f16 tensors, buffers ${f32.bytes} -> ${f16.bytes} bytes, ` +
      `max |Δ| / max(1, max|ref|) ${err.toExponential(2)} (f32 GPU ${relErr(f32.out, ref).toExponential(2)})`);
    expect(err).toBeLessThan(64 * U);
    expect(argmax(f16.out)).toBe(argmax(ref));
  }, 120_000);
});

/** The device as one with shader-f16 would be (the features only: no pipeline is compiled on it). */
function withShaderF16(ctx: GpuContext): GpuContext {
  const features = new Set([...ctx.device.features, 'shader-f16']);
  const device = new Proxy(ctx.device, {
    get: (t, p) => (p === 'features' ? features : typeof Reflect.get(t, p) === 'function' ? Reflect.get(t, p).bind(t) : Reflect.get(t, p)),
  });
  return { ...ctx, device, precision: 'f16', info: { ...ctx.info, isSoftware: false } };
}

/** Every module the executor would compile for rg with native f16 activations: each node built with a recording ctx.pipeline. */
async function nativeModules(rg0: ResolvedGraph): Promise<{ defs: Map<string, ShaderDef>; half: Set<string> }> {
  const ctx16 = withShaderF16(gpu);
  const { rg } = deviceGraph(rg0);
  const half = halfTensors(rg, GPU_PROGRAMS, 'tiled');
  const defs = new Map<string, ShaderDef>();
  const tracker = new BufferTracker(gpu.device);
  const pipelines = new PipelineCache(gpu.device);
  try {
    for (const rn of rg.nodes) {
      const base = makeBuildCtx(ctx16, pipelines, tracker, rn.node.inputs.map((i) => (i === '' ? undefined : rg.constants.get(i))),
        storageResolver(rn.node.inputs, rn.node.outputs, half, 'f16'));
      const record = async (def: ShaderDef) => (defs.set(def.name, def), {} as GPUComputePipeline);
      await GPU_PROGRAMS.get(rn.node.op)!.build(rn, { ...base, pipeline: record });
    }
  } finally {
    tracker.destroyAll();
  }
  return { defs, half };
}

describe('native f16 activations (enable f16): every module of MobileNetV2 type-checks in naga', () => {
  it('the face detector has no f16 activation: its tiled convs end unbounded (no activation, or a residual add before a Relu node)', async () => {
    const rg = hwGraph(loadTflite(new Uint8Array(readFileSync(join(process.cwd(), 'node_modules', '@mediapipe', 'face_detection', 'face_detection_short_range.tflite')))));
    expect((await nativeModules(rg)).half.size).toBe(0);
  });

  it.each([['MobileNetV2 (width 0.25)', () => mobilenet().rg]] as [string, () => ResolvedGraph][])('%s', async (name, graph) => {
    const { defs, half } = await nativeModules(graph());
    // the stem's and the expansions' Relu6 outputs; the projections (no activation, residual adds) stay f32
    expect(half.size).toBeGreaterThan(15);
    const f16 = [...defs.values()].filter((d) => fullSource(d).startsWith('enable f16;'));
    // activations (x, y, residual) in f16 storage, not only the weights
    expect(f16.filter((d) => /\.(a|x|y|r)h\b/.test(d.name)).length).toBeGreaterThan(0);
    console.log(`${name}: ${half.size} f16 tensors, ${f16.length} of ${defs.size} modules with enable f16, type-checked by naga`);
    expect(nagaErrors(f16)).toEqual([]);
  }, 60_000);

  it('every tiled kernel family × activation storage (f16, packed, mixed with f32) × vec4 / scalar × residual type-checks', () => {
    const defs: ShaderDef[] = [];
    for (const st of ['f16', 'packed'] as const)
      for (const vec of [false, true])
        for (const residual of [false, true]) {
          const wh = st === 'f16';
          for (const block of GEMM_BLOCKS) defs.push(gemmShader('tiled', residual, { aVec: vec, bVec: vec, yVec: vec, bHalf: wh, a: st, y: st, r: st }, block));
          defs.push(gemmShader('tiled', residual, { aVec: vec, yVec: vec, y: st }), gemmShader('tiled', residual, { aVec: vec, yVec: vec, a: st, r: st }));
          for (const staged of [false, true]) {
            defs.push(conv2dShader('tiled', residual, vec, vec, BLOCK_4X4, staged, { x: st, y: st, r: st }));
            defs.push(conv2dShader('tiled', residual, vec, vec, BLOCK_4X4, staged, { y: st }));
          }
          defs.push(dwpwShader(residual, { wF16: wh, x4: vec, y4: vec, x: st, y: st, r: st }), dwpwShader(residual, { x4: vec, y4: vec, x: st }));
          defs.push(depthwiseShader(wh, st, vec ? st : 'f32'), depthwiseShader(wh, vec ? st : 'f32', st));
        }
    const unique = new Map(defs.map((d) => [d.name, d]));
    expect(unique.size).toBeGreaterThan(100);
    expect(nagaErrors(unique.values())).toEqual([]);
  });

  it('the check can fail: an f16 store without its narrowing conversion is refused', () => {
    const source = 'enable f16;\n@group(0) @binding(0) var<storage, read_write> y: array<f16>;\n@compute @workgroup_size(1) fn main() { y[0] = 1.0f; }';
    expect(nagaErrors([{ name: 'broken', source }])).toHaveLength(1);
    expect(nagaErrors([{ name: 'fixed', source: source.replace('1.0f', 'f16(1.0f)') }])).toEqual([]);
  });
});

describe('native f16 activations on a device with shader-f16', () => {
  const why = hasF16 ? '' : ' (skipped: this adapter has no shader-f16; the packed runs above are the numeric check here)';
  it.skipIf(!hasF16)(`DSC net within 8u·max|ref| of the CPU, f16 pipelines${why}`, async () => {
    const rg = hwGraph(dscNet());
    const feeds = { x: seeded([1, 3, 23, 21], 5) };
    const r = await runOn(hw('f16'), rg, feeds);
    expect(r.half.size).toBeGreaterThan(0);
    expect(r.keys.some((k) => /\.[axyr]h[.|]/.test(k))).toBe(true);
    expect(relErr(r.out, runCpu(rg, feeds).get('y')!.data as Float32Array, 0)).toBeLessThan(8 * U);
  });

  it.skipIf(!hasF16)(`MobileNetV2 within 64u of PyTorch${why}`, async () => {
    const { rg, feeds, ref } = mobilenet();
    const r = await runOn(hw('f16'), rg, feeds);
    expect(r.half.size).toBeGreaterThan(30);
    expect(relErr(r.out, ref)).toBeLessThan(64 * U);
  }, 120_000);
});
