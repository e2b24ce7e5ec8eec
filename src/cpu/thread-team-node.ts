/**
 * CPU thread teams in Node (node.ts installs them): the caller's thread is the leader (Node allows Atomics.wait on
 * the main thread) and `numThreads - 1` worker_threads helpers share one model's wasm memory. Each model that asks
 * for threads gets its own team, ended when the model is disposed (or at process exit: the helpers are unref'd); a
 * helper that dies or throws leaves the team on one thread, with the reason.
 *
 * The helper's code is threads.ts helperMain's own source, eval'd: there is no helper file to find, and the same
 * text runs from the TypeScript sources (vitest, Vite SSR) and from the built package.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { startTeam, type HelperHandle, type TeamKernels } from './thread-team.js';
import { helperMain, type HelperStart, type ThreadTeam } from './threads.js';

// getBuiltinModule, not require: an eval'd worker is an ES module when the process runs with --input-type=module
const HELPER_SOURCE = `const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
(${helperMain.toString()})(workerData, () => parentPort.postMessage('ready'));`;

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

/** A team of `threads` threads for one program's kernels, or why there is none; `end` stops its helpers. */
export async function nodeTeam(kernels: TeamKernels, threads: number): Promise<{ team?: ThreadTeam; why?: string; end(): void }> {
  if (typeof SharedArrayBuffer === 'undefined') return { why: 'SharedArrayBuffer is not exposed', end: () => undefined };
  const workers: Worker[] = [];
  const { team, why } = await startTeam(threads - 1, (msg) => {
    const h = spawnNodeHelper(msg);
    workers.push(h.worker);
    helperWorkers.push(h.worker);
    return h;
  }, kernels);
  const end = () => {
    team?.close();
    for (const w of workers) void w.terminate();
  };
  if (!team) return { why: why ?? 'the thread team could not start', end };
  for (const w of workers) {
    w.on('error', (e: Error) => team.fail(`a CPU helper thread failed (${e.message})`));
    w.on('exit', (code) => team.fail(`a CPU helper thread exited (code ${code})`));
  }
  return { team, end };
}
