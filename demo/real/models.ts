// The three models of the panel: where they live, how their input is prepared and how their output is read.
import type { Tensor } from '../../src/tensor.js';
import type { ModelImageOptions } from '../../src/vision/input.js';
import { blazefaceAnchors, decodeBlazeface, decodeMovenet, type Box, type Keypoint } from './decode.js';

export type ModelId = 'blazeface' | 'movenet' | 'selfie';

export type Detection =
  | { kind: 'faces'; boxes: Box[] }
  | { kind: 'pose'; keypoints: Keypoint[] }
  | { kind: 'mask'; width: number; height: number; mask?: Float32Array };

export interface ModelSpec {
  id: ModelId;
  label: string;
  /** model.json under /models/ (demo/models-plugin.ts). */
  url: string;
  /** What the input helper does; sepconv and the TF.js comparison prepare the image the same way. */
  input: Omit<ModelImageOptions, 'width' | 'height'>;
  size: number;
  decode(outputs: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>): Detection;
}

const byShape = (outs: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>, shape: number[]) => {
  for (const t of outs.values()) if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t.data;
  throw new Error(`no output of shape [${shape.join(', ')}] among ${[...outs.values()].map((t) => `[${t.shape.join(', ')}]`).join(', ')}`);
};

const anchors = blazefaceAnchors(256);

export const MODELS: Record<ModelId, ModelSpec> = {
  blazeface: {
    id: 'blazeface',
    label: 'BlazeFace',
    url: '/models/blazeface.json',
    // MediaPipe face detection takes [-1, 1]; letterbox keeps faces round on wide frames.
    input: { resize: 'letterbox', scale: 2 / 255, mean: 1 },
    size: 256,
    decode(outs) {
      const scores = new Float32Array(896);
      scores.set(byShape(outs, [1, 512, 1]), 0);
      scores.set(byShape(outs, [1, 384, 1]), 512);
      const boxes = new Float32Array(896 * 16);
      boxes.set(byShape(outs, [1, 512, 16]), 0);
      boxes.set(byShape(outs, [1, 384, 16]), 512 * 16);
      return { kind: 'faces', boxes: decodeBlazeface(scores, boxes, anchors) };
    },
  },
  movenet: {
    id: 'movenet',
    label: 'MoveNet Lightning',
    url: '/models/movenet-lightning.json',
    input: { resize: 'letterbox', dtype: 'int32' },
    size: 192,
    decode: (outs) => ({ kind: 'pose', keypoints: decodeMovenet(byShape(outs, [1, 1, 17, 3])) }),
  },
  selfie: {
    id: 'selfie',
    label: 'Selfie segmentation',
    url: '/models/selfie.json',
    input: { resize: 'stretch' },
    size: 256,
    decode: (outs) => ({ kind: 'mask', width: 256, height: 256, mask: byShape(outs, [1, 256, 256, 1]) }),
  },
};

export type Outputs = Map<string, Tensor>;
