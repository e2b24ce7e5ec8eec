/**
 * Starts a thread team (thread-team.ts) inside the CPU worker: `helpers` module Workers on thread-helper.ts.
 * Undefined (one thread) where SharedArrayBuffer, shared wasm memory or nested workers are unavailable, with the reason.
 */
import { startTeam as start } from './thread-team.js';
import type { ThreadTeam } from './threads.js';

export async function startTeam(helpers: number): Promise<{ team?: ThreadTeam; why?: string }> {
  if (helpers < 1) return {};
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) return { why: 'no SharedArrayBuffer in the worker' };
  if (typeof Worker === 'undefined') return { why: 'no nested workers in this engine' };
  const { team, why } = await start(helpers, (msg) => {
    const w = new Worker(new URL('./thread-helper.js', import.meta.url), { type: 'module', name: `sepconv-cpu-helper-${msg.index + 1}` });
    const ready = new Promise<void>((resolve, reject) => {
      w.onmessage = () => resolve();
      w.onerror = (e) => reject(new Error(e.message || 'a helper thread failed to start'));
    });
    w.postMessage(msg);
    return { ready, terminate: () => w.terminate() };
  });
  return { team, why };
}
