// The CPU thread team (src/cpu/threads.ts) under worker_threads, helpers sharing the leader's wasm memory as in
// the browser worker. Firefox ESR 153's Atomics.wait returns 'ok' with the word unchanged; the team used to take
// such a wake-up for a job (re-running the last list) and count it as one finished, so the leader read a strip
// a helper was still computing (wrong results on 2-3 threads, test/cpu-worker-browsers.test.ts). Here a waker
// thread notifies every helper's job word without changing it, all the time, while the team runs kernels whose
// strip and channel boundaries are not multiples of the vector width; each result must be bitwise that of the
// same kernels on one thread.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { sgemm } from '../src/cpu/gemm.js';
import { startTeam } from '../src/cpu/thread-team.js';
import { spawnNodeHelper } from '../src/cpu/thread-team-node.js';
import { jobWord, type ThreadTeam } from '../src/cpu/threads.js';
import { wasm } from '../src/cpu/wasm-kernels.js';
import { GraphBuilder } from '../src/builder.js';
import { igemmConvFits } from '../src/cpu/conv-igemm.js';
import type { Node } from '../src/graph/ir.js';
import { Conv } from '../src/ops/conv.js';
import { NodeCtx } from '../src/ops/types.js';
import type { Tensor } from '../src/tensor.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';
import { cpuKernel } from '../src/cpu/kernels.js';

const HELPERS = 3;
let team: ThreadTeam | undefined;
let useTeam = true;
let sab: SharedArrayBuffer;
const workers: Worker[] = [];

beforeAll(async () => {
  const r = await startTeam(
    HELPERS,
    (m) => {
      const h = spawnNodeHelper(m);
      workers.push(h.worker);
      return h;
    },
    (t) => (useTeam ? t : undefined),
  );
  expect(r.why, 'shared wasm memory and SIMD in this Node').toBeUndefined();
  team = r.team!;
  sab = team.sab;
}, 120_000);

afterAll(async () => {
  team?.close();
  await Promise.all(workers.map((w) => w.terminate()));
});

/** Notifies every helper's job word, unchanged, until stopped: the wake-ups Firefox gives. */
function startWaker(): () => Promise<void> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const words = Array.from({ length: HELPERS }, (_, h) => jobWord(h));
  const w = new Worker(
    `const { workerData: { board, stop, words } } = require('node:worker_threads');
     const b = new Int32Array(board), s = new Int32Array(stop);
     while (Atomics.load(s, 0) === 0) for (const i of words) Atomics.notify(b, i);`,
    { eval: true, workerData: { board: sab, stop: stop.buffer, words } },
  );
  return async () => {
    Atomics.store(stop, 0, 1);
    await new Promise((r) => w.once('exit', r));
  };
}

