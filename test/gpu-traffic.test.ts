// The counted traffic model (bench/traffic.ts): the WGSL rewrite that counts every storage-buffer load and
// store, checked on text and on kernels whose exact traffic is known, and the fused depthwise -> pointwise
// kernel's counted traffic against the unfused pair it replaces on MobileNetV2-1.0 block shapes.
import { afterAll, describe, expect, it } from 'vitest';
import { countGraph, countNode, instrumentWgsl, storageDecls, type TrafficRow } from '../bench/traffic.js';
import { convStagedTraffic, planConv2d, type Conv2dGeometry, type ConvTile } from '../src/gpu/kernels/conv2d.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { convProgram } from '../src/gpu/programs/conv.gpu.js';
import { GraphBuilder } from '../src/builder.js';
import type { GpuContext } from '../src/gpu/device.js';
import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { FUSED_DWPW } from '../src/ops/dwpw.js';
import { dwPwGeometry } from '../src/gpu/programs/dwpw.gpu.js';
import { dwPwTraffic, dwThenPwTraffic, planDwPw } from '../src/gpu/kernels/dwpw.js';
import { planDepthwise, type DwGeometry } from '../src/gpu/kernels/depthwise.js';
import { FILL_SLACK, gemmTile, gemmTraffic, MIN_WORKGROUPS } from '../src/gpu/kernels/gemm.js';
import type { Tensor } from '../src/tensor.js';
import { openKernelDevice } from './support/kernel-device.js';

let gpu: GpuContext | undefined;
const device = async () => (gpu ??= await openKernelDevice());
afterAll(() => gpu?.device.destroy());

const total = (rows: TrafficRow[], k: keyof Pick<TrafficRow, 'read' | 'write' | 'minRead' | 'minWrite'>) => rows.reduce((s, r) => s + r[k], 0);
const feed = (shape: number[]): Tensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)) });

describe('instrumentWgsl', () => {
  const src = [
    '@group(0) @binding(1) var<storage, read> a: array<f32>;',
    '@group(0) @binding(2) var<storage, read> off: array<u32>;',
    '@group(0) @binding(3) var<storage, read> b4: array<vec4<f32>>;',
    '@group(0) @binding(4) var<storage, read_write> y: array<f32>;',
    'fn f(i: u32, j: i32) {',
    '  y[i] = a[off[i]] + b4[j].x;',
    '  y[i + 1u] += 1.0;',
    '}',
  ].join('\n');

  it('wraps loads (nested ones too), counts stores (bytes and instructions) before the statement and a compound store as both', () => {
    expect(storageDecls(src).map((d) => [d.name, d.mode, d.elemBytes])).toEqual([['a', 'read', 4], ['off', 'read', 4], ['b4', 'read', 16], ['y', 'read_write', 4]]);
    const out = instrumentWgsl(src);
    expect(out).toContain('atomicAdd(&traffic__[17], 4u); atomicAdd(&traffic__[19], 1u); y[i] = tr_a(u32(tr_off(u32(i)))) + tr_b4(u32(j)).x;');
    expect(out).toContain('atomicAdd(&traffic__[17], 4u); atomicAdd(&traffic__[19], 1u); atomicAdd(&traffic__[16], 4u); atomicAdd(&traffic__[18], 1u); y[i + 1u] += 1.0;');
    // a vec4 load is 16 bytes and one instruction
    expect(out).toContain('fn tr_b4(i: u32) -> vec4<f32> {\n  atomicAdd(&traffic__[12], 16u);\n  atomicAdd(&traffic__[14], 1u);');
    expect(out).toContain('@group(0) @binding(1) var<storage, read> a: array<f32>;');
  });

  it('counts f16 elements as 2 bytes, a packed f16 scalar store (atomicAnd then atomicOr on its word) as one 2-byte store, a packed scalar load as 2 bytes', () => {
    const half = [
      'enable f16;',
      'alias XT = vec4<f16>;',
      'alias YT = atomic<u32>;',
      '@group(0) @binding(1) var<storage, read> x: array<XT>;',
      '@group(0) @binding(2) var<storage, read> h: array<f16>;',
      '@group(0) @binding(3) var<storage, read_write> y: array<YT>;',
      '@group(0) @binding(4) var<storage, read> p: array<u32>;',
      'fn f(i: u32) {',
      '  atomicAnd(&y[i / 2u], 0xffff0000u);',
      '  atomicOr(&y[i / 2u], pack2x16float(vec2<f32>(f32(x[i].x + h[i]) + unpack2x16float(p[i / 2u])[i % 2u], 0.0)));',
      '}',
    ].join('\n');
    expect(storageDecls(half).map((d) => [d.name, d.elemBytes])).toEqual([['x', 8], ['h', 2], ['y', 4], ['p', 4]]);
    const out = instrumentWgsl(half);
    expect(out).toContain('fn tr_h(i: u32) -> f16 {\n  atomicAdd(&traffic__[8], 2u);');
    expect(out).toContain('fn tr_x(i: u32) -> vec4<f16> {\n  atomicAdd(&traffic__[4], 8u);');
    expect(out).toContain('atomicAdd(&traffic__[13], 2u); atomicAdd(&traffic__[15], 1u); atomicOr(&y[i / 2u]');
    expect(out).toContain('  atomicAnd(&y[i / 2u], 0xffff0000u);');
    expect(out).not.toContain('fn tr_y');
    // one f16 out of a packed word: 2 bytes
    expect(out).toContain('fn tr_h_p(i: u32) -> u32 {\n  atomicAdd(&traffic__[16], 2u);');
    expect(out).toContain('unpack2x16float(tr_h_p(u32(i / 2u)))[i % 2u]');
  });

  it('refuses a local array that shadows a binding (its accesses would be counted as global traffic)', () => {
    expect(() => instrumentWgsl(src + '\nfn g() {\n  var y: array<f32, 4>;\n}')).toThrow(/"y" names both a storage binding and a local array/);
    expect(() => instrumentWgsl(src + '\nfn g() {\n  var ya: array<f32, 4>;\n  let a = 1.0;\n}')).not.toThrow();
  });
});

