/**
 * The CPU thread team in Node (node.ts installs it): the caller's thread is the leader (Node allows Atomics.wait
 * on the main thread) and `numThreads - 1` worker_threads helpers share its wasm memory. The kernels are
 * process-wide, so is the team: every model that asks for threads leases it, the last lease's release (or
 * process exit: the helpers are unref'd) ends the helpers, and a helper that dies or throws leaves the team on
 * one thread, with the reason. A model on one thread runs its kernels with no team (`use` below).
 *
 * The helper's code is threads.ts helperMain's own source, eval'd: there is no helper file to find, and the same
 * text runs from the TypeScript sources (vitest, Vite SSR) and from the built package.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ThreadPlan } from './thread-plan.js';
import { startTeam, type HelperHandle, type TeamLease } from './thread-team.js';
import { helperMain, type HelperStart, type ThreadTeam } from './threads.js';

// getBuiltinModule, not require: an eval'd worker is an ES module when the process runs with --input-type=module
const HELPER_SOURCE = `const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
(${helperMain.toString()})(workerData, () => parentPort.postMessage('ready'));`;

interface Shared {
  team: ThreadTeam;
  workers: Worker[];
  users: number;
}

let current: Promise<Shared | string> | undefined;
/** The team the kernels use during the current run (none outside leased runs). */
let inUse: ThreadTeam | undefined;
/** Every worker made, for tests (to kill one). */
export const helperWorkers: Worker[] = [];

export function defaultThreads(): number {
  return Math.min(availableParallelism(), 4);
}

/** One helper on worker_threads (unref'd: it never keeps the process alive). */
export function spawnNodeHelper(msg: HelperStart): HelperHandle & { worker: Worker } {
  const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: msg });
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a CPU helper thread exited with code ${code} while starting`)));
  });
  return { worker, ready, terminate: () => void worker.terminate() };
}

async function start(threads: number): Promise<Shared | string> {
  const workers: Worker[] = [];
  const { team, why } = await startTeam(
    threads - 1,
    (msg) => {
      const h = spawnNodeHelper(msg);
      workers.push(h.worker);
      helperWorkers.push(h.worker);
      return h;
    },
    (team) => (inUse === team ? team : undefined),
  );
  if (!team) return why ?? 'the thread team could not start';
  const shared: Shared = { team, workers, users: 0 };
  const down = (why: string) => {
    if (team.broken) return;
    team.fail(why);
    void end(shared);
  };
  for (const w of workers) {
    w.on('error', (e: Error) => down(`a CPU helper thread failed (${e.message})`));
    w.on('exit', (code) => down(`a CPU helper thread exited (code ${code})`));
  }
  return shared;
}

/** Ends the helpers; a later lease starts a fresh team. */
async function end(s: Shared): Promise<void> {
  if (current && (await current) === s) current = undefined;
  s.team.close();
  for (const w of s.workers) void w.terminate();
}

/** A lease on the process's team of `threads` threads (the first lease's size), or why there is none. */
export async function leaseTeam(threads: number): Promise<{ lease?: TeamLease; why?: string }> {
  if (typeof SharedArrayBuffer === 'undefined') return { why: 'SharedArrayBuffer is not exposed' };
  current ??= start(threads);
  const s = await current;
  if (typeof s === 'string') {
    current = undefined;
    return { why: s };
  }
  s.users++;
  let released = false;
  const lease: TeamLease = {
    get threads() {
      return s.team.threads;
    },
    get broken() {
      return s.team.broken;
    },
    plans: [new ThreadPlan(), new ThreadPlan()],
    run<T>(f: () => T): T {
      const was = inUse;
      inUse = s.team;
      try {
        return f();
      } finally {
        inUse = was;
      }
    },
    release() {
      if (released) return;
      released = true;
      if (--s.users === 0) void end(s);
    },
  };
  return { lease };
}
