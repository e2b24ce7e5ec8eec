/// <reference lib="webworker" />
// Entry of the task worker (task-steps.ts spawns it): the tasks' pixel work and post-processing on the CPU backend
// (cpu-steps.ts), one message at a time. It holds no model (the models run in the CPU backend's own worker), only the
// frames the page sent (as pixels or an ImageBitmap it reads here) until the page releases them.
import { serializeError } from '../cpu/error-codec.js';
import { PixelReader, isPixels } from '../vision/source.js';
import type { Pixels } from '../vision/resample.js';
import { STEPS, type StepName } from './cpu-steps.js';
import { transferables } from './transferables.js';
import type { ToTaskWorker } from './task-steps.js';

/** Frames a page that stopped releasing them could leave here at most. */
const MAX_FRAMES = 8;
const scope = self as unknown as DedicatedWorkerGlobalScope;
const frames = new Map<number, Pixels>();
const reader = new PixelReader();

scope.onmessage = (e: MessageEvent<ToTaskWorker>) => {
  const m = e.data;
  if ('release' in m) {
    frames.delete(m.release);
    return;
  }
  try {
    let args = m.args as Record<string, unknown>;
    if (m.frame) {
      const { id, source } = m.frame;
      if (source) {
        frames.set(id, isPixels(source) ? source : reader.read(source));
        if (!isPixels(source)) source.close();
        if (frames.size > MAX_FRAMES) frames.delete(frames.keys().next().value!);
      }
      const px = frames.get(id);
      if (!px) throw new Error(`the task worker holds no frame ${id}`);
      args = { ...args, px };
    }
    const result = (STEPS[m.step as StepName] as (a: unknown) => unknown)(args);
    scope.postMessage({ id: m.id, result }, transferables(result));
  } catch (err) {
    scope.postMessage({ id: m.id, error: serializeError(err) });
  }
};
