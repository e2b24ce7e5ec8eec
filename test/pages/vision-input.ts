// Browser half of the input helper check: builds the same synthetic image as every source type the helper takes,
// runs the WebGPU pass and the CPU path on each, and compares with the reference in test/support/vision-ref.ts.
import { requestGpu } from '../../src/gpu/device.js';
import { toDevice } from '../../src/gpu/layout.js';
import { GpuImageInput } from '../../src/vision/gpu-input.js';
import { CpuImageInput } from '../../src/vision/input.js';
import { logicalStrides, resolveImageOptions } from '../../src/vision/options.js';
import type { ImageSource } from '../../src/vision/source.js';
import { compareImage, OPTION_CASES, referenceTensor, testImage, type CaseResult, type RefOptions } from '../support/vision-ref.js';
import { cpuConvert, gpuConvert } from '../support/vision-run.js';
import { videoOf } from './page-util.js';

/** Progress on the page (a hang shows where it stopped). */
export const progress: string[] = [];
const step = (s: string) => {
  progress.push(s);
  document.getElementById('status')!.textContent = s;
};

const W = 37;
const H = 23;

function canvasOf(px: ImageData, software = false): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = px.width;
  c.height = px.height;
  c.getContext('2d', { willReadFrequently: software })!.putImageData(px, 0, 0);
  return c;
}

async function imageOf(canvas: HTMLCanvasElement): Promise<HTMLImageElement> {
  const blob = await new Promise<Blob>((res) => canvas.toBlob((b) => res(b!), 'image/png'));
  const img = new Image();
  img.src = URL.createObjectURL(blob);
  await img.decode();
  return img;
}


