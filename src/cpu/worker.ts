/// <reference lib="webworker" />
// Entry of the CPU backend's module Worker in browsers (created by worker-model.ts with
// `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`, which bundlers keep as its own file).
import { startTeam } from './thread-team-browser.js';
import { serve } from './worker-serve.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = serve((msg, transfer) => scope.postMessage(msg, transfer), startTeam);
scope.onmessage = (e: MessageEvent) => handle(e.data);
