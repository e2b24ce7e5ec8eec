// Seeded random depthwise -> pointwise pairs (a DSC block) shared by the Node (Dawn) and Chromium sweeps of the
// fused kernel (src/gpu/kernels/dwpw.ts): odd sizes and channels, stride 2, dilation, multiplier, asymmetric
// pads, every activation on either conv, optional biases and a fused residual Add. The oracle is the CPU
// reference of the unfused two-Conv graph. Browser-safe: no Node imports.
import { runCpu } from '../../src/cpu/run.js';
import type { Graph, Value } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import { fuseDwPwFor } from '../../src/gpu/fuse-dwpw.js';
import { resolve, type ResolvedGraph, type ResolvedNode } from '../../src/graph/resolve.js';
import type { FusedActivation } from '../../src/ops/activation.js';
import type { ConvAttrs } from '../../src/ops/conv.js';
import { FUSED_DWPW } from '../../src/ops/dwpw.js';
import type { Tensor } from '../../src/tensor.js';
import { ACTS, randomTensor, rng } from './conv-sweep.js';

export interface DwPwConfig {
  name: string;
  n: number;
  c: number;
  mult: number;
  cout: number;
  h: number;
  w: number;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  dwBias: boolean;
  pwBias: boolean;
  dwAct: FusedActivation;
  pwAct: FusedActivation;
  residual: boolean;
  seed: number;
}

const outSize = (i: number, k: number, s: number, d: number, p0: number, p1: number) => Math.floor((i + p0 + p1 - (k - 1) * d - 1) / s) + 1;

