/// <reference lib="webworker" />
// Entry of a CPU helper thread (a module Worker made by the CPU worker, thread-team-browser.ts): instantiates the
// leader's module on the leader's shared memory, says so, then serves the board until told to exit.
import { helperLoop, type CallTable } from './threads.js';

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  board: SharedArrayBuffer;
  index: number;
  table: CallTable;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<Start>) => {
  const { module, memory, board, index, table } = e.data;
  const ex = new WebAssembly.Instance(module, { env: { mem: memory } }).exports as Record<string, (...a: number[]) => void>;
  scope.postMessage('ready');
  helperLoop(ex, table, board, index);
  scope.close();
};
