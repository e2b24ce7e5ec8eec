// The fused inverted-residual chain split over bands of output rows (src/cpu/chain-bands.ts) against the same
// chain kernel by kernel (the option chain.bands = false), bitwise, on one thread and on a worker_threads team of 3,
// over awkward shapes: odd sizes, stride 2, 5x5, band counts that do not divide the rows (small band budgets
// force many bands), 1-row images, N=2, no expansion, a residual seeding the projection or added after its
// activation, no biases. The kernel-by-kernel chain is itself checked against the reference in cpu-wasm/fixtures.
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandRows, bandsPay } from '../src/cpu/chain-bands.js';
import { convChainFast, type ConvParams } from '../src/cpu/conv-fast.js';
import type { ChainOptions } from '../src/cpu/kernel-options.js';
import { startTeam } from '../src/cpu/thread-team.js';
import { spawnNodeHelper } from '../src/cpu/thread-team-node.js';
import type { ThreadTeam } from '../src/cpu/threads.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import type { FusedActivation } from '../src/ops/activation.js';

let team: ThreadTeam | undefined;
let useTeam = false;
const workers: Worker[] = [];

beforeAll(async () => {
  const r = await startTeam(3, (m) => {
    const h = spawnNodeHelper(m);
    workers.push(h.worker);
    return h;
  }, (t) => (useTeam ? t : undefined));
  expect(r.why).toBeUndefined();
  team = r.team;
}, 60_000);

afterAll(async () => {
  team?.close();
  await Promise.all(workers.map((w) => w.terminate()));
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32 - 0.5);
}

const relu6: FusedActivation = { kind: 'clip', min: 0, max: 6 };
const none: FusedActivation = { kind: 'none' };

function attrs(k: number, s: number, group: number, act: FusedActivation, residual = false): ConvAttrs {
  const p = (k - 1) >> 1;
  return { group, strides: [s, s], dilations: [1, 1], pads: [p, p, p, p], kernel: [k, k], hasBias: true, act, residual };
}

interface Case {
  N: number; Cin: number; C: number; H: number; W: number; k: number; s: number; Cout: number;
  expand: boolean; residual: 'none' | 'seed' | 'after'; bias: boolean;
}

function runCase(c: Case, seed: number, split: ChainOptions): { bands: Float32Array; kernels: Float32Array } {
  const r = rng(seed);
  const rand = (n: number) => Float32Array.from({ length: n }, () => r() * 2);
  const Ho = Math.floor((c.H + 2 * ((c.k - 1) >> 1) - c.k) / c.s) + 1;
  const Wo = Math.floor((c.W + 2 * ((c.k - 1) >> 1) - c.k) / c.s) + 1;
  const cin = c.expand ? c.Cin : c.C;
  const x = rand(c.N * cin * c.H * c.W);
  const expand: ConvParams | undefined = c.expand ? { w: rand(c.C * c.Cin), bias: c.bias ? rand(c.C) : undefined, a: attrs(1, 1, 1, relu6) } : undefined;
  const dw: ConvParams = { w: rand(c.C * c.k * c.k), bias: c.bias ? rand(c.C) : undefined, a: attrs(c.k, c.s, c.C, relu6) };
  const pw: ConvParams = { w: rand(c.Cout * c.C), bias: c.bias ? rand(c.Cout) : undefined, a: attrs(1, 1, 1, c.residual === 'after' ? relu6 : none, c.residual !== 'none') };
  const res = c.residual === 'none' ? undefined : rand(c.N * c.Cout * Ho * Wo);
  const out = (chain: ChainOptions) => {
    const y = new Float32Array(c.N * c.Cout * Ho * Wo).fill(NaN);
    expect(convChainFast(x, [c.N, cin, c.H, c.W], expand, dw, [c.N, c.C, c.H, c.W], pw, res, y, [c.N, c.Cout, Ho, Wo], { chain })).toBe(true);
    return y;
  };
  const kernels = out({ ...split, bands: false });
  const stats = { banded: 0 };
  const bands = out({ ...split, bands: true, stats });
  expect(stats.banded, 'images computed over bands').toBe(c.N);
  return { bands, kernels };
}

const CASES: Case[] = [
  { N: 1, Cin: 8, C: 48, H: 19, W: 13, k: 3, s: 1, Cout: 8, expand: true, residual: 'seed', bias: true },
  { N: 2, Cin: 5, C: 30, H: 17, W: 9, k: 3, s: 2, Cout: 7, expand: true, residual: 'none', bias: true },
  { N: 1, Cin: 6, C: 22, H: 1, W: 11, k: 3, s: 1, Cout: 6, expand: true, residual: 'after', bias: false },
  { N: 1, Cin: 3, C: 13, H: 2, W: 1, k: 3, s: 2, Cout: 5, expand: true, residual: 'none', bias: true },
  { N: 2, Cin: 0, C: 21, H: 23, W: 15, k: 5, s: 1, Cout: 9, expand: false, residual: 'seed', bias: true },
  { N: 1, Cin: 0, C: 32, H: 29, W: 31, k: 3, s: 1, Cout: 16, expand: false, residual: 'none', bias: false },
  { N: 1, Cin: 7, C: 130, H: 15, W: 14, k: 5, s: 2, Cout: 125, expand: true, residual: 'none', bias: true },
  { N: 1, Cin: 260, C: 9, H: 9, W: 7, k: 3, s: 1, Cout: 260, expand: true, residual: 'seed', bias: true },
];

describe('inverted-residual chains over bands of rows', () => {
  for (const threads of [1, 4])
    it(`${threads} thread(s): bitwise equal to the kernel-by-kernel chain, for several band budgets`, () => {
      useTeam = threads > 1;
      // bands on one thread, and even where the halo recomputation would not pay (bandsPay): their result is under test
      try {
        CASES.forEach((c, i) => {
          for (const bytes of [undefined, 6000, 1]) {
            const { bands, kernels } = runCase(c, 100 + i, { maxRedone: Infinity, oneThread: true, bandBytes: bytes });
            const at = bands.findIndex((v, j) => !Object.is(v, kernels[j]));
            expect(at, `case ${i} (${JSON.stringify(c)}), band budget ${bytes ?? 'default'}: first difference`).toBe(-1);
            expect(kernels.some(Number.isNaN)).toBe(false);
          }
        });
      } finally {
        useTeam = false;
      }
    }, 120_000);

  it('the band split is skipped where it would recompute over MAX_REDONE of the expansion', () => {
    expect(bandsPay(112, 3, 1, 2, true)).toBe(true);
    expect(bandsPay(7, 3, 1, 2, true)).toBe(false);
    expect(bandsPay(7, 3, 1, 1, true)).toBe(true);
    expect(bandsPay(7, 3, 1, 4, false)).toBe(true);
  });

  it('band plans: every row once, at least one band per thread, within the call lists', () => {
    for (const [Ho, T, bytes] of [[1, 4, 1], [7, 2, 1], [112, 2, 512 << 10], [56, 4, 1], [13, 3, 1 << 30]] as const) {
      const rows = bandRows({ Cin: 16, C: 96, H: Ho, W: 112, Ho, Wo: 112, Cout: 24 }, 3, 1, T, true, bytes);
      expect(rows.reduce((a, b) => a + b, 0)).toBe(Ho);
      expect(rows.every((r) => r >= 1)).toBe(true);
      expect(rows.length).toBeGreaterThanOrEqual(Math.min(Ho, T));
    }
  });
});
