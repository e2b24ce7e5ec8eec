// Conv on the GPU vs Conv.reference over seeded random configurations: depthwise (any multiplier), pointwise,
// regular and grouped (implicit GEMM). Data is unit-scale (uniform [-1, 1)); tolerance |gpu - ref| <= 1e-4 + 1e-4·|ref|.
// Configurations alternate between the GPU kernels (tiled GEMM, 128-wide depthwise tiles) and the
// software-adapter ones (direct GEMM, 64-wide 4x4 depthwise tiles) by presenting the adapter as hardware or software.
import { afterAll, describe, expect, it } from 'vitest';
import { GpuError } from '../src/errors.js';
import type { Graph, Value } from '../src/graph/ir.js';
import { resolve, type ResolvedNode } from '../src/graph/resolve.js';
import { bindGroupFor, makeBuildCtx } from '../src/gpu/build-ctx.js';
import type { GpuContext } from '../src/gpu/device.js';
import { depthwiseDispatch, DW_SHADER } from '../src/gpu/kernels/depthwise.js';
import { fromDevice, toDevice } from '../src/gpu/layout.js';
import { BufferTracker, STORAGE } from '../src/gpu/memory.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import type { GpuProgram } from '../src/gpu/program.js';
import { readBuffer, runNodeOnGpu } from '../src/gpu/run-node.js';
import { shader } from '../src/gpu/shader.js';
import type { FusedActivation } from '../src/ops/activation.js';
import { Conv, type ConvAttrs } from '../src/ops/conv.js';
import { convKernelFor, convProgram } from '../src/ops/conv.gpu.js';
import { sizeOf, type Shape, type Tensor } from '../src/tensor.js';
import { openKernelDevice } from '../src/gpu/kernels/node-device.js';

const ATOL = 1e-4;
const RTOL = 1e-4;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTS: [string, FusedActivation][] = [
  ['none', { kind: 'none' }],
  ['relu', { kind: 'relu' }],
  ['relu6', { kind: 'clip', min: 0, max: 6 }],
  ['clip(-0.5,0.5)', { kind: 'clip', min: -0.5, max: 0.5 }],
  ['sigmoid', { kind: 'sigmoid' }],
  ['hardsigmoid', { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }],
  ['hardswish', { kind: 'hardswish' }],
];

type Kind = 'dw' | 'pw' | 'conv' | 'grouped';

interface Config {
  name: string;
  kind: Kind;
  n: number;
  cin: number;
  cout: number;
  h: number;
  w: number;
  group: number;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  bias: boolean;
  act: FusedActivation;
  software: boolean;
  seed: number;
}

const outSize = (i: number, k: number, s: number, d: number, p0: number, p1: number) => Math.floor((i + p0 + p1 - (k - 1) * d - 1) / s) + 1;

