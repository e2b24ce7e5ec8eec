// Seeded random Conv configurations shared by the Node (Dawn) and Chromium sweeps: depthwise (any multiplier),
// pointwise, regular and grouped; data uniform in [-1, 1); tolerance |gpu - ref| <= ATOL + RTOL·|ref|.
// Browser-safe: no Node imports.
import type { Graph, Value } from '../../src/graph/ir.js';
import { resolve, type ResolvedNode } from '../../src/graph/resolve.js';
import type { FusedActivation } from '../../src/ops/activation.js';
import type { ConvAttrs } from '../../src/ops/conv.js';
import { sizeOf, type Shape, type Tensor } from '../../src/tensor.js';

export const ATOL = 1e-4;
export const RTOL = 1e-4;

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ACTS: [string, FusedActivation][] = [
  ['none', { kind: 'none' }],
  ['relu', { kind: 'relu' }],
  ['relu6', { kind: 'clip', min: 0, max: 6 }],
  ['clip(-0.5,0.5)', { kind: 'clip', min: -0.5, max: 0.5 }],
  ['sigmoid', { kind: 'sigmoid' }],
  ['hardsigmoid', { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }],
  ['hardswish', { kind: 'hardswish' }],
];

export type Kind = 'dw' | 'pw' | 'conv' | 'grouped';

export interface Config {
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

export function makeConfig(seed: number, kind: Kind): Config {
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

export function randomTensor(shape: Shape, r: () => number): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return { shape, data };
}

/** A one-node graph for the config, resolved; returns the node (with the fused activation set) and its inputs. */
export function build(cfg: Config): { rn: ResolvedNode; inputs: Value[]; constants: ReadonlyMap<string, Value> } {
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
  const rg = resolve(graph);
  const rn0 = rg.nodes[0]!;
  const rn = { ...rn0, attrs: { ...(rn0.attrs as ConvAttrs), act: cfg.act } };
  return { rn, inputs: cfg.bias ? [x, wt, b] : [x, wt], constants: rg.constants };
}

/** Max |gpu - ref| and whether every element is within ATOL + RTOL·|ref|. */
export function compare(got: Float32Array, want: Float32Array): { maxErr: number; bad: number } {
  let maxErr = 0;
  let bad = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (!(e <= ATOL + RTOL * Math.abs(want[i]!)) && bad < 0) bad = i;
    if (!(e <= maxErr)) maxErr = e;
  }
  return { maxErr, bad };
}

export const KINDS: Kind[] = ['dw', 'dw', 'dw', 'pw', 'conv', 'grouped'];
export const CONFIGS = Array.from({ length: 306 }, (_, i) => makeConfig(1000 + i, KINDS[i % KINDS.length]!));
