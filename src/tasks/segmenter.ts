// Person segmentation in one call: image → model input → confidence mask at the source's size.
import type { Model, ModelSource } from '../model.js';
import { outputMask } from '../vision/input.js';
import { maskRegion, type GpuMask } from '../vision/mask.js';
import type { Rect } from '../vision/options.js';
import { PixelReader, type ImageSource } from '../vision/source.js';
import { imageSize, pickOutput, taskInput, taskModel, type TaskOptions } from './task-model.js';
import { VideoClock } from './video.js';
import { resampleMask } from './project.js';
import { Frame, orOnThisThread, taskSteps } from './task-steps.js';

/** MediaPipe's selfie segmentation (mediapipe/modules/selfie_segmentation/selfie_segmentation_cpu.pbtxt). */
export const SELFIE_SEGMENTATION = {
  source: 'mediapipe/modules/selfie_segmentation/selfie_segmentation_cpu.pbtxt',
  range: [0, 1] as const,
  resize: 'stretch' as const,
};

export interface SegmentationMask {
  /** Source image size; `confidence` is row-major, one value in [0, 1] per source pixel. */
  readonly width: number;
  readonly height: number;
  readonly confidence: Float32Array;
}

/** The model's mask left in its GPU output buffer, and the part of it that covers the source image. */
export interface GpuSegmentation {
  readonly mask: GpuMask;
  /** In mask pixels: pass to GpuMaskRenderer.draw to fill a canvas showing the whole source. */
  readonly region: Rect;
}

export interface ImageSegmenter {
  readonly model: Model;
  segment(image: ImageSource): Promise<SegmentationMask>;
  /**
   * WebGPU only (else an InputError): runs the model and leaves the mask on the GPU, nothing read back; draw it with
   * `new GpuMaskRenderer(device, canvas).draw(mask, region)`. Valid until the next call.
   */
  segmentOnGpu(image: ImageSource): Promise<GpuSegmentation>;
  segmentForVideo(frame: ImageSource, timestampMs: number): Promise<SegmentationMask>;
  dispose(): void;
}

const TASK = 'image segmenter';

export async function createImageSegmenter(source: ModelSource | Model, opts: TaskOptions = {}): Promise<ImageSegmenter> {
  const { model, owned } = await taskModel(source, opts);
  try {
    const out = pickOutput(TASK, model, '[1, H, W, 1] (person confidence)', (s) => s.length === 4 && s[0] === 1 && s[3] === 1 && s[1]! > 1 && s[2]! > 1);
    const input = await taskInput(model, SELFIE_SEGMENTATION.range, SELFIE_SEGMENTATION.resize);
    const clock = new VideoClock(TASK);
    const steps = taskSteps(opts.taskWorker);
    const segment = async (image: ImageSource): Promise<SegmentationMask> => {
      const { width, height } = imageSize(TASK, image);
      const t = (await input.run(image)).get(out)!;
      const args = { mask: t.data, mw: t.shape[2]!, mh: t.shape[1]!, placement: input.placement!, width, height };
      const here = async () => resampleMask(args.mask, args.mw, args.mh, args.placement, width, height);
      // The mask at the source's size is a fresh source-sized array: made in the task worker where there is one (a
      // copy of the model's mask goes, the array comes back moved), so the page's thread does not fill it
      return { width, height, confidence: await (steps.inWorker ? orOnThisThread(() => steps.run('mask', args), here) : here()) };
    };
    // The CPU backend in a browser: the task worker resizes the frame into the model's input and resamples the mask.
    const reader = new PixelReader();
    const inWorker = async (image: ImageSource): Promise<SegmentationMask> => {
      const { width, height } = imageSize(TASK, image);
      const frame = new Frame(image, reader);
      try {
        const { data, placement } = await steps.onFrame('letterbox', frame, { opts: input.options });
        const t = (await model.run({ [input.name]: { shape: input.shape, data } })).get(out)!;
        const args = { mask: t.data, mw: t.shape[2]!, mh: t.shape[1]!, placement, width, height };
        return { width, height, confidence: await steps.run('mask', args, [t.data.buffer as ArrayBuffer]) };
      } finally {
        steps.release(frame);
      }
    };
    const anywhere = (image: ImageSource) => (model.backend === 'cpu' && steps.inWorker ? orOnThisThread(() => inWorker(image), () => segment(image)) : segment(image));
    const [, inH, inW] = model.inputs[0]!.shape;
    return {
      model,
      segment: anywhere,
      async segmentOnGpu(image) {
        const { width, height } = imageSize(TASK, image);
        await input.runOnGpu(image);
        const mask = outputMask(model, out);
        return { mask, region: maskRegion(input.placement!, width, height, { width: inW!, height: inH! }, mask) };
      },
      async segmentForVideo(frame, timestampMs) {
        clock.tick(timestampMs);
        return anywhere(frame);
      },
      dispose() {
        input.dispose();
        steps.dispose();
        if (owned) model.dispose();
      },
    };
  } catch (e) {
    if (owned) model.dispose();
    throw e;
  }
}