function makeConfig(seed: number, kind: Kind): Config {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const n = pick([1, 1, 1, 2, 3]);
  let cin: number;
  let cout: number;
  let group: number;
  let kernel: [number, number];
  let strides: [number, number] = [1, 1];
  let dilations: [number, number] = [1, 1];
  let pads: [number, number, number, number] = [0, 0, 0, 0];
  if (kind === 'pw') {
    cin = int(1, 70);
    cout = int(1, 70);
    group = 1;
    kernel = [1, 1];
  } else {
    const k = pick([1, 3, 3, 5, 7]);
    kernel = r() < 0.15 ? [k, pick([1, 3, 5])] : [k, k];
    strides = r() < 0.2 ? [pick([1, 2, 3]), pick([1, 2, 3])] : ([pick([1, 1, 2, 3]), 0] as [number, number]);
    if (strides[1] === 0) strides[1] = strides[0];
    dilations = r() < 0.25 ? [2, pick([1, 2])] : [1, 1];
    if (r() < 0.5) {
      const p = int(0, Math.floor(kernel[0] / 2));
      pads = [p, p, p, p];
    } else pads = [int(0, kernel[0]), int(0, kernel[1]), int(0, kernel[0]), int(0, kernel[1])];
    if (kind === 'dw') {
      cin = pick([1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 24, 31, 32, 37, 41, 53, 64, 67, 70]);
      const m = pick([1, 1, 1, 2, 3]);
      cout = cin * m;
      group = cin;
    } else if (kind === 'conv') {
      cin = pick([1, 2, 3, 4, 5, 7, 8, 11, 16, 19, 32]);
      cout = pick([1, 3, 4, 8, 13, 16, 29, 32, 64]);
      group = 1;
    } else {
      group = pick([2, 3, 4, 5]);
      cin = group * pick([1, 2, 3, 5, 7]);
      cout = group * pick([1, 2, 3, 4, 7]);
    }
  }
  // Spatial size: 1..70, shrunk so the whole config stays small (SwiftShader is a CPU) and the output is non-empty.
  const macsPerPixel = cout * (cin / group) * kernel[0] * kernel[1];
  const budget = 60_000;
  let h = int(1, 70);
  let w = int(1, 70);
  while (n * h * w * macsPerPixel > budget * strides[0] * strides[1] && (h > 1 || w > 1)) {
    if (h >= w) h = Math.max(1, Math.floor(h * 0.7));
    else w = Math.max(1, Math.floor(w * 0.7));
  }
  const ek = [(kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1];
  if (h + pads[0] + pads[2] < ek[0]!) h = ek[0]! - pads[0] - pads[2];
  if (w + pads[1] + pads[3] < ek[1]!) w = ek[1]! - pads[1] - pads[3];
  // Mostly none / relu6 (MobileNet's), the rest spread over every kind: each distinct activation is a distinct
  // pipeline, and pipeline compiles dominate the run time on SwiftShader.
  const u = r();
  const [actName, act] = u < 0.4 ? ACTS[0]! : u < 0.65 ? ACTS[2]! : pick(ACTS);
  const bias = r() < 0.6;
  const software = r() < 0.5;
  const m = kind === 'dw' ? ` m=${cout / cin}` : kind === 'grouped' ? ` g=${group}` : '';
  const name =
    `${kind} k=${kernel[0] === kernel[1] ? kernel[0] : kernel.join('x')} s=${strides[0] === strides[1] ? strides[0] : strides.join('x')} ` +
    `d=${dilations[0] === dilations[1] ? dilations[0] : dilations.join('x')} pads=[${pads.join(',')}]${m} c=${cin}->${cout} n=${n} ${h}x${w}` +
    `${bias ? ' bias' : ''} act=${actName} ${software ? 'sw' : 'hw'}`;
  return { name, kind, n, cin, cout, h, w, group, kernel, strides, dilations, pads, bias, act, software, seed };
}

function randomTensor(shape: Shape, r: () => number): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return { shape, data };
}

/** A one-node graph for the config, resolved; returns the node (with the fused activation set) and its inputs. */
function build(cfg: Config): { rn: ResolvedNode; inputs: Value[] } {
  const r = rng(cfg.seed * 7919 + 1);
  const x = randomTensor([cfg.n, cfg.cin, cfg.h, cfg.w], r);
  const wt = randomTensor([cfg.cout, cfg.cin / cfg.group, cfg.kernel[0], cfg.kernel[1]], r);
  const b = randomTensor([cfg.cout], r);
  const graph: Graph = {
    name: cfg.name,
    inputs: [{ name: 'x', shape: [...x.shape] }],
    outputs: ['y'],
    nodes: [
      {
        name: 'conv',
        op: 'Conv',
        inputs: cfg.bias ? ['x', 'w', 'b'] : ['x', 'w'],
        outputs: ['y'],
        attrs: { group: cfg.group, strides: cfg.strides, dilations: cfg.dilations, pads: cfg.pads, kernel_shape: cfg.kernel },
      },
    ],
    initializers: new Map<string, Value>(cfg.bias ? [['w', wt], ['b', b]] : [['w', wt]]),
    opset: 17,
  };
  const rn0 = resolve(graph).nodes[0]!;
  const rn = { ...rn0, attrs: { ...(rn0.attrs as ConvAttrs), act: cfg.act } };
  return { rn, inputs: cfg.bias ? [x, wt, b] : [x, wt] };
}

/** Max |gpu - ref| and whether every element is within ATOL + RTOL·|ref|. */
function compare(got: Float32Array, want: Float32Array): { maxErr: number; bad: number } {
  let maxErr = 0;
  let bad = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (!(e <= ATOL + RTOL * Math.abs(want[i]!)) && bad < 0) bad = i;
    if (!(e <= maxErr)) maxErr = e;
  }
  return { maxErr, bad };
}