function graphOf(build: (b: GraphBuilder) => void): ResolvedGraph {
  const b = new GraphBuilder('t', { seed: 3 });
  build(b);
  return optimize(resolve(b.build())).graph;
}

describe('depthwise tiles (hardware path)', () => {
  const geo = (hw: number, c: number, s: number, mult = 1): DwGeometry => {
    const o = Math.floor((hw + 2 - 3) / s) + 1;
    return { n: 1, c, h: hw, w: hw, cout: c * mult, oh: o, ow: o, kh: 3, kw: 3, strides: [s, s], dilations: [1, 1], pads: [1, 1, 1, 1] };
  };
  it.each([[112, 32, 1], [112, 96, 2], [56, 144, 1], [56, 144, 2], [28, 192, 1], [14, 576, 2], [7, 960, 1]] as const)(
    '%i² × %i channels, stride %i: staged input per output near the minimum, workgroup memory exact',
    (hw, c, s) => {
      const g = geo(hw, c, s);
      const t = planDepthwise(g, { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 });
      const staged = t.ph * t.pw;
      const outputs = t.SY * t.RH * t.SX * t.RW;
      // at least the input the outputs need (s² per output) and at most 1.8× that (old plan: 2.1-3.2×)
      expect(staged / (outputs * s * s)).toBeLessThan(1.8);
      expect(t.STAGE).toBe(t.ph * t.pw * t.CV);
      expect(t.MULT1).toBe(1);
      expect(planDepthwise(geo(hw, c, s, 2), {}).MULT1).toBe(0);
    },
  );
});

