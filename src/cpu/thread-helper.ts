/// <reference lib="webworker" />
// Entry of a CPU helper thread (a module Worker made by the CPU worker, thread-team-browser.ts): threads.ts's
// helperMain on the start message, then the worker closes.
import { helperMain, type HelperStart } from './threads.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<HelperStart>) => {
  helperMain(e.data, () => scope.postMessage('ready'));
  scope.close();
};