let shared: { gpu: GpuContext; hw: GpuContext; sw: GpuContext; pipelines: PipelineCache } | undefined;
async function setup() {
  if (!shared) {
    const gpu = await openKernelDevice();
    shared = {
      gpu,
      hw: { ...gpu, info: { ...gpu.info, isSoftware: false } },
      sw: { ...gpu, info: { ...gpu.info, isSoftware: true } },
      pipelines: new PipelineCache(gpu.device),
    };
  }
  return shared;
}

const KINDS: Kind[] = ['dw', 'dw', 'dw', 'pw', 'conv', 'grouped'];
const CONFIGS = Array.from({ length: 306 }, (_, i) => makeConfig(1000 + i, KINDS[i % KINDS.length]!));
const worst: Record<Kind, number> = { dw: 0, pw: 0, conv: 0, grouped: 0 };

afterAll(() => {
  if (process.env.SWEEP_KEYS) console.log([...(shared?.pipelines as unknown as { pipelines: Map<string, unknown> }).pipelines.keys()].sort().join("\n"));
  shared?.gpu.device.destroy();
  console.log(`[gpu-conv-sweep] ${CONFIGS.length} configs, ${shared?.pipelines.size ?? 0} pipelines, max |gpu - ref| by kind: ${JSON.stringify(worst)}`);
});

