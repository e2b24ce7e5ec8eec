// The CPU backend on Node's caller's thread with a worker_threads team (src/cpu/thread-team-node.ts): results
// bitwise those of one thread on MobileNet-like graphs, reason naming the threads, a helper killed between runs
// leaves the model on one thread and the next run answers, a kernel that traps on a helper breaks the team with a
// WorkerError and later calls run on one thread, and a process exits by itself once its model is
// disposed (or even when it is not: the helpers are unref'd). The last check runs the Node entry bundled into
// plain JavaScript (test/support/node-worker.ts), so helperMain's source is the bundled one, as in dist.
import { execFile } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { setCallerThreads } from '../src/cpu/backend.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { startTeam } from '../src/cpu/thread-team.js';
import { defaultThreads, helperWorkers, nodeTeam, spawnNodeHelper } from '../src/cpu/thread-team-node.js';
import { jobWord, type ThreadTeam } from '../src/cpu/threads.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { WorkerError } from '../src/errors.js';
import { load } from '../src/model.js';
import type { Tensor } from '../src/tensor.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';
import { nodeWorkerUrl } from './support/node-worker.js';

setCallerThreads({ defaultThreads, team: nodeTeam });
afterAll(() => setCallerThreads(undefined));

function block(c: number, h: number, w: number, stride: number) {
  const b = new GraphBuilder('block', { seed: 11 });
  const x = b.input('x', [2, c, h, w]);
  const e = b.relu6(b.pointwiseConv2d(x, c, 6 * c));
  const d = b.relu6(b.depthwiseConv2d(e, 6 * c, 3, { stride, padding: 1 }));
  const p = b.pointwiseConv2d(d, 6 * c, c);
  b.output(stride === 1 ? b.add(p, x) : p, 'y');
  return b.build();
}

const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const first = (m: Map<string, Tensor>) => [...m.values()][0]!;
const feed = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.013) * 2);

