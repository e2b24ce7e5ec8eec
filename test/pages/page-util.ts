// Helpers shared by the browser test pages.
import { requestGpu } from '../../src/gpu/device.js';

export interface Diff {
  max: number;
  mismatch?: string;
  numbers: number;
}

/** Largest difference between two results: numbers by |a − b| (NaN equals NaN), anything else must be equal. */
export function diff(a: unknown, b: unknown, path = ''): Diff {
  if (typeof a === 'number' && typeof b === 'number') return { max: Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b), numbers: 1 };
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return diff(Array.from(a as Float32Array), Array.from(b as Float32Array), path);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return { max: Infinity, mismatch: `${path}: length ${a.length} vs ${b.length}`, numbers: 0 };
    const out: Diff = { max: 0, numbers: 0 };
    a.forEach((x, i) => {
      const d = diff(x, b[i], `${path}[${i}]`);
      out.max = Math.max(out.max, d.max);
      out.numbers += d.numbers;
      out.mismatch ??= d.mismatch;
    });
    return out;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = Object.keys(a).sort();
    if (keys.join() !== Object.keys(b).sort().join()) return { max: Infinity, mismatch: `${path}: keys ${keys} vs ${Object.keys(b).sort()}`, numbers: 0 };
    return diff(keys.map((k) => (a as Record<string, unknown>)[k]), keys.map((k) => (b as Record<string, unknown>)[k]), path);
  }
  return a === b ? { max: 0, numbers: 0 } : { max: Infinity, mismatch: `${path}: ${String(a)} vs ${String(b)}`, numbers: 0 };
}

/** A playing video of a still canvas (captureStream), with its first frame ready. */
export async function videoOf(canvas: HTMLCanvasElement): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = canvas.captureStream(30);
  await video.play();
  const ctx = canvas.getContext('2d')!;
  // captureStream sends a frame when the canvas changes; redraw until the video has one.
  for (let i = 0; i < 100 && (video.videoWidth === 0 || video.readyState < 2); i++) {
    ctx.putImageData(ctx.getImageData(0, 0, canvas.width, canvas.height), 0, 0);
    await new Promise((r) => setTimeout(r, 30));
  }
  if (video.videoWidth === 0) throw new Error('the canvas capture stream never produced a frame');
  return video;
}

/** Chromium's WebGPU device with its errors collected and every createBuffer counted (`created()`). */
export async function countedDevice(): Promise<{ adapter: string; device: GPUDevice; gpuErrors: string[]; created: () => number }> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('no WebGPU adapter');
  const { device } = gpu;
  const gpuErrors: string[] = [];
  device.addEventListener('uncapturederror', (e) => gpuErrors.push((e as GPUUncapturedErrorEvent).error.message));
  void device.lost.then((i) => gpuErrors.push(`device lost: ${i.message}`));
  let created = 0;
  const create = device.createBuffer.bind(device);
  device.createBuffer = (d: GPUBufferDescriptor) => (created++, create(d));
  return { adapter: [gpu.info.vendor, gpu.info.architecture, gpu.info.description].filter(Boolean).join(' '), device, gpuErrors, created: () => created };
}