describe('Conv GPU vs reference sweep', () => {
  it('covers every kernel, multiplier, stride, dilation and activation', () => {
    const kernels = new Set(CONFIGS.map((c) => convKernelFor([c.n, c.cin, c.h, c.w], { group: c.group, kernel: c.kernel, strides: c.strides, pads: c.pads } as ConvAttrs)));
    expect([...kernels].sort()).toEqual(['depthwise', 'implicit-gemm', 'pointwise']);
    expect(new Set(CONFIGS.filter((c) => c.kind === 'dw').map((c) => c.cout / c.cin))).toEqual(new Set([1, 2, 3]));
    expect(new Set(CONFIGS.flatMap((c) => c.strides))).toEqual(new Set([1, 2, 3]));
    expect(new Set(CONFIGS.map((c) => c.kernel[0]))).toEqual(new Set([1, 1, 3, 5, 7]));
    expect(CONFIGS.some((c) => c.dilations[0] === 2)).toBe(true);
    expect(CONFIGS.some((c) => c.pads[0] !== c.pads[2] || c.pads[1] !== c.pads[3])).toBe(true);
    expect(new Set(CONFIGS.map((c) => c.act.kind)).size).toBe(6);
    expect(new Set(CONFIGS.map((c) => c.n))).toEqual(new Set([1, 2, 3]));
  });

  it.each(CONFIGS.map((c) => [c.name, c] as const))('%s', async (_name, cfg) => {
    const { hw, sw, pipelines } = await setup();
    const { rn, inputs } = build(cfg);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const [got] = await runNodeOnGpu(cfg.software ? sw : hw, rn, inputs, pipelines);
    expect(got!.shape).toEqual(want.shape);
    const { maxErr, bad } = compare(got!.data, want.data);
    worst[cfg.kind] = Math.max(worst[cfg.kind], maxErr);
    if (bad >= 0) expect.fail(`element ${bad}: gpu ${got!.data[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
  });
});

/** Runs a Conv program (not the registry's) with extra runtime inputs, e.g. a residual bound as input 3. */
async function runProgram(gpu: GpuContext, program: GpuProgram, rn: ResolvedNode, inputs: Value[], pipelines: PipelineCache): Promise<Float32Array> {
  const { device } = gpu;
  const tracker = new BufferTracker(device);
  try {
    const bufs = inputs.map((v, i) => {
      const dev = toDevice(v.shape, (v as Tensor).data);
      const b = tracker.create(dev.byteLength, STORAGE, `in${i}`);
      device.queue.writeBuffer(b, 0, dev);
      return b;
    });
    const shape = rn.outputShapes[0]!;
    const out = tracker.create(sizeOf(shape) * 4, STORAGE, 'out');
    const prog = await program.build(rn, makeBuildCtx(gpu, pipelines, tracker, rn.node.inputs.map((_, i) => inputs[i])));
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const d of prog.dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, bindGroupFor(device, d.pipeline, d.bindings, bufs, [out], d.label));
      pass.dispatchWorkgroups(...d.workgroups);
    }
    pass.end();
    device.queue.submit([enc.finish()]);
    return fromDevice(shape, await readBuffer(device, tracker, out, sizeOf(shape) * 4));
  } finally {
    tracker.destroyAll();
  }
}

describe('fused residual add (ConvGpuOptions.residual)', () => {
  const cases: [string, Kind, number][] = [
    ['pointwise', 'pw', 7],
    ['implicit GEMM', 'conv', 8],
    ['grouped implicit GEMM', 'grouped', 11],
  ];
  it.each(cases.flatMap(([label, kind, seed]) => (['tiled', 'direct'] as const).map((v) => [`${label} ${v}`, kind, seed, v] as const)))(
    '%s: y = act(conv(x) + b) + r',
    async (_label, kind, seed, variant) => {
      const { gpu, pipelines } = await setup();
      const base = makeConfig(seed, kind);
      const cfg = { ...base, cin: kind === 'conv' ? 5 : base.cin, act: { kind: 'relu' } as FusedActivation };
      const { rn, inputs } = build(cfg);
      const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
      const res = randomTensor(want.shape, rng(seed));
      const ins = cfg.bias ? [...inputs, res] : [...inputs, { shape: [1], data: new Float32Array(1) }, res];
      const program = convProgram({ residual: { kind: 'input', index: 3 }, variant });
      const got = await runProgram(gpu, program, rn, ins, pipelines);
      const expected = want.data.map((v, i) => v + res.data[i]!);
      const { maxErr, bad } = compare(got, expected);
      expect(bad, `max err ${maxErr}`).toBe(-1);
    },
  );
});

describe('kernel limits and errors', () => {
  it('a WGSL error through PipelineCache reports the message with numbered source lines', async () => {
    const { gpu } = await setup();
    const broken = shader('depthwise.broken', DW_SHADER.source.replace('let bias = b[c4];', 'let bias = b[c4] +* 2.0;'), DW_SHADER.params);
    const err = await new PipelineCache(gpu.device).get(broken, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GpuError);
    const msg = (err as GpuError).message;
    expect(msg).toContain('WGSL compilation of "depthwise.broken" failed');
    expect(msg).toMatch(/error at line \d+:\d+/);
    expect(msg).toMatch(/^>\s*\d+ \| .*let bias = b\[c4\] \+\* 2\.0;/m);
  });

  it('depthwise tiles shrink to fit a small maxComputeWorkgroupStorageSize and stay correct', async () => {
    const { gpu, pipelines } = await setup();
    const cfg: Config = {
      ...makeConfig(5, 'dw'),
      n: 1, cin: 32, cout: 32, group: 32, h: 19, w: 23, kernel: [7, 7], strides: [1, 1], dilations: [2, 2], pads: [6, 6, 6, 6], bias: true,
      act: { kind: 'none' }, software: false,
    };
    const { rn, inputs } = build(cfg);
    const small: GpuContext = { ...gpu, info: { ...gpu.info, isSoftware: false, limits: { ...gpu.info.limits, maxComputeWorkgroupStorageSize: 4096 } } };
    const tracker = new BufferTracker(gpu.device);
    const ctx = makeBuildCtx(small, pipelines, tracker, []);
    const g = { n: 1, c: 32, h: 19, w: 23, cout: 32, oh: 19, ow: 23, kh: 7, kw: 7, strides: [1, 1] as const, dilations: [2, 2] as const, pads: [6, 6, 6, 6] as const };
    const d = await depthwiseDispatch(ctx, g, { kind: 'none' }, { x: { kind: 'input', index: 0 }, w: { kind: 'input', index: 1 }, b: { kind: 'input', index: 2 }, y: { kind: 'output', index: 0 } }, 'dw');
    tracker.destroyAll();
    expect(d.workgroups[0]).toBeGreaterThan(1);
    const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
    const got = await runProgram(small, convProgram(), rn, inputs, pipelines);
    expect(compare(got, want.data).bad).toBe(-1);
  });
});
