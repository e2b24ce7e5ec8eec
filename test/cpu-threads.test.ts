// The CPU thread team (src/cpu/threads.ts) under worker_threads, helpers sharing one program's wasm memory as in the
// browser worker. Firefox ESR 153's Atomics.wait returns 'ok' with the word unchanged; the team used to take such a
// wake-up for a job (re-running the last list) and count it as one finished, so the leader read a strip a helper was
// still computing (wrong results on 2-3 threads, test/cpu-worker-browsers.test.ts). Here a waker thread notifies
// every helper's job word without changing it, all the time, while the team runs whole models with every tiled call
// split (odd sizes: tile boundaries off the vector width); each result must be bitwise that of one thread.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { nodeTeam } from '../src/cpu/thread-team-node.js';
import { jobWord, type ThreadTeam } from '../src/cpu/threads.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { load } from '../src/node.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';

const HELPERS = 3;
const ends: (() => void)[] = [];
afterAll(() => ends.forEach((e) => e()));

async function teamFor(p: ArenaProgram): Promise<ThreadTeam> {
  const t = await nodeTeam(p.teamKernels(), HELPERS + 1);
  ends.push(t.end);
  expect(t.why, 'shared wasm memory in this Node').toBeUndefined();
  return t.team!;
}

/** Notifies every helper's job word, unchanged, until stopped: the wake-ups Firefox gives. */
function startWaker(sab: SharedArrayBuffer): () => Promise<void> {
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

function residualBlock(c: number, h: number, w: number) {
  const b = new GraphBuilder('block', { seed: 3 });
  const x = b.input('x', [2, c, h, w]);
  const e = b.relu6(b.pointwiseConv2d(x, c, 3 * c));
  const d = b.relu6(b.depthwiseConv2d(e, 3 * c, 3, { padding: 1 }));
  b.output(b.add(b.pointwiseConv2d(d, 3 * c, c), x), 'y');
  return b.build();
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('CPU thread team under spurious Atomics.wait wake-ups', () => {
  it('a wake-up with the job word unchanged runs nothing: an overlapping copy (not idempotent) is not applied twice', async () => {
    const p = new ArenaProgram(optimize(resolve(residualBlock(4, 5, 5))).graph, { shared: true, threads: HELPERS + 1 });
    const team = await teamFor(p);
    const f = new Float32Array(p.memory.buffer);
    const at = p.plan.scratchOffset;
    const region = (k: number) => {
      const b = at + k * 256;
      f.set([1, 2, 3, 4, 5, 6], b / 4);
      return { fn: 'copy', args: [b + 4, b, 5] };
    };
    team.run([[region(0)], [region(1)]]);
    const want = [1, 1, 2, 3, 4, 5];
    expect(Array.from(f.subarray((at + 256) / 4, (at + 256) / 4 + 6))).toEqual(want);
    for (let h = 0; h < HELPERS; h++) Atomics.notify(new Int32Array(team.sab), jobWord(h));
    await new Promise((r) => setTimeout(r, 200));
    expect(Array.from(new Float32Array(p.memory.buffer).subarray((at + 256) / 4, (at + 256) / 4 + 6))).toEqual(want);
  });

  it('blocks, MobileNetV2 64² and the MediaPipe face detector with every tiled call split over 4 threads, repeated: bitwise equal to one thread', async () => {
    const face = await load(new Uint8Array(readFileSync('node_modules/@mediapipe/face_detection/face_detection_short_range.tflite')), { backend: 'cpu', worker: false, numThreads: 1 });
    const cases: [string, ResolvedGraph, number][] = [
      ['block 16x21x19', optimize(resolve(residualBlock(16, 21, 19)), { cpu: true }).graph, 8],
      ['block 7x13x11', optimize(resolve(residualBlock(7, 13, 11)), { cpu: true }).graph, 8],
      ['mobilenet_v2_64', optimize(resolve(mobilenetV2(64, 10)), { cpu: true }).graph, 4],
      ['face_detection_short_range', face.graph, 4],
    ];
    for (const [name, rg, reps] of cases) {
      const [[input, shape]] = [...rg.inputShapes];
      const x = Float32Array.from({ length: shape!.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.011));
      const want = [...new ArenaProgram(rg).run({ [input!]: x }).values()].map((t) => bytes(t.data));
      const p = new ArenaProgram(rg, { shared: true, threads: HELPERS + 1 });
      const team = await teamFor(p);
      p.useTeam(team, { always: true });
      const stop = startWaker(team.sab);
      try {
        for (let k = 0; k < reps; k++) {
          const got = [...p.run({ [input!]: x }).values()].map((t) => bytes(t.data));
          got.forEach((g, i) => expect(g.equals(want[i]!), `${name} run ${k} output ${i}`).toBe(true));
        }
      } finally {
        await stop();
      }
    }
    face.dispose();
  }, 240_000);
});
