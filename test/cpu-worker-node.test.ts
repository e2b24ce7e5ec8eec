// The CPU backend under Node's worker_threads (a bundled worker-node.js; Node's default is the caller's thread,
// see README): results equal the in-thread ones, a worker that really exits mid-run costs no call, dispose()
// leaves no thread, concurrent callers and bad inputs behave as in-thread.
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import type { ResolvedGraph } from '../src/graph/resolve.js';
import { nodeSpawner } from '../src/cpu/worker-spawn-node.js';
import { InputError, WorkerError } from '../src/errors.js';
import { load } from '../src/model.js';
import type { Tensor } from '../src/tensor.js';
import { nodeWorkerUrl } from './support/node-worker.js';

function block(h = 23, w = 17) {
  const b = new GraphBuilder('block', { seed: 5 });
  const x = b.input('x', [1, 16, h, w]);
  const e = b.relu6(b.pointwiseConv2d(x, 16, 64));
  const d = b.relu6(b.depthwiseConv2d(e, 64, 3, { stride: 1, padding: 1 }));
  b.output(b.add(b.pointwiseConv2d(d, 64, 16), x), 'y');
  return b.build();
}
const input = (k: number, h = 23, w = 17) => Float32Array.from({ length: 16 * h * w }, (_, i) => Math.cos(i * 0.017 + k));
/** The CPU engine on this thread. */
const here = (rg: ResolvedGraph, inputs: Record<string, Float32Array>) => new ArenaProgram(rg).run(inputs);
const expectSame = (a: Map<string, Tensor>, b: Map<string, Tensor>) => expect(Buffer.from(a.get('y')!.data.buffer, a.get('y')!.data.byteOffset, a.get('y')!.data.byteLength).equals(Buffer.from(b.get('y')!.data.buffer, b.get('y')!.data.byteOffset, b.get('y')!.data.byteLength))).toBe(true);

/** nodeSpawner with a handle on every thread made; a thread counts as live until its 'exit' event. */
async function tracked() {
  const threads: Worker[] = [];
  const exited = new Set<Worker>();
  const spawner = nodeSpawner(await nodeWorkerUrl(), (w) => {
    threads.push(w);
    w.on('exit', () => exited.add(w));
  });
  const settle = () => new Promise((r) => setTimeout(r, 200));
  return { spawner, threads, live: async () => (await settle(), threads.filter((w) => !exited.has(w)).length) };
}

describe('CPU backend in worker_threads', () => {
  it('results equal those of the CPU engine on this thread; the default in Node is the caller\'s thread', async () => {
    const t = await tracked();
    const m = await load(block(), { backend: 'cpu', worker: t.spawner });
    expect(m.reason).toMatch(/in a worker/);
    for (let k = 0; k < 3; k++) expectSame(await m.run({ x: input(k) }), here(m.graph, { x: input(k) }));
    m.dispose();
    expect(await t.live()).toBe(0);
    const plain = await load(block(), { backend: 'cpu' });
    expect(plain.reason).toMatch(/caller's thread \(Node\)/);
  }, 60_000);

  it('a thread that exits mid-run: copied inputs are retried on a fresh thread, transferred ones reject; the next run answers', async () => {
    // A block big enough (~0.2 G mult-adds) that the run is still computing when the thread is terminated: a tiny
    // one could finish first on a quiet machine, and then nothing was killed mid-run.
    const [h, w] = [160, 160];
    for (const transferInputs of [false, true]) {
      const t = await tracked();
      const m = await load(block(h, w), { backend: 'cpu', worker: t.spawner, transferInputs });
      const ref = here(m.graph, { x: input(1, h, w) });
      const pending = m.run({ x: input(1, h, w) });
      await t.threads[0]!.terminate(); // a real exit: the 'exit' event reaches the backend
      if (transferInputs) {
        const e = await pending.catch((x: unknown) => x);
        expect(e).toBeInstanceOf(WorkerError);
        expect(e).toMatchObject({ code: 'WORKER', retried: false });
      } else expectSame(await pending, ref);
      expectSame(await m.run({ x: input(1, h, w) }), ref);
      expect(t.threads).toHaveLength(2);
      m.dispose();
      expect(await t.live()).toBe(0);
    }
  }, 60_000);

  it('from the second run on, the outputs come back in buffers made on this thread and sent with the run; no result changes after it is returned', async () => {
    const t = await tracked();
    const sent: (Record<string, ArrayBuffer> | undefined)[] = [];
    const spawner: typeof t.spawner = (h) => {
      const e = t.spawner(h);
      return { ...e, post: (m, tr) => (m.type === 'run' && sent.push(m.into), e.post(m, tr)) };
    };
    const m = await load(block(), { backend: 'cpu', worker: spawner });
    const results: Map<string, Tensor>[] = [];
    for (let k = 0; k < 4; k++) {
      results.push(await m.run({ x: input(k) }));
      // the page's spare buffer is made in tasks of its own
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sent[0]).toBeUndefined();
    for (const into of sent.slice(1)) expect(Object.keys(into ?? {})).toEqual(['y']);
    results.forEach((r, k) => expectSame(r, here(m.graph, { x: input(k) })));
    expect(new Set(results.map((r) => r.get('y')!.data.buffer)).size).toBe(4);
    m.dispose();
  }, 60_000);

  it('concurrent callers with a bad input in the middle; dispose() rejects pending runs and leaves no thread', async () => {
    const t = await tracked();
    const m = await load(block(), { backend: 'cpu', worker: t.spawner });
    const settled = await Promise.allSettled([0, 1, 2, 3, 4].map((k) => m.run({ x: k === 2 ? new Float32Array(5) : input(k) })));
    settled.forEach((s, k) => {
      if (k === 2) expect(s.status === 'rejected' && s.reason).toBeInstanceOf(InputError);
      else expectSame((s as PromiseFulfilledResult<Map<string, Tensor>>).value, here(m.graph, { x: input(k) }));
    });
    const pending = m.run({ x: input(0) });
    m.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'DISPOSED' });
    await expect(m.run({ x: input(0) })).rejects.toBeInstanceOf(WorkerError);
    expect(await t.live()).toBe(0);
  }, 60_000);
});