/** `f` on one thread, then on the team; the index of the first bitwise difference (-1: none). */
function sameOnTeam(f: () => Float32Array): number {
  useTeam = false;
  const one = f();
  useTeam = true;
  const many = f();
  expect(many.length).toBe(one.length);
  return many.findIndex((v, i) => !Object.is(v, one[i]));
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function residualBlock(c: number, h: number, w: number) {
  const b = new GraphBuilder('block', { seed: 3 });
  const x = b.input('x', [1, c, h, w]);
  const e = b.relu6(b.pointwiseConv2d(x, c, 3 * c));
  const d = b.relu6(b.depthwiseConv2d(e, 3 * c, 3, { padding: 1 }));
  b.output(b.add(b.pointwiseConv2d(d, 3 * c, c), x), 'y');
  return b.build();
}

describe('CPU thread team under spurious Atomics.wait wake-ups', () => {
  it('a wake-up with the job word unchanged runs nothing: an accumulating GEMM is not applied twice', async () => {
    const mem = wasm()!.heap(0);
    // C (4 x 8) += A (4 x 1) · B (1 x 8) on helper 1; list 0 (this thread) runs the same on its own region
    const region = (at: number) => {
      mem.fill(1, at, at + 4 + 8);
      mem.fill(0, at + 12, at + 12 + 32);
      return { fn: 'gemm', args: [4, 32, 1, at * 4, 4, (at + 4) * 4, 32, (at + 12) * 4, 32, 1, 0, -Infinity, Infinity] };
    };
    team!.run([[region(0)], [region(64)]]);
    expect(Array.from(mem.subarray(64 + 12, 64 + 44))).toEqual(new Array(32).fill(1));
    for (let h = 0; h < HELPERS; h++) Atomics.notify(new Int32Array(sab), jobWord(h));
    await new Promise((r) => setTimeout(r, 200));
    expect(Array.from(wasm()!.heap(0).subarray(64 + 12, 64 + 44))).toEqual(new Array(32).fill(1));
  });

  it('GEMMs over column strips and MR-row ranges, repeated: bitwise equal to one thread', async () => {
    const stop = startWaker();
    try {
      const r = rng(5);
      for (let k = 0; k < 120; k++) {
        // N not a multiple of 8 (strip tails), M not a multiple of MR, K over one K block now and then
        const M = 1 + Math.floor(r() * 70);
        const N = 9 + Math.floor(r() * 400);
        const K = 1 + Math.floor(r() * (k % 10 === 0 ? 600 : 150));
        const A = Float32Array.from({ length: M * K }, () => r() * 2 - 1);
        const B = Float32Array.from({ length: K * N }, () => r() * 2 - 1);
        const bias = Float32Array.from({ length: M }, () => r() - 0.5);
        const seed = Float32Array.from({ length: M * N }, () => r() - 0.5);
        const at = sameOnTeam(() => {
          const C = seed.slice();
          sgemm(M, N, K, A, 0, B, 0, C, 0, { bias, accumulate: k % 2 === 0, act: { kind: 'clip', min: 0, max: 6 } });
          return C;
        });
        expect(at, `GEMM ${M}x${N}x${K}: first difference`).toBe(-1);
      }
    } finally {
      await stop();
    }
  }, 120_000);

  it('implicit-GEMM convs (strides 1 and 2, row tails, groups, batch 2) over row ranges, repeated: bitwise equal to one thread', async () => {
    const stop = startWaker();
    try {
      const r = rng(9);
      for (let k = 0; k < 40; k++) {
        const G = k % 5 === 0 ? 2 : 1;
        const cg = 1 + Math.floor(r() * 6);
        const og = 1 + Math.floor(r() * 9);
        const ks = 1 + 2 * Math.floor(r() * 3);
        const s = 1 + (k % 2);
        const N = k % 7 === 0 ? 2 : 1;
        const H = ks + Math.floor(r() * 30);
        const W = ks + Math.floor(r() * 30);
        const p = ks >> 1;
        const x = { shape: [N, G * cg, H, W], data: Float32Array.from({ length: N * G * cg * H * W }, () => r() * 2 - 1) };
        const w = { shape: [G * og, cg, ks, ks], data: Float32Array.from({ length: G * og * cg * ks * ks }, () => r() * 2 - 1) };
        const b = { shape: [G * og], data: Float32Array.from({ length: G * og }, () => r() - 0.5) };
        const attrs = { group: G, pads: [p, p, p, p], strides: [s, s] };
        const n: Node = { name: 'c', op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs };
        const a = { ...Conv.parse(new NodeCtx(n, [x.shape, w.shape, b.shape], [x, w, b])), act: { kind: 'clip' as const, min: -1, max: 2 } };
        expect(igemmConvFits(a)).toBe(true);
        const at = sameOnTeam(() => (cpuKernel(Conv)([x, w, b], a)[0] as Tensor).data as Float32Array);
        expect(at, `conv ${JSON.stringify(x.shape)} * ${JSON.stringify(w.shape)} s${s}: first difference`).toBe(-1);
      }
    } finally {
      await stop();
    }
  }, 120_000);

  it('fused expand -> depthwise -> project blocks and MobileNetV2 64², repeated: bitwise equal to one thread', async () => {
    const stop = startWaker();
    try {
      const cases: [string, ReturnType<typeof residualBlock>, number][] = [
        ['block 16x21x19', residualBlock(16, 21, 19), 12],
        ['block 7x13x11', residualBlock(7, 13, 11), 12],
        ['mobilenet_v2_64', mobilenetV2(64, 10), 4],
      ];
      for (const [name, g, reps] of cases) {
        const rg = optimize(resolve(g)).graph;
        const [[input, shape]] = [...rg.inputShapes];
        const x = Float32Array.from({ length: shape!.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.011));
        for (let k = 0; k < reps; k++) {
          const at = sameOnTeam(() => [...runCpu(rg, { [input!]: x }).values()][0]!.data as Float32Array);
          expect(at, `${name} run ${k}: first difference`).toBe(-1);
        }
      }
    } finally {
      await stop();
    }
  }, 240_000);
});
