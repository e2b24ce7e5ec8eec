/// <reference lib="webworker" />
// Entry of the CPU backend's module Worker in browsers with WebAssembly SIMD (created by worker-spawn.ts with
// `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`, which bundlers keep as its own file).
// It bundles the wasm engine alone: engines without SIMD get worker-js.ts, so neither carries the other's kernels.
import { wasmRunner } from './runner.js';
import { startTeam } from './thread-team-browser.js';
import { serve } from './worker-serve.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = serve((msg, transfer) => scope.postMessage(msg, transfer), wasmRunner, startTeam);
scope.onmessage = (e: MessageEvent) => handle(e.data);
