// The same networks run by TF.js, timed on TF.js's fastest backend in this browser beside the task's time. TF.js's
// own image pipeline: fromPixels, pad for letterbox, resizeBilinear with half-pixel centres, the same scaling; every
// output read back, as the task reads what it needs.
import type * as TF from '@tensorflow/tfjs';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { resolveImageOptions } from '../../src/vision/options.js';
import type { TfjsNet } from './models.js';

export type TfjsBackend = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

let tfp: Promise<typeof TF> | undefined;
const models = new Map<string, Promise<TF.GraphModel>>();
const usable = new Map<TfjsBackend, Promise<boolean>>();

export async function tfjs(): Promise<typeof TF> {
  tfp ??= import('@tensorflow/tfjs');
  return tfp;
}

/** Registers a backend's package (wasm: its .wasm files as Vite serves them) and tries it once. */
function tryBackend(tf: typeof TF, b: TfjsBackend): Promise<boolean> {
  let ok = usable.get(b);
  if (!ok) {
    ok = (async () => {
      if (b === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmUrl, 'tfjs-backend-wasm-simd.wasm': wasmSimdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl });
      }
      if (b === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
      return tf.setBackend(b).catch(() => false);
    })();
    usable.set(b, ok);
  }
  return ok;
}

/** Makes `b` TF.js's current backend; false where it does not load in this browser. */
export async function useBackend(b: TfjsBackend): Promise<boolean> {
  const tf = await tfjs();
  if (!(await tryBackend(tf, b))) return false;
  if (tf.getBackend() !== b) await tf.setBackend(b);
  await tf.ready();
  return true;
}

/**
 * The TF.js backends worth timing here, fastest first as TF.js ranks them: its GPU backends only on a hardware
 * adapter (on a software one, SwiftShader, they are far slower than wasm), then wasm; cpu only where none loads.
 */
export async function candidateBackends(hardwareGpu: boolean): Promise<TfjsBackend[]> {
  const out: TfjsBackend[] = [];
  for (const b of [...(hardwareGpu ? (['webgpu', 'webgl'] as const) : []), 'wasm'] as const) if (await useBackend(b)) out.push(b);
  return out.length ? out : ['cpu'];
}

/** How the current backend runs, for the page: e.g. "wasm, SIMD, 4 threads". */
export async function backendDetail(): Promise<string> {
  const tf = await tfjs();
  const b = tf.getBackend();
  if (b !== 'wasm') return b;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const n = wasm.getThreadsCount();
  return `wasm${simd ? ', SIMD' : ''}, ${n} thread${n === 1 ? '' : 's'}`;
}

export async function tfjsModel(net: TfjsNet): Promise<TF.GraphModel> {
  const tf = await tfjs();
  let m = models.get(net.url);
  if (!m) {
    m = tf.loadGraphModel(net.url);
    models.set(net.url, m);
  }
  return m;
}

/** Runs the network on the image on TF.js's current backend and reads every output back. */
export async function tfjsRun(net: TfjsNet, image: TF.PixelData | ImageData | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap): Promise<void> {
  const tf = await tfjs();
  const model = await tfjsModel(net);
  const o = resolveImageOptions({ ...net.input, width: net.size, height: net.size });
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
    const outs = (await model.executeAsync(input)) as TF.Tensor | TF.Tensor[];
    for (const t of Array.isArray(outs) ? outs : [outs]) {
      await t.data();
      t.dispose();
    }
  } finally {
    input.dispose();
  }
}
