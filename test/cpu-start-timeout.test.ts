// A worker or helper thread that never starts fires no event at all (seen once in Firefox under load). load()
// must not wait forever: a silent CPU worker counts as one that failed (openCpu then runs the model on the
// caller's thread and says why, as for a worker that cannot start), silent helpers leave the worker on one thread with the reason.
import { describe, expect, it } from 'vitest';
import { startTeam } from '../src/cpu/thread-team.js';
import { WorkerCpuModel } from '../src/cpu/worker-model.js';
import type { WorkerSpawner } from '../src/cpu/worker-spawn.js';
import { resolve } from '../src/graph/resolve.js';
import { GraphBuilder } from '../src/builder.js';

function graph() {
  const b = new GraphBuilder('g', { seed: 1 });
  b.output(b.relu(b.input('x', [1, 2, 3, 3])), 'y');
  return b.build();
}

describe('start timeouts', () => {
  it('a CPU worker that never answers: open() gives up after startMs, terminates it, and says why', async () => {
    let terminated = 0;
    const silent: WorkerSpawner = () => ({ post: () => undefined, terminate: () => void terminated++ });
    const g = graph();
    const rg = resolve(g, {});
    const t0 = Date.now();
    const r = await WorkerCpuModel.open(rg, silent, { transferInputs: false, threads: 1, startMs: 200 }, 'test');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.model).toBeUndefined();
    expect(r.failure).toMatch(/did not answer within 0.2 s/);
    expect(terminated).toBe(1);
  });

  it('a CPU worker that cannot load the graph: open() gives up at once, terminates it, and says why', async () => {
    let terminated = 0;
    const failing: WorkerSpawner = (h) => ({
      post: () => queueMicrotask(() => h.message({ type: 'load-failed', error: { name: 'Error', message: 'no kernels here', fields: {} } })),
      terminate: () => void terminated++,
    });
    const t0 = Date.now();
    const r = await WorkerCpuModel.open(resolve(graph(), {}), failing, { transferInputs: false, threads: 1, startMs: 30_000 }, 'test');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.model).toBeUndefined();
    expect(r.failure).toBe('it could not load the graph: no kernels here');
    expect(terminated).toBeGreaterThanOrEqual(1);
  });

  it('helper threads that never start: the team is given up with the reason, every helper ended', async () => {
    let ended = 0;
    const kernels = { module: {} as WebAssembly.Module, memory: {} as WebAssembly.Memory, exports: {}, table: { names: [], f32: [] }, stacks: [] };
    const r = await startTeam(2, () => ({ ready: new Promise<void>(() => undefined), terminate: () => void ended++ }), kernels, 200);
    expect(r.team).toBeUndefined();
    expect(r.why).toMatch(/did not start within 0.2 s/);
    expect(ended).toBe(2);
  });
});
