/**
 * worker_threads spawner for Node: `url` is a built worker-node.js (plain JavaScript; Node cannot run the
 * TypeScript sources in a worker). Not imported by the browser code. `onWorker` sees each thread made (tests).
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker } from './worker-protocol.js';
import type { WorkerSpawner } from './worker-spawn.js';

export function nodeSpawner(url: URL | string, onWorker?: (w: Worker) => void): WorkerSpawner {
  return (h) => {
    const w = new Worker(url);
    onWorker?.(w);
    let gone = false;
    const die = (why: string) => {
      if (gone) return;
      gone = true;
      h.death(why);
    };
    w.on('message', (m: FromWorker) => h.message(m));
    w.on('error', (e: Error) => die(e.message));
    w.on('messageerror', () => die('a message from the worker could not be deserialised'));
    w.on('exit', (code) => die(`the worker exited with code ${code}`));
    return {
      // the Node worker is sent no ports (its runs use the caller's team, thread-team-node.ts): only ArrayBuffers
      post: (m, t) => w.postMessage(m, t as ArrayBuffer[]),
      terminate: () => {
        gone = true;
        void w.terminate();
      },
    };
  };
}
