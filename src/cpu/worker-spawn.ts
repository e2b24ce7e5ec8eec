/**
 * How the CPU backend starts a worker. A spawner makes one worker that has not been sent anything yet and wires
 * its messages and its death to the handlers; worker-model.ts does the rest. The browser spawner below is the
 * default; worker-spawn-node.ts makes worker_threads ones; tests pass their own (to count or kill workers).
 */
import { detectWasmSimd } from '../features.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface WorkerHandlers {
  message(m: FromWorker): void;
  /** The worker is gone or unusable (uncaught error, crash, exit, undecodable message). */
  death(why: string): void;
}

export interface WorkerEndpoint {
  post(m: ToWorker, transfer: (ArrayBuffer | MessagePort)[]): void;
  /**
   * Makes `n` helper threads for the worker's thread team and returns the ports it drives them through (sent in
   * its load message); fewer where the engine refuses more. terminate() ends them with the worker.
   */
  helpers?(n: number): MessagePort[];
  terminate(): void;
}

export type WorkerSpawner = (h: WorkerHandlers) => WorkerEndpoint;

/**
 * A module Worker on worker.ts (the wasm engine) or, where the kernel module cannot load (no wasm SIMD, no
 * DecompressionStream to inflate it), on worker-js.ts (the JavaScript kernels): each bundles one engine, so a page
 * downloads only the one it runs. Undefined where the engine has no Worker (Node, old engines). `onWorker` sees
 * each Worker made, the CPU worker and its helpers (tests count and kill them).
 *
 * The helper threads are made here, on the page, and handed to the worker as MessagePorts, rather than made by
 * the worker itself: Firefox ESR 153 deadlocks creating nested workers after a few dozen workers that made two
 * or more had been ended (seen in test/cpu-worker-browsers; it hangs inside `new Worker` in the worker).
 */
/** Whether a worker can load the wasm engine (runner.ts wasmRunner): SIMD validates and the module can be inflated. */
const wasmEngine = () => detectWasmSimd().available && typeof DecompressionStream === 'function';

export function browserSpawner(onWorker?: (w: Worker, role: 'cpu' | 'helper') => void): WorkerSpawner | undefined {
  if (typeof Worker === 'undefined' || typeof window === 'undefined') return undefined;
  return (h) => {
    // Written out in full so bundlers (Vite, webpack 5, esbuild, Parcel) emit each worker as its own file.
    const w = wasmEngine()
      ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'sepconv-cpu' })
      : new Worker(new URL('./worker-js.js', import.meta.url), { type: 'module', name: 'sepconv-cpu' });
    const helpers: Worker[] = [];
    let ended = false;
    const die = (why: string) => {
      if (!ended) h.death(why);
    };
    w.onmessage = (e: MessageEvent<FromWorker>) => h.message(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      die(e.message || 'the worker script failed to load or crashed');
    };
    w.onmessageerror = () => die('a message from the worker could not be deserialised');
    onWorker?.(w, 'cpu');
    return {
      post: (m, t) => w.postMessage(m, t),
      helpers(n) {
        const ports: MessagePort[] = [];
        try {
          for (let i = 0; i < n; i++) {
            const helper = new Worker(new URL('./thread-helper.js', import.meta.url), { type: 'module', name: `sepconv-cpu-helper-${i + 1}` });
            helpers.push(helper);
            onWorker?.(helper, 'helper');
            // a helper that dies takes the team with it: the worker and its runs start again on fresh threads
            helper.onerror = (e: ErrorEvent) => {
              e.preventDefault();
              die(`a CPU helper thread failed (${e.message || 'its script failed to load or crashed'})`);
            };
            const channel = new MessageChannel();
            helper.postMessage(channel.port2, [channel.port2]);
            ports.push(channel.port1);
          }
        } catch {
          // a CSP or an engine limit: the team is smaller, and the worker says so
        }
        return ports;
      },
      terminate: () => {
        ended = true;
        w.terminate();
        for (const x of helpers) x.terminate();
      },
    };
  };
}