describe('GEMM tiles and register blocks (hardware path)', () => {
  const LIMITS = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };
  const compulsory = (m: number, n: number, k: number) => m * k + k * n + n + m * n;
  const workgroups = (m: number, n: number, t: { TM: number; TN: number }) => Math.ceil(m / t.TM) * Math.ceil(n / t.TN);
  it.each([
    // MobileNetV2 1.0's 14² pointwise layers (M = 196): 2.2× and 2.7× with 4×4 blocks only (64 × 64 tiles)
    ['pw14 196x384x64', 196, 384, 64, 1.5],
    ['pw22 196x576x96', 196, 576, 96, 1.75],
    ['pw2 12544x96x16', 12544, 96, 16, 1.15],
  ] as const)('%s: least traffic within %s× compulsory; the tile picked within FILL_SLACK of it, within the limits', (_n, m, n, k, bound) => {
    // as many matrices as MIN_WORKGROUPS: every tile fills the GPU, so the pick is the least traffic alone
    const least = gemmTile(m, n, k, LIMITS, MIN_WORKGROUPS);
    expect(gemmTraffic(m, n, k, least) / compulsory(m, n, k)).toBeLessThan(bound);
    const t = gemmTile(m, n, k, LIMITS);
    expect(gemmTraffic(m, n, k, t)).toBeLessThanOrEqual((1 + FILL_SLACK) * gemmTraffic(m, n, k, least));
    expect(workgroups(m, n, t)).toBeGreaterThanOrEqual(Math.min(MIN_WORKGROUPS, workgroups(m, n, least)));
    for (const x of [least, t]) {
      expect((x.TM / x.RM) * (x.TN / (4 * x.RN4))).toBeLessThanOrEqual(256);
      expect((x.TM + x.TN) * 16 * 4).toBeLessThanOrEqual(16384);
    }
    // a 4×4 block could not hold the least-traffic tile in 256 invocations
    expect((least.TM / 4) * (least.TN / 4)).toBeGreaterThan(256);
  });

  it.each([
    // MobileNetV2 1.0: pw22 (least traffic: 10 workgroups of 128 × 128), the last projection (7² rows), a 56² expand (fills)
    ['pw22 196x576x96', 196, 576, 96],
    ['pw33 49x320x960', 49, 320, 960],
    ['pw4 3136x144x24', 3136, 144, 24],
  ] as const)('%s: the least traffic of the tiles within FILL_SLACK that fill MIN_WORKGROUPS, else the most workgroups within it', (_n, m, n, k) => {
    const t = gemmTile(m, n, k, LIMITS);
    const limit = (1 + FILL_SLACK) * gemmTraffic(m, n, k, gemmTile(m, n, k, LIMITS, MIN_WORKGROUPS));
    const fills = workgroups(m, n, t) >= MIN_WORKGROUPS;
    // every (TM, TN) fits the 16 KiB / 256-invocation device with some block (128 × 128 with 8 × 8)
    for (const TM of [16, 32, 64, 128])
      for (const TN of [16, 32, 64, 128]) {
        const c = { TM, TN, RM: 4, RN4: 1 };
        if (gemmTraffic(m, n, k, c) > limit) continue;
        if (fills && workgroups(m, n, c) >= MIN_WORKGROUPS) expect(gemmTraffic(m, n, k, c)).toBeGreaterThanOrEqual(gemmTraffic(m, n, k, t));
        if (!fills) expect(workgroups(m, n, c)).toBeLessThanOrEqual(workgroups(m, n, t));
      }
  });

  it('a device with fewer invocations gets a tile that fits it', () => {
    const t = gemmTile(196, 576, 96, { ...LIMITS, maxComputeInvocationsPerWorkgroup: 64 }, MIN_WORKGROUPS);
    expect((t.TM / t.RM) * (t.TN / (4 * t.RN4))).toBeLessThanOrEqual(64);
    expect(gemmTraffic(196, 576, 96, t)).toBeGreaterThan(gemmTraffic(196, 576, 96, gemmTile(196, 576, 96, LIMITS, MIN_WORKGROUPS)));
  });
});

describe('counted traffic on SwiftShader (hardware path forced)', () => {
  it('an elementwise Add reads both operands once and writes its output once', async () => {
    const rg = graphOf((b) => {
      const x = b.input('x', [2, 3, 5, 7]);
      const y = b.input('y', [2, 3, 5, 7]);
      b.output(b.add(x, y), 'out');
    });
    const rows = await countGraph(await device(), rg, { x: feed([2, 3, 5, 7]), y: feed([2, 3, 5, 7]) });
    expect(rows).toHaveLength(1);
    // one scalar load per operand element, one scalar store per output element
    expect(rows[0]).toMatchObject({ read: 2 * 210 * 4, write: 210 * 4, loads: 2 * 210, stores: 210 });
  });

  it('f16 activations: interior tensors written and read at 2 bytes an element (scalar and vec4 accesses), the edges at 4', async () => {
    const [hw, c, cout] = [14, 32, 24];
    const rg = graphOf((b) => {
      const x = b.input('x', [1, c, hw, hw]);
      const e = b.relu6(b.pointwiseConv2d(x, c, c));
      const d = b.relu6(b.depthwiseConv2d(e, c, 3, { padding: 1 }));
      b.output(b.pointwiseConv2d(d, c, cout), 'out');
    });
    const feeds = { x: feed([1, c, hw, hw]) };
    const [f32, f16] = [await countGraph(await device(), rg, feeds), await countGraph(await device(), rg, feeds, 'packed-f16')];
    expect(f16.map((r) => r.op)).toEqual(['Conv', 'Conv', 'Conv']);
    const act = hw * hw * c;
    // the expand conv: graph input read at 4 bytes, its output stored once in vec4s at 2 bytes an element
    expect(f16[0]!.perBinding[1]).toBe(f32[0]!.perBinding[1]);
    expect([f32[0]!.write, f16[0]!.write]).toEqual([act * 4, act * 2]);
    // the depthwise conv: its staged input (scalar packed loads) half the bytes; every output element stored once
    // (scalar packed stores counted as the 2-byte ones native f16 makes)
    expect(f16[1]!.perBinding[1]).toBe(f32[1]!.perBinding[1]! / 2);
    expect([f32[1]!.write, f16[1]!.write]).toEqual([act * 4, act * 2]);
    // the project conv reads it (A, binding 1) in vec4s: half the bytes; its graph-output store stays f32
    expect(f16[2]!.perBinding[1]).toBe(f32[2]!.perBinding[1]! / 2);
    expect(f16[2]!.write).toBe(f32[2]!.write);
    expect(f16[2]!.minRead).toBe(f32[2]!.minRead - act * 2);
  });

  it.each([
    ['56x56x144 s1 -> 24 (block 3)', 56, 144, 1, 24],
    ['28x28x192 s2 -> 64 (block 6)', 28, 192, 2, 64],
    ['14x14x384 s1 -> 96 (block 10)', 14, 384, 1, 96],
    ['7x7x960 s1 -> 320 (block 16)', 7, 960, 1, 320],
  ] as const)('MobileNetV2 %s: every output stored once, fused below the unfused pair', async (_name, hw, c, s, cout) => {
    const rg = graphOf((b) => {
      const x = b.input('x', [1, c, hw, hw]);
      const d = b.relu6(b.depthwiseConv2d(x, c, 3, { stride: s, padding: 1 }));
      b.output(b.pointwiseConv2d(d, c, cout), 'out');
    });
    const g = await device();
    const fusedGraph = fuseDwPwFor(rg, { variant: 'tiled', limits: g.info.limits }).graph;
    const feeds = { x: feed([1, c, hw, hw]) };
    const unfused = await countGraph(g, rg, feeds);
    const out = Math.ceil(hw / s) ** 2 * cout * 4;
    expect(unfused.at(-1)!.write).toBe(out);
    expect(total(unfused, 'read')).toBeGreaterThanOrEqual(total(unfused, 'minRead'));
    // the model the fusion decision uses (src/gpu/kernels/dwpw.ts) predicts what the counter counts
    const node = fuseDwPwFor(rg, 'every-pair').graph.nodes[0]!;
    const geo = dwPwGeometry(node);
    const counted = (rows: TrafficRow[]) => total(rows, 'read') + total(rows, 'write');
    expect(Math.abs(dwThenPwTraffic(geo, g.info.limits) * 4 - counted(unfused)) / counted(unfused)).toBeLessThan(0.1);
    const fused = await countGraph(g, fuseDwPwFor(rg, 'every-pair').graph, feeds);
    expect(fused).toHaveLength(1);
    expect(fused[0]!.write).toBe(out);
    expect(Math.abs(dwPwTraffic(geo, planDwPw(geo, g.info.limits)!) * 4 - counted(fused)) / counted(fused)).toBeLessThan(0.1);
    // fused where it wins, and at these MobileNetV2 shapes it does
    expect(fusedGraph.nodes.map((n) => n.node.op)).toEqual([FUSED_DWPW]);
    expect(counted(fused)).toBeLessThan(counted(unfused));
  });
});

