// A CPU helper thread under worker_threads (test/cpu-threads.test.ts): the same helperLoop as the browser's
// thread-helper.ts, on the leader's module and shared memory passed as workerData.
import { parentPort, workerData } from 'node:worker_threads';
import { helperLoop, type CallTable } from '../../src/cpu/threads.js';
import { instantiateShared } from '../../src/cpu/wasm-kernels.js';

const { module, memory, board, index, table } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  board: SharedArrayBuffer;
  index: number;
  table: CallTable;
};
const ex = instantiateShared(module, memory);
parentPort!.postMessage('ready');
helperLoop(ex, table, board, index);