describe('CPU thread team on Node\'s caller\'s thread', () => {
  it('MobileNetV2 and odd-sized blocks: bitwise equal to one thread; reason says how many threads', async () => {
    const graphs = [mobilenetV2(96, 10), block(8, 19, 13, 1), block(5, 17, 9, 2)];
    for (const g of graphs) {
      const one = await load(g, { backend: 'cpu', numThreads: 1 });
      const two = await load(g, { backend: 'cpu', numThreads: 2 });
      expect(one.reason).toMatch(/caller's thread \(Node\), 1 thread: numThreads is 1$/);
      expect(two.reason).toMatch(/caller's thread \(Node\), 2 threads$/);
      const [input] = g.inputs;
      const x = feed((input!.shape as number[]).reduce((a, b) => a * b, 1));
      for (let k = 0; k < 2; k++) expect(bytes(first(await two.run({ [input!.name]: x }))).equals(bytes(first(await one.run({ [input!.name]: x }))))).toBe(true);
      one.dispose();
      two.dispose();
    }
  }, 240_000);

  it('a helper killed between runs: the next run answers, bitwise as before, and reason says one thread and why', async () => {
    const g = block(8, 31, 29, 1);
    const m = await load(g, { backend: 'cpu', numThreads: 2 });
    const x = feed(2 * 8 * 31 * 29);
    const before = bytes(first(await m.run({ x }))).toString('base64');
    const helper = helperWorkers.at(-1)!;
    await helper.terminate();
    await new Promise((r) => setTimeout(r, 50));
    expect(m.reason).toMatch(/, 1 thread \(a CPU helper thread exited \(code 1\); it had 2\)$/);
    expect(bytes(first(await m.run({ x }))).toString('base64')).toBe(before);
    m.dispose();
    // a new model gets a fresh team
    const again = await load(g, { backend: 'cpu', numThreads: 2 });
    expect(again.reason).toMatch(/, 2 threads$/);
    expect(bytes(first(await again.run({ x }))).toString('base64')).toBe(before);
    again.dispose();
  }, 120_000);

  it('a kernel that traps on a helper: that run throws a WorkerError, the team says why and runs later calls on one thread', async () => {
    const workers: Worker[] = [];
    const p = new ArenaProgram(optimize(resolve(block(16, 64, 64, 1))).graph, { shared: true, threads: 2 });
    const { team } = await startTeam(1, (m) => {
      const h = spawnNodeHelper(m);
      workers.push(h.worker);
      return h;
    }, p.teamKernels());
    try {
      const f = new Float32Array(p.memory.buffer);
      // d = a + b over n floats in the activation region; d is the per-thread (scratch) argument, the helper's far
      // outside the memory, so that only a chunk the helper claims traps
      const n = 1 << 14;
      const at = Math.min(...[...p.plan.values.values()].map((v) => v.offset));
      const [d, a, b] = [at, at + 4 * n, at + 8 * n];
      f.fill(1, a / 4, a / 4 + n);
      f.fill(2, b / 4, b / 4 + n);
      const call = { fn: 'elt_binary_flat', args: [0, d, a, 1, b, 1, n, 64], tiles: n / 64, scratch: { arg: 1, stride: 0x7ff00000 } };
      let error: unknown;
      // a helper the machine does not schedule claims nothing: retried until one claims a chunk (a loaded machine)
      for (const end = Date.now() + 60_000; Date.now() < end && !error; ) {
        try {
          team!.runTiles(call);
        } catch (e) {
          error = e;
        }
      }
      expect(error).toBeInstanceOf(WorkerError);
      expect(team!.broken).toMatch(/a kernel failed on a CPU helper thread/);
      expect(team!.threads).toBe(1);
      f.fill(0, d / 4, d / 4 + n);
      expect(team!.runTiles(call)).toBe(0);
      expect(f.subarray(d / 4, d / 4 + n).every((v) => v === 3)).toBe(true);
    } finally {
      team?.close();
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }, 120_000);

  it('tiled calls are shared out: helpers compute chunks, a helper still busy is left out (not waited for), bitwise as one thread', async () => {
    // big enough (~50 M mult-adds) that the helpers wake up before the leader has claimed every chunk
    const rg = optimize(resolve(block(13, 61, 59, 1))).graph;
    const x = feed(2 * 13 * 61 * 59);
    const want = bytes(first(new ArenaProgram(rg).run({ x })));
    const p = new ArenaProgram(rg, { shared: true, threads: 3 });
    const t = await nodeTeam(p.teamKernels(), 3);
    try {
      const team = t.team!;
      let helped = 0;
      const runTiles = team.runTiles.bind(team);
      team.runTiles = (c) => {
        const n = runTiles(c);
        helped += n;
        return n;
      };
      p.useTeam(team, { always: true });
      for (let k = 0; k < 40; k++) expect(bytes(first(p.run({ x }))).equals(want)).toBe(true);
      expect(helped, 'chunks computed by the helpers').toBeGreaterThan(0);
      // helper 0 handed a job the leader does not know of: it looks busy from now on (its done number never
      // matches the leader's), so every call runs on the leader and helper 1 without waiting for it
      const board = new Int32Array((team as ThreadTeam).sab);
      Atomics.add(board, jobWord(0), 1);
      Atomics.notify(board, jobWord(0));
      for (let k = 0; k < 20; k++) expect(bytes(first(p.run({ x }))).equals(want)).toBe(true);
      expect(team.threads).toBe(3);
      expect(team.broken).toBeUndefined();
    } finally {
      t.end();
    }
  }, 60_000);

  it('a process exits by itself after dispose(), and without it (unref\'d helpers)', async () => {
    const script = await nodeWorkerUrl(undefined, 'test/support/threads-exit.ts');
    for (const dispose of ['dispose', 'keep']) {
      const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((res) => {
        const c = execFile(process.execPath, [script.pathname, dispose], { timeout: 60_000 }, (_e, stdout) => res({ code: c.exitCode, stdout }));
      });
      expect(code, `${dispose}: ${stdout}`).toBe(0);
      expect(stdout).toMatch(/caller's thread \(Node\), 2 threads/);
    }
  }, 180_000);
});