describe('implicit-GEMM conv: the staged input patch (hardware path)', () => {
  it.each([
    ['3x3 s1 28² 32->64', 28, 32, 64, 1, 3],
    ['3x3 s2 29² 16->24', 29, 16, 24, 2, 3],
    ['5x5 s2 64² 3->24 (face detector stem shape, halved)', 64, 3, 24, 2, 5],
  ] as const)('%s: counted as convStagedTraffic predicts, below the per-tap gather', async (_n, hw, cin, cout, s, k) => {
    const g = await device();
    const rg = graphOf((b) => {
      const x = b.input('x', [1, cin, hw, hw]);
      b.output(b.conv2d(x, cin, cout, k, { stride: s, padding: (k - 1) >> 1 }), 'out');
    });
    const p = (k - 1) >> 1;
    const o = Math.floor((hw + 2 * p - k) / s) + 1;
    const geo: Conv2dGeometry = { n: 1, c: cin, h: hw, w: hw, cout, oh: o, ow: o, kh: k, kw: k, group: 1, strides: [s, s], dilations: [1, 1], pads: [p, p, p, p] };
    const planned = planConv2d(geo, g.info.limits);
    expect(planned.staged).toBe(true);
    const hwCtx: GpuContext = { ...g, info: { ...g.info, isSoftware: false } };
    const pipelines = new PipelineCache(g.device);
    const rn = rg.nodes[0]!;
    const ins = [feed([1, cin, hw, hw]), rg.constants.get(rn.node.inputs[1]!)!, rg.constants.get(rn.node.inputs[2]!)!];
    const count = async (t: ConvTile) => (await countNode(hwCtx, rg, 0, ins, pipelines, convProgram({ convTile: t })))[0]!;
    const staged = await count(planned);
    const gathered = await count({ staged: false, ...gemmTile(o * o, cout, k * k * cin, g.info.limits) });
    expect(staged.dispatch).toMatch(/^conv2d\.staged/);
    expect(staged.write).toBe(o * o * cout * 4);
    const counted = staged.read + staged.write;
    if (!planned.staged) throw new Error('unreachable');
    expect(Math.abs(convStagedTraffic(geo, planned) * 4 - counted) / counted).toBeLessThan(0.02);
    expect(counted).toBeLessThan(gathered.read + gathered.write);
  });
});
