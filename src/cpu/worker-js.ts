/// <reference lib="webworker" />
// Entry of the CPU backend's module Worker in browsers without WebAssembly SIMD (worker-spawn.ts picks it): the
// JavaScript kernels, without the wasm engine and its kernel module. One thread ('no WebAssembly SIMD').
import { jsRunner } from './runner.js';
import { startTeam } from './thread-team-browser.js';
import { serve } from './worker-serve.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = serve((msg, transfer) => scope.postMessage(msg, transfer), jsRunner, startTeam);
scope.onmessage = (e: MessageEvent) => handle(e.data);
