/**
 * How the CPU backend starts a worker. A spawner makes one worker that has not been sent anything yet and wires
 * its messages and its death to the handlers; worker-model.ts does the rest. The browser spawner below is the
 * default; worker-spawn-node.ts makes worker_threads ones; tests pass their own (to count or kill workers).
 */
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface WorkerHandlers {
  message(m: FromWorker): void;
  /** The worker is gone or unusable (uncaught error, crash, exit, undecodable message). */
  death(why: string): void;
}

export interface WorkerEndpoint {
  post(m: ToWorker, transfer: ArrayBuffer[]): void;
  terminate(): void;
}

export type WorkerSpawner = (h: WorkerHandlers) => WorkerEndpoint;

/**
 * A module Worker on worker.ts; undefined where the engine has no Worker (Node, old engines). `onWorker` sees
 * each Worker made (tests count and kill them).
 */
export function browserSpawner(onWorker?: (w: Worker) => void): WorkerSpawner | undefined {
  if (typeof Worker === 'undefined' || typeof window === 'undefined') return undefined;
  return (h) => {
    // Written out in full so bundlers (Vite, webpack 5, esbuild, Parcel) emit the worker as its own file.
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'sepconv-cpu' });
    w.onmessage = (e: MessageEvent<FromWorker>) => h.message(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      h.death(e.message || 'the worker script failed to load or crashed');
    };
    w.onmessageerror = () => h.death('a message from the worker could not be deserialised');
    onWorker?.(w);
    return { post: (m, t) => w.postMessage(m, t), terminate: () => w.terminate() };
  };
}