/** What the CPU sees of a source (the reference is computed from these pixels: video goes through a colour pipeline). */
function pixelsOf(s: CanvasImageSource, w: number, h: number): ImageData {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(s, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

interface Source {
  name: string;
  source: ImageSource;
  /** Pixels the reference is computed from. */
  px: ImageData;
  /** Extra 8-bit levels of tolerance for the GPU path (video: its own YUV→RGB conversion). */
  levels: number;
  close?: () => void;
}

async function sources(): Promise<Source[]> {
  const t = testImage(W, H);
  const px = new ImageData(new Uint8ClampedArray(t.data), W, H);
  const canvas = canvasOf(px);
  const off = new OffscreenCanvas(W, H);
  off.getContext('2d')!.putImageData(px, 0, 0);
  const bitmap = await createImageBitmap(px);
  const img = await imageOf(canvas);
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) for (let k = 0; k < 3; k++) rgb[3 * i + k] = px.data[4 * i + k]!;
  step('video');
  // video frames are 4:2:0 underneath: even sizes
  const vt = testImage(40, 24, 11);
  const vpx = new ImageData(new Uint8ClampedArray(vt.data), 40, 24);
  const video = await videoOf(canvasOf(vpx, true));
  step(`video ${video.videoWidth}x${video.videoHeight} readyState ${video.readyState}`);
  step('videoframe');
  const frame = new VideoFrame(canvas, { timestamp: 0 });
  return [
    { name: 'HTMLImageElement', source: img, px, levels: 0 },
    { name: 'HTMLCanvasElement', source: canvas, px, levels: 0 },
    { name: 'OffscreenCanvas', source: off, px, levels: 0 },
    { name: 'ImageBitmap', source: bitmap, px, levels: 0, close: () => bitmap.close() },
    { name: 'ImageData', source: px, px, levels: 0 },
    { name: 'pixels {data,width,height} RGB', source: { data: rgb, width: W, height: H }, px, levels: 0 },
    { name: 'HTMLVideoElement', source: video, px: pixelsOf(video, video.videoWidth, video.videoHeight), levels: 3, close: () => (video.srcObject as MediaStream).getTracks().forEach((tr) => tr.stop()) },
    { name: 'VideoFrame', source: frame, px: pixelsOf(frame, W, H), levels: 3, close: () => frame.close() },
  ];
}

const PER_SOURCE: { name: string; o: Omit<RefOptions, 'width' | 'height'> }[] = [
  { name: 'stretch,nhwc,float', o: {} },
  { name: 'letterbox,nchw,int', o: { resize: 'letterbox', layout: 'nchw', dtype: 'int32', padValue: 114 } },
  { name: 'crop,nhwc,bgr-norm', o: { resize: 'crop', channels: 'bgr', scale: 1, mean: [103.9, 116.8, 123.7], std: [57.4, 57.1, 58.4] } },
];

/** Every source × PER_SOURCE on the GPU (when `gpu`) and the CPU, then the full option matrix on a canvas. */
export async function runAll(useGpu: boolean): Promise<{ results: CaseResult[]; adapter?: string }> {
  const ctx = useGpu ? await requestGpu() : undefined;
  if (useGpu && !ctx) throw new Error('no WebGPU adapter');
  const results: CaseResult[] = [];
  const all = await sources();
  for (const s of all) {
    for (const { name, o } of PER_SOURCE) {
      step(`${s.name} ${name}`);
      const opts = { ...o, width: 16, height: 29 };
      const ref = referenceTensor(s.px, opts);
      const gain = o.scale === 1 ? 1 / 57 : 1 / 255;
      results.push(compareImage(`${s.name} cpu ${name}`, cpuConvert(s.source, opts), ref, o.dtype ?? 'float32', 0, gain));
      if (ctx) {
        const { data, passes, video } = await gpuConvert(ctx.device, s.source, opts);
        const r = compareImage(`${s.name} gpu ${name}${video ? ` (video via ${video})` : ''}`, data, ref, o.dtype ?? 'float32', s.levels, gain);
        results.push(passes === 1 ? r : { ...r, ok: false, first: `${passes} passes` });
      }
    }
  }
  const canvas = all[1]!;
  for (const { name, o, width, height } of OPTION_CASES) {
    const opts = { ...o, width, height };
    const ref = referenceTensor(canvas.px, opts);
    const gain = o.scale === 1 ? 1 / 57 : 1 / 255;
    results.push(compareImage(`canvas cpu ${name}`, cpuConvert(canvas.source, opts), ref, o.dtype ?? 'float32', 0, gain));
    if (ctx) results.push(compareImage(`canvas gpu ${name}`, (await gpuConvert(ctx.device, canvas.source, opts)).data, ref, o.dtype ?? 'float32', 0, gain));
  }
  all.forEach((s) => s.close?.());
  ctx?.device.destroy();
  return { results, adapter: ctx ? `${ctx.info.vendor} ${ctx.info.architecture} ${ctx.info.description}`.trim() : undefined };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Cost per frame of a 640×480 canvas → 256×256×3 float input already on the GPU: the helper's one pass versus a CPU
 * round trip (CPU path, NHWC→device layout as the executor does, writeBuffer). Both wait for the queue.
 */
export async function bench(frames = 30): Promise<{ gpuMs: number; gpuPixelsMs: number; gpuBitmapMs: number; gpuCpuUploadMs: number; cpuRoundTripMs: number; frames: number }> {
  const ctx = await requestGpu();
  if (!ctx) throw new Error('no WebGPU adapter');
  const { device } = ctx;
  const t = testImage(640, 480);
  const canvas = canvasOf(new ImageData(new Uint8ClampedArray(t.data), 640, 480));
  const o = resolveImageOptions({ width: 256, height: 256 });
  const buffer = device.createBuffer({ size: 256 * 256 * 3 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const gpu = new GpuImageInput(device, o, { buffer, strides: logicalStrides(o) });
  await gpu.prepare();
  const cpu = new CpuImageInput(resolveImageOptions({ width: 256, height: 256, layout: 'nchw' }), 'float32');
  const g: number[] = [];
  const c: number[] = [];
  const gp: number[] = [];
  const gb: number[] = [];
  const gc: number[] = [];
  const staged = new GpuImageInput(device, o, { buffer, strides: logicalStrides(o) }, 'cpu');
  await staged.prepare();
  const bitmap = await createImageBitmap(canvas);
  for (let i = 0; i < frames + 2; i++) {
    let t0 = performance.now();
    await gpu.write(canvas);
    await device.queue.onSubmittedWorkDone();
    if (i >= 2) g.push(performance.now() - t0);
    t0 = performance.now();
    await gpu.write(t);
    await device.queue.onSubmittedWorkDone();
    if (i >= 2) gp.push(performance.now() - t0);
    t0 = performance.now();
    await gpu.write(bitmap);
    await device.queue.onSubmittedWorkDone();
    if (i >= 2) gb.push(performance.now() - t0);
    t0 = performance.now();
    await staged.write(canvas);
    await device.queue.onSubmittedWorkDone();
    if (i >= 2) gc.push(performance.now() - t0);
    t0 = performance.now();
    const { tensor } = cpu.convert(canvas);
    const dev = toDevice(tensor.shape, tensor.data as Float32Array);
    device.queue.writeBuffer(buffer, 0, dev.buffer, dev.byteOffset, dev.byteLength);
    await device.queue.onSubmittedWorkDone();
    if (i >= 2) c.push(performance.now() - t0);
  }
  gpu.dispose();
  staged.dispose();
  buffer.destroy();
  device.destroy();
  bitmap.close();
  return { gpuMs: median(g), gpuPixelsMs: median(gp), gpuBitmapMs: median(gb), gpuCpuUploadMs: median(gc), cpuRoundTripMs: median(c), frames };
}
