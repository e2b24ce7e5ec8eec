/// <reference lib="webworker" />
// Entry of the task worker (task-steps.ts spawns it): the tasks' post-processing steps on the CPU backend
// (cpu-steps.ts), one message at a time. It holds no model: the models run in the CPU backend's own worker.
import { serializeError } from '../cpu/error-codec.js';
import { STEPS, transferables, type StepName } from './cpu-steps.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<{ id: number; step: StepName; args: never }>) => {
  const { id, step, args } = e.data;
  try {
    const result = (STEPS[step] as (a: never) => unknown)(args);
    scope.postMessage({ id, result }, transferables(result));
  } catch (err) {
    scope.postMessage({ id, error: serializeError(err) });
  }
};
