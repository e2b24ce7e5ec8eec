// Person segmentation in one call: image → model input → confidence mask at the source's size.
import type { Model, ModelSource } from '../model.js';
import { outputMask } from '../vision/input.js';
import { maskRegion, type GpuMask } from '../vision/mask.js';
import type { Placement, Rect } from '../vision/options.js';
import type { ImageSource } from '../vision/source.js';
import { imageSize, pickOutput, taskInput, taskModel, type TaskOptions } from './task-model.js';
import { VideoClock } from './video.js';

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
    const segment = async (image: ImageSource): Promise<SegmentationMask> => {
      const { width, height } = imageSize(TASK, image);
      const t = (await input.run(image)).get(out)!;
      return { width, height, confidence: resampleMask(t.data, t.shape[2]!, t.shape[1]!, input.placement!, width, height) };
    };
    const [, inH, inW] = model.inputs[0]!.shape;
    return {
      model,
      segment,
      async segmentOnGpu(image) {
        const { width, height } = imageSize(TASK, image);
        await input.runOnGpu(image);
        const mask = outputMask(model, out);
        return { mask, region: maskRegion(input.placement!, width, height, { width: inW!, height: inH! }, mask) };
      },
      async segmentForVideo(frame, timestampMs) {
        clock.tick(timestampMs);
        return segment(frame);
      },
      dispose() {
        input.dispose();
        if (owned) model.dispose();
      },
    };
  } catch (e) {
    if (owned) model.dispose();
    throw e;
  }
}

/** Bilinear (half-pixel centres, edges clamped, as cv::resize INTER_LINEAR) from the model's mask to the source. */
export function resampleMask(mask: ArrayLike<number>, mw: number, mh: number, p: Placement, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const axis = (n: number, s0: number, sLen: number, d0: number, dLen: number, m: number) => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const f = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const u = Math.min(Math.max(d0 + ((k + 0.5 - s0) * dLen) / sLen - 0.5, 0), m - 1);
      i0[k] = Math.floor(u);
      i1[k] = Math.min(i0[k]! + 1, m - 1);
      f[k] = u - i0[k]!;
    }
    return { i0, i1, f };
  };
  const ax = axis(w, p.src.x, p.src.w, p.dst.x, p.dst.w, mw);
  const ay = axis(h, p.src.y, p.src.h, p.dst.y, p.dst.h, mh);
  for (let y = 0; y < h; y++) {
    const r0 = ay.i0[y]! * mw;
    const r1 = ay.i1[y]! * mw;
    const fy = ay.f[y]!;
    for (let x = 0; x < w; x++) {
      const fx = ax.f[x]!;
      const top = mask[r0 + ax.i0[x]!]! * (1 - fx) + mask[r0 + ax.i1[x]!]! * fx;
      const bottom = mask[r1 + ax.i0[x]!]! * (1 - fx) + mask[r1 + ax.i1[x]!]! * fx;
      out[y * w + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
