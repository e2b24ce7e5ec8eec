// The same model run by TF.js, for the timing beside sepconv's and for the tests' reference: TF.js's own image
// pipeline (fromPixels, pad for letterbox, resizeBilinear with half-pixel centres, the same scaling).
import type * as TF from '@tensorflow/tfjs';
import { resolveImageOptions } from '../../src/vision/options.js';
import type { ModelSpec } from './models.js';

let tfp: Promise<typeof TF> | undefined;
const models = new Map<string, Promise<TF.GraphModel>>();

/** TF.js on its CPU backend: the reference TF.js itself uses for its kernels. */
export async function tfjs(): Promise<typeof TF> {
  tfp ??= import('@tensorflow/tfjs').then(async (tf) => {
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  });
  return tfp;
}

export async function tfjsModel(spec: ModelSpec): Promise<TF.GraphModel> {
  const tf = await tfjs();
  let m = models.get(spec.id);
  if (!m) {
    m = tf.loadGraphModel(spec.url);
    models.set(spec.id, m);
  }
  return m;
}

/** Runs the model on the image; outputs keyed by the names sepconv reports (`names`). */
export async function tfjsRun(spec: ModelSpec, image: TF.PixelData | ImageData | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap, names: readonly string[]): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const tf = await tfjs();
  const model = await tfjsModel(spec);
  const o = resolveImageOptions({ ...spec.input, width: spec.size, height: spec.size });
  const input = tf.tidy(() => {
    let t = tf.browser.fromPixels(image).toFloat();
    const [h, w] = t.shape as [number, number, number];
    if (o.resize === 'letterbox' && w !== h) {
      const side = Math.max(w, h);
      const top = Math.floor((side - h) / 2);
      const left = Math.floor((side - w) / 2);
      t = tf.pad(t, [[top, side - h - top], [left, side - w - left], [0, 0]], o.padValue);
    }
    t = tf.image.resizeBilinear(t as TF.Tensor3D, [o.height, o.width], false, true);
    const x = o.dtype === 'int32' ? tf.cast(t, 'int32') : t.mul(tf.tensor1d(o.gain as number[])).add(tf.tensor1d(o.bias as number[]));
    return x.expandDims(0);
  });
  try {
    const outs = (await model.executeAsync(input, [...names])) as TF.Tensor | TF.Tensor[];
    const list = Array.isArray(outs) ? outs : [outs];
    const res = new Map<string, { shape: number[]; data: Float32Array }>();
    for (let i = 0; i < list.length; i++) {
      res.set(names[i]!, { shape: list[i]!.shape, data: Float32Array.from(await list[i]!.data()) });
      list[i]!.dispose();
    }
    return res;
  } finally {
    input.dispose();
  }
}
