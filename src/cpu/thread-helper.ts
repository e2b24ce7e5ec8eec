/// <reference lib="webworker" />
// Entry of a CPU helper thread, made by the page (worker-spawn.ts) for the CPU worker's team: its first message
// is the port to the worker, which sends threads.ts's HelperStart through it; helperMain runs until told to
// exit, then the helper closes.
import { helperMain, type HelperStart } from './threads.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<MessagePort>) => {
  const port = e.data;
  port.onmessage = (m: MessageEvent<HelperStart>) => {
    helperMain(m.data, () => port.postMessage('ready'));
    scope.close();
  };
};
