/**
 * Starts a thread team (threads.ts) inside the CPU worker: switches its kernels to a shared memory and makes
 * `helpers` module Workers on thread-helper.ts. Undefined (one thread) where SharedArrayBuffer, shared wasm
 * memory or nested workers are unavailable, with the reason.
 */
import { boardBytes, ThreadTeam } from './threads.js';
import { callTable, shareKernels } from './wasm-kernels.js';

export async function startTeam(helpers: number): Promise<{ team?: ThreadTeam; why?: string }> {
  if (helpers < 1) return {};
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) return { why: 'no SharedArrayBuffer in the worker' };
  if (typeof Worker === 'undefined') return { why: 'no nested workers in this engine' };
  let team: ThreadTeam | undefined;
  const shared = shareKernels(() => team);
  if (!shared) return { why: 'no shared WebAssembly memory' };
  const sab = new SharedArrayBuffer(boardBytes(helpers));
  const table = callTable();
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: helpers }, (_, index) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(new URL('./thread-helper.js', import.meta.url), { type: 'module', name: `sepconv-cpu-helper-${index + 1}` });
          workers.push(w);
          w.onmessage = () => resolve();
          w.onerror = (e) => reject(new Error(e.message || 'a helper thread failed to start'));
          w.postMessage({ module: shared.module, memory: shared.memory, board: sab, index, table });
        }),
      ),
    );
  } catch (e) {
    for (const w of workers) w.terminate();
    return { why: (e as Error).message };
  }
  team = new ThreadTeam(shared.exports, table, sab, helpers);
  return { team };
}
