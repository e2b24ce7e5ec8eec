// What every task shares: a model from bytes, a URL or an already loaded Model; its image input bound with the
// task's preprocessing; images checked before they reach the model.
import { InputError, TaskModelError } from '../errors.js';
import type { DetectionDecodeOptions } from './params.js';
import { load, type LoadOptions, type Model, type ModelSource } from '../model.js';
import { createImageInput, executorOf, type ImageInput } from '../vision/input.js';
import type { ResizeMode } from '../vision/options.js';
import { sourceSize, type ImageSource } from '../vision/source.js';
import type { TaskWorkerOption } from './task-steps.js';
import type { Tensor } from '../tensor.js';

export interface TaskOptions extends LoadOptions {
  /**
   * The CPU backend in a browser: the frame's resizing and crops, the decoding, NMS and projections run in a worker
   * of the task's own (true, default; a function: it makes that Worker), off the page's thread, or on the calling
   * thread (false). Node always runs them on the calling thread.
   */
  taskWorker?: TaskWorkerOption;
}

export async function taskModel(source: ModelSource | Model, opts: TaskOptions): Promise<{ model: Model; owned: boolean }> {
  if (typeof source === 'object' && source !== null && 'run' in source && 'backend' in source) return { model: source as Model, owned: false };
  return { model: await load(source as ModelSource, opts), owned: true };
}

/**
 * Image input for a model expecting values in [lo, hi] from 0–255 pixels. On WebGPU the frame goes straight to a
 * texture (copyExternalImageToTexture, on software adapters too): the second stage's crops sample that texture.
 */
export function taskInput(model: Model, range: readonly [number, number], resize: ResizeMode): Promise<ImageInput> {
  return createImageInput(model, { resize, ...rangeScaling(range), upload: 'copy' });
}

/**
 * `model.run` off the WebGPU chain (an overflow frame, a chain that could not be built): its outputs are read back by
 * the engine, one mapAsync per output; they go into `stats` (readbacks, and bytes) so that the task's counts stay the
 * whole truth. Nothing is added on the CPU backend.
 */
export async function countedRun(stats: { readbacks: number; bytesReadBack: number }, model: Model, run: () => Promise<Map<string, Tensor>>): Promise<Map<string, Tensor>> {
  const exec = executorOf(model);
  const before = exec?.stats.readbacks ?? 0;
  const outs = await run();
  if (exec && model.backend === 'webgpu') {
    stats.readbacks += exec.stats.readbacks - before;
    for (const t of outs.values()) stats.bytesReadBack += t.data.byteLength;
  }
  return outs;
}

/** Image options scaling 0–255 pixels to [lo, hi]. */
export function rangeScaling([lo, hi]: readonly [number, number]): { scale: number; mean: number } {
  return { scale: (hi - lo) / 255, mean: -lo };
}

/** Width and height of an image; a 0-sized image or a closed VideoFrame is an InputError naming the task. */
export function imageSize(task: string, image: ImageSource): { width: number; height: number } {
  let size: { width: number; height: number };
  try {
    size = sourceSize(image);
  } catch (e) {
    throw new InputError(`${task}: cannot read the image's size (${(e as Error).message})`);
  }
  if (!(size.width > 0 && size.height > 0))
    throw new InputError(`${task}: the image is ${size.width}×${size.height}; a frame that was closed or an image not yet decoded has no pixels`);
  return size;
}

/** The name of the model output whose shape satisfies `fits`; a TaskModelError naming what was expected otherwise. */
export function pickOutput(task: string, model: Model, expected: string, fits: (shape: readonly number[]) => boolean): string {
  for (const o of model.outputs) if (fits(o.shape)) return o.name;
  const have = model.outputs.map((o) => `"${o.name}" [${o.shape.join(', ')}]`).join(', ');
  throw new TaskModelError(`${task}: the model is not this task's: expected an output ${expected}; the model's outputs are ${have}`);
}

/** The box-regressor and score outputs of an SSD detector, [1, N, coords] and [1, N, 1]; TaskModelError otherwise. */
export function ssdOutputs(task: string, model: Model, d: DetectionDecodeOptions): { boxes: string; scores: string } {
  const n = d.numBoxes;
  return {
    boxes: pickOutput(task, model, `[1, ${n}, ${d.numCoords}] (box regressors)`, (s) => s.join() === `1,${n},${d.numCoords}`),
    scores: pickOutput(task, model, `[1, ${n}, 1] (scores)`, (s) => s.join() === `1,${n},1`),
  };
}

/** A detector and a landmark model (two-stage tasks): `build` gets both; if it throws, the models loaded here are disposed. */
export async function twoModels<T>(
  models: { detector: ModelSource | Model; landmarker: ModelSource | Model },
  opts: TaskOptions,
  build: (detector: Model, landmarker: Model, disposeModels: () => void) => Promise<T>,
): Promise<T> {
  const det = await taskModel(models.detector, opts);
  // a landmark model loaded here shares the detector's device: the WebGPU chain (gpu-pose.ts, gpu-hand.ts) needs both on one
  const gpu = executorOf(det.model)?.gpu;
  if (gpu && !opts.gpu) opts = { ...opts, gpu };
  let lm: { model: Model; owned: boolean } | undefined;
  const disposeModels = () => {
    if (det.owned) det.model.dispose();
    if (lm?.owned) lm.model.dispose();
  };
  try {
    lm = await taskModel(models.landmarker, opts);
    return await build(det.model, lm.model, disposeModels);
  } catch (e) {
    disposeModels();
    throw e;
  }
}
