// The CPU backend on Node's caller's thread with a worker_threads team (src/cpu/thread-team-node.ts): results
// bitwise those of one thread on MobileNet-like graphs, reason naming the threads, a helper killed between runs
// leaves the model on one thread and the next run answers, a kernel that traps on a helper breaks the team with a
// WorkerError and later lists run on one thread, and a process exits by itself once its model is
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

  it('a kernel that traps on a helper: that run throws a WorkerError, the team says why and runs later lists on one thread', async () => {
    const workers: Worker[] = [];
    const p = new ArenaProgram(optimize(resolve(block(4, 5, 5, 1))).graph, { shared: true, threads: 2 });
    const { team } = await startTeam(1, (m) => {
      const h = spawnNodeHelper(m);
      workers.push(h.worker);
      return h;
    }, p.teamKernels());
    try {
      const f = new Float32Array(p.memory.buffer);
      const at = p.plan.scratchOffset;
      f.fill(1, at / 4, at / 4 + 64);
      const copy = (dst: number, src: number) => ({ fn: 'copy', args: [dst, src, 8] });
      // helper 1 reads far outside the memory
      expect(() => team!.run([[copy(at + 64, at)], [copy(at + 128, 0x7ffffff0)]])).toThrow(WorkerError);
      expect(team!.broken).toMatch(/a kernel failed on a CPU helper thread/);
      expect(team!.threads).toBe(1);
      f.fill(0, at / 4 + 32, at / 4 + 40);
      team!.run([[copy(at + 64, at)], [copy(at + 128, at)]]);
      expect(Array.from(f.subarray(at / 4 + 32, at / 4 + 40))).toEqual(new Array(8).fill(1));
    } finally {
      team?.close();
      await Promise.all(workers.map((w) => w.terminate()));
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