export function makeDwPwConfig(seed: number): DwPwConfig {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const n = pick([1, 1, 1, 2]);
  const c = pick([1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 24, 32, 37]);
  const mult = pick([1, 1, 1, 2, 3]);
  const cout = pick([1, 3, 4, 5, 8, 12, 13, 16, 24, 31, 32, 40, 64, 70]);
  const k = pick([3, 3, 3, 5, 7, 1]);
  const kernel: [number, number] = r() < 0.15 ? [k, pick([1, 3])] : [k, k];
  const s = pick([1, 1, 2, 2, 3]);
  const strides: [number, number] = r() < 0.15 ? [s, pick([1, 2])] : [s, s];
  const dilations: [number, number] = r() < 0.25 ? [2, pick([1, 2])] : [1, 1];
  const pads: [number, number, number, number] =
    r() < 0.6 ? [0, 0, 0, 0].map(() => Math.floor(kernel[0] / 2)) as [number, number, number, number] : [int(0, kernel[0]), int(0, kernel[1]), int(0, kernel[0]), int(0, kernel[1])];
  const budget = 40_000;
  const perPixel = c * mult * (kernel[0] * kernel[1] + cout);
  let h = int(1, 45);
  let w = int(1, 45);
  while (n * h * w * perPixel > budget * strides[0] * strides[1] && (h > 1 || w > 1)) {
    if (h >= w) h = Math.max(1, Math.floor(h * 0.7));
    else w = Math.max(1, Math.floor(w * 0.7));
  }
  const ek = [(kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1];
  if (h + pads[0] + pads[2] < ek[0]!) h = ek[0]! - pads[0] - pads[2];
  if (w + pads[1] + pads[3] < ek[1]!) w = ek[1]! - pads[1] - pads[3];
  const [dwName, dwAct] = pick(ACTS);
  const [pwName, pwAct] = r() < 0.4 ? ACTS[0]! : pick(ACTS);
  const dwBias = r() < 0.7;
  const pwBias = r() < 0.7;
  const residual = r() < 0.35;
  const name =
    `k=${kernel.join('x')} s=${strides.join('x')} d=${dilations.join('x')} pads=[${pads.join(',')}] m=${mult} c=${c}->${c * mult}->${cout} ` +
    `n=${n} ${h}x${w} dw:${dwName}${dwBias ? '+b' : ''} pw:${pwName}${pwBias ? '+b' : ''}${residual ? ' +res' : ''}`;
  return { name, n, c, mult, cout, h, w, kernel, strides, dilations, pads, dwBias, pwBias, dwAct, pwAct, residual, seed };
}

/**
 * The unfused graph (dw Conv -> pw Conv [-> Add r]) resolved with the configured activations, its optimized
 * form (which must hold one FusedDwPw node), that node, and the node's inputs.
 */
export function buildDwPw(cfg: DwPwConfig): { plain: ResolvedGraph; fused: ResolvedNode; inputs: Value[]; constants: ReadonlyMap<string, Value>; feeds: Record<string, Tensor> } {
  const r = rng(cfg.seed * 7919 + 3);
  const k = cfg.c * cfg.mult;
  const x = randomTensor([cfg.n, cfg.c, cfg.h, cfg.w], r);
  const wd = randomTensor([k, 1, cfg.kernel[0], cfg.kernel[1]], r);
  const bd = randomTensor([k], r);
  const wp = randomTensor([cfg.cout, k, 1, 1], r);
  const bp = randomTensor([cfg.cout], r);
  const oh = outSize(cfg.h, cfg.kernel[0], cfg.strides[0], cfg.dilations[0], cfg.pads[0], cfg.pads[2]);
  const ow = outSize(cfg.w, cfg.kernel[1], cfg.strides[1], cfg.dilations[1], cfg.pads[1], cfg.pads[3]);
  const res = randomTensor([cfg.n, cfg.cout, oh, ow], r);
  const graph: Graph = {
    name: cfg.name,
    inputs: [{ name: 'x', shape: [...x.shape] }, ...(cfg.residual ? [{ name: 'r', shape: [...res.shape] }] : [])],
    outputs: ['y'],
    nodes: [
      {
        name: 'dw', op: 'Conv', inputs: cfg.dwBias ? ['x', 'wd', 'bd'] : ['x', 'wd'], outputs: ['mid'],
        attrs: { group: cfg.c, strides: cfg.strides, dilations: cfg.dilations, pads: cfg.pads, kernel_shape: cfg.kernel },
      },
      { name: 'pw', op: 'Conv', inputs: cfg.pwBias ? ['mid', 'wp', 'bp'] : ['mid', 'wp'], outputs: [cfg.residual ? 'p' : 'y'], attrs: {} },
      ...(cfg.residual ? [{ name: 'add', op: 'Add', inputs: ['p', 'r'], outputs: ['y'], attrs: {} }] : []),
    ],
    initializers: new Map<string, Value>([['wd', wd], ['bd', bd], ['wp', wp], ['bp', bp]]),
    opset: 17,
  };
  const rg0 = resolve(graph);
  const acts = [cfg.dwAct, cfg.pwAct];
  const plain: ResolvedGraph = {
    ...rg0,
    nodes: rg0.nodes.map((rn, i) => (i < 2 ? { ...rn, attrs: { ...(rn.attrs as ConvAttrs), act: acts[i]! } } : rn)),
  };
  const opt = fuseDwPwFor(optimize(plain).graph, 'every-pair').graph;
  const fused = opt.nodes.find((rn) => rn.node.op === FUSED_DWPW);
  if (!fused || opt.nodes.length !== 1) throw new Error(`${cfg.name}: the optimizer did not fuse the pair into one node`);
  const env = new Map<string, Value>([...opt.constants, ['x', x], ['r', res]]);
  const inputs = fused.node.inputs.map((i) => (i === '' ? { shape: [0], data: new Float32Array(0) } : env.get(i)!));
  return { plain, fused, inputs, constants: opt.constants, feeds: cfg.residual ? { x, r: res } : { x } };
}

/** The oracle: the unfused graph on the CPU reference kernels. */
export function referenceOf(plain: ResolvedGraph, feeds: Record<string, Tensor>): Tensor {
  return runCpu(plain, feeds, { fast: false }).get('y')!;
}

export const DWPW_CONFIGS = Array.from({ length: 120 }, (_, i) => makeDwPwConfig(5000 + i));
