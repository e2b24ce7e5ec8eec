/**
 * Starts a thread team (thread-team.ts) inside the CPU worker, on helper threads the page made for it
 * (worker-spawn.ts) and handed over as MessagePorts. Undefined (one thread) where SharedArrayBuffer or shared
 * wasm memory is unavailable, with the reason.
 */
import { startTeam as start, type TeamKernels } from './thread-team.js';
import type { ThreadTeam } from './threads.js';

export async function startTeam(ports: MessagePort[], kernels: TeamKernels): Promise<{ team?: ThreadTeam; why?: string }> {
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) return { why: 'no SharedArrayBuffer in the worker' };
  const { team, why } = await start(ports.length, (msg) => {
    const port = ports[msg.index]!;
    const ready = new Promise<void>((resolve) => (port.onmessage = () => resolve()));
    port.postMessage(msg);
    return { ready, terminate: () => port.close() };
  }, kernels);
  return { team, why };
}
