// The real-models page: loads a model for the chosen backend, feeds it the photo, a file or webcam frames through
// the input helper, draws boxes / keypoints / masks over the image, and exposes every figure on window.__real.
import astronautUrl from '../../fixtures/photos/astronaut.png?url';
import { requestGpu, type GpuContext } from '../../src/gpu/device.js';
import { load, type Backend, type Model } from '../../src/model.js';
import { createImageInput, outputMask, type ImageInput } from '../../src/vision/input.js';
import { GpuMaskRenderer, maskRegion, MaskPainter } from '../../src/vision/mask.js';
import { toSourceNormalised } from '../../src/vision/options.js';
import { sourceSize, type ImageSource } from '../../src/vision/source.js';
import { iou, maskIou, SKELETON } from './decode.js';
import { MODELS, type Detection, type ModelId, type ModelSpec } from './models.js';
import { backendDetail, candidateBackends, tfjsModel, tfjsRun, useBackend } from './tfjs.js';
import { VideoLoop, type LoopStats } from './video-loop.js';

export interface EngineTiming {
  engine: 'sepconv' | 'TF.js';
  backend: string;
  loadMs: number;
  firstMs: number;
  medianMs: number;
  detection: Detection;
}

export interface RealState {
  status: 'starting' | 'ready' | 'running' | 'webcam';
  backend: Backend;
  webgpu: boolean;
  adapter?: string;
  errors: string[];
  /** Last photo/file run per model: sepconv (and TF.js when asked). */
  photo: Partial<Record<ModelId, { sepconv: EngineTiming; tfjs?: EngineTiming; inputPath: string; upload?: string }>>;
  webcam?: LoopStats & { model: ModelId; backend: Backend; inputPath: string; upload?: string; maskPath?: string; longTaskFrames: number[]; videoUpload?: string; gpuBuffersAfterFirst: number; gpuBuffers: number; longTasks: number[] };
  /** Live GPU buffers created on this page's device (createBuffer minus destroy). */
  gpuBuffers: number;
}

const state: RealState = { status: 'starting', backend: 'cpu', webgpu: false, errors: [], photo: {}, gpuBuffers: 0 };

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id) as T | null;
  if (!el) throw new Error(`page markup is missing #${id}`);
  return el;
};
const img = $<HTMLImageElement>('rm-img');
const video = $<HTMLVideoElement>('rm-video');
const overlay = $<HTMLCanvasElement>('rm-overlay');
const gpuOverlay = $<HTMLCanvasElement>('rm-gpu-overlay');
const readout = $('rm-readout');
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : '—');

// ---------- errors ----------

function showError(message: string): void {
  state.errors.push(message);
  const li = document.createElement('li');
  li.textContent = message;
  $('errors-list').append(li);
  $('errors').hidden = false;
}
$('errors-clear').addEventListener('click', () => {
  state.errors = [];
  $('errors-list').replaceChildren();
  $('errors').hidden = true;
});

function cameraError(e: unknown): string {
  const name = (e as DOMException)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'Camera access was denied. Allow the camera for this page (the camera icon in the address bar) and press Start webcam again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found. Connect a camera (or pick the photo or your own image instead).';
  if (name === 'NotReadableError') return 'The camera is in use by another application or cannot be started. Close the other application and try again.';
  if (!navigator.mediaDevices?.getUserMedia) return 'This browser gives no camera access here: the page needs a secure context (https or localhost).';
  return `The camera could not be started: ${(e as Error)?.message ?? String(e)}`;
}

// ---------- GPU buffer census (the webcam test checks it does not grow) ----------

function countBuffers(device: GPUDevice): void {
  const create = device.createBuffer.bind(device);
  device.createBuffer = (desc: GPUBufferDescriptor) => {
    const b = create(desc);
    state.gpuBuffers++;
    const destroy = b.destroy.bind(b);
    let alive = true;
    b.destroy = () => {
      if (alive) state.gpuBuffers--;
      alive = false;
      destroy();
    };
    return b;
  };
}

// ---------- models ----------

let gpu: GpuContext | undefined;
const loaded = new Map<string, Promise<{ model: Model; input: ImageInput; loadMs: number }>>();

function modelFor(spec: ModelSpec, backend: Backend) {
  const key = `${spec.id}:${backend}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const t0 = performance.now();
      let model: Model;
      try {
        model = await load(spec.url, { backend, gpu: backend === 'webgpu' ? gpu : undefined });
      } catch (e) {
        throw new Error(`Could not load ${spec.label} from ${spec.url} on ${backend}: ${(e as Error).message}`);
      }
      const input = await createImageInput(model, spec.input);
      return { model, input, loadMs: performance.now() - t0 };
    })();
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

function releaseModels(): void {
  for (const p of loaded.values())
    void p.then(
      ({ model, input }) => {
        input.dispose();
        model.dispose();
      },
      () => undefined,
    );
  loaded.clear();
}

// ---------- drawing ----------

const painter = new MaskPainter();
let gpuMask: GpuMaskRenderer | undefined;
const MASK_STYLE = { alpha: 0.55, color: [30, 200, 120] as const };

function sizeOverlays(w: number, h: number): void {
  for (const c of [overlay, gpuOverlay]) if (c.width !== w || c.height !== h) [c.width, c.height] = [w, h];
}

/** Draws a detection over a w×h source; `input` says where the source landed in the model input. */
function draw(d: Detection, input: ImageInput, w: number, h: number): void {
  const ctx = overlay.getContext('2d')!;
  ctx.clearRect(0, 0, w, h);
  const p = input.placement!;
  const o = input.options;
  const toSrc = (nx: number, ny: number) => {
    const [x, y] = toSourceNormalised(p, w, h, o, nx, ny);
    return [x * w, y * h] as const;
  };
  const line = Math.max(2, Math.round(w / 200));
  if (d.kind === 'faces') {
    ctx.strokeStyle = '#facc15';
    ctx.lineWidth = line;
    ctx.font = `${line * 7}px system-ui`;
    ctx.fillStyle = '#facc15';
    for (const b of d.boxes) {
      const [x0, y0] = toSrc(b.cx - b.w / 2, b.cy - b.h / 2);
      const [x1, y1] = toSrc(b.cx + b.w / 2, b.cy + b.h / 2);
      ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      ctx.fillText(`face ${(b.score * 100).toFixed(0)} %`, x0, y0 - line * 2);
    }
  } else if (d.kind === 'pose') {
    const pts = d.keypoints.map((k) => toSrc(k.x, k.y));
    ctx.lineWidth = line;
    ctx.strokeStyle = '#22d3ee';
    for (const [a, b] of SKELETON) {
      if (d.keypoints[a]!.score < 0.3 || d.keypoints[b]!.score < 0.3) continue;
      ctx.beginPath();
      ctx.moveTo(...pts[a]!);
      ctx.lineTo(...pts[b]!);
      ctx.stroke();
    }
    ctx.fillStyle = '#f472b6';
    d.keypoints.forEach((k, i) => {
      if (k.score < 0.3) return;
      ctx.beginPath();
      ctx.arc(pts[i]![0], pts[i]![1], line * 2, 0, 2 * Math.PI);
      ctx.fill();
    });
  } else if (d.mask) {
    painter.draw(ctx, { shape: [1, d.height, d.width, 1], data: d.mask }, maskRegion(p, w, h, o, d), MASK_STYLE);
  }
}

function summary(d: Detection): string {
  if (d.kind === 'faces') return `${d.boxes.length} face${d.boxes.length === 1 ? '' : 's'}${d.boxes.length ? `, best ${(d.boxes[0]!.score * 100).toFixed(0)} %` : ''}`;
  if (d.kind === 'pose') return `${d.keypoints.filter((k) => k.score >= 0.3).length} of 17 keypoints ≥ 0.3`;
  if (!d.mask) return 'mask drawn on the GPU';
  let on = 0;
  for (const v of d.mask) if (v >= 0.5) on++;
  return `mask covers ${((100 * on) / d.mask.length).toFixed(1)} %`;
}

function renderTable(id: ModelId): void {
  const r = state.photo[id];
  const rows = r ? [r.sepconv, r.tfjs].filter((x): x is EngineTiming => !!x) : [];
  $('rm-table').hidden = rows.length === 0;
  $('rm-table').querySelector('tbody')!.replaceChildren(
    ...rows.map((t) => {
      const tr = document.createElement('tr');
      for (const v of [t.engine, t.backend, ms(t.loadMs), ms(t.firstMs), ms(t.medianMs), summary(t.detection)]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------- photo / file ----------

async function showImage(url: string): Promise<void> {
  await stopWebcam();
  video.hidden = true;
  img.hidden = false;
  img.src = url;
  await img.decode();
  $('rm-stage').classList.add('has-media');
}

/** Runs the selected model on the shown image: sepconv (first + `repeats` timed), then TF.js when asked. */
async function runImage(id: ModelId, opts: { tfjs: boolean; repeats?: number }): Promise<void> {
  const spec = MODELS[id];
  $<HTMLSelectElement>('rm-model').value = id;
  const backend = state.backend;
  state.status = 'running';
  readout.textContent = `Loading ${spec.label} on ${backend}…`;
  try {
    const { model, input, loadMs } = await modelFor(spec, backend);
    const { width: w, height: h } = sourceSize(img);
    sizeOverlays(w, h);
    gpuOverlay.hidden = true;
    let t0 = performance.now();
    let outs = await input.run(img);
    const firstMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < (opts.repeats ?? 3); i++) {
      t0 = performance.now();
      outs = await input.run(img);
      times.push(performance.now() - t0);
    }
    const detection = spec.decode(outs);
    draw(detection, input, w, h);
    const entry: NonNullable<RealState['photo'][ModelId]> = {
      sepconv: { engine: 'sepconv', backend: model.backend, loadMs, firstMs, medianMs: median(times), detection },
      inputPath: input.path,
      upload: input.upload,
    };
    state.photo[id] = entry;
    renderTable(id);
    readout.textContent = `${spec.label} on ${model.backend}: ${ms(entry.sepconv.medianMs)} per frame, ${summary(detection)}.`;
    if (opts.tfjs) {
      readout.textContent += ' Timing the same model in TF.js…';
      const names = model.outputs.map((o) => o.name);
      // Weights load onto TF.js's CPU backend once; each timed backend takes them over on its first run.
      await useBackend('cpu');
      t0 = performance.now();
      await tfjsModel(spec);
      const tfLoad = performance.now() - t0;
      // TF.js on each backend worth timing in this browser; the comparison shown is its fastest.
      const runs: EngineTiming[] = [];
      for (const b of await candidateBackends(!!gpu && !gpu.info.isSoftware)) {
        await useBackend(b);
        t0 = performance.now();
        let tfOut = await tfjsRun(spec, img, names);
        const tfFirst = performance.now() - t0;
        const tfTimes: number[] = [];
        for (let i = 0; i < (opts.repeats ?? 3); i++) {
          t0 = performance.now();
          tfOut = await tfjsRun(spec, img, names);
          tfTimes.push(performance.now() - t0);
        }
        runs.push({ engine: 'TF.js', backend: await backendDetail(), loadMs: tfLoad, firstMs: tfFirst, medianMs: median(tfTimes), detection: spec.decode(tfOut) });
      }
      const fastest = runs.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
      entry.tfjs = runs.length > 1 ? { ...fastest, backend: `${fastest.backend} (fastest of ${runs.map((r) => `${r.backend} ${ms(r.medianMs)}`).join('; ')})` } : fastest;
      // The agreement check's reference (read by the tests): TF.js's CPU backend, the one TF.js checks its kernels against.
      await useBackend('cpu');
      tfjsRef.set(id, spec.decode(await tfjsRun(spec, img, names)));
      renderTable(id);
      readout.textContent = `${spec.label}: sepconv (${model.backend}) ${ms(entry.sepconv.medianMs)}, TF.js (${fastest.backend}, its fastest backend here) ${ms(fastest.medianMs)} per frame; ${summary(detection)}.`;
    }
  } catch (e) {
    showError((e as Error).message);
    readout.textContent = `${spec.label} failed; see the errors above.`;
  } finally {
    state.status = 'ready';
  }
}

// ---------- webcam ----------

let loop: VideoLoop | undefined;
let stream: MediaStream | undefined;
let longTasks: PerformanceObserver | undefined;

async function startWebcam(id: ModelId, maxFrames?: number): Promise<void> {
  await stopWebcam();
  const spec = MODELS[id];
  const backend = state.backend;
  $<HTMLSelectElement>('rm-model').value = id;
  renderTable(id);
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no mediaDevices'), { name: 'NoMediaDevices' });
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  } catch (e) {
    showError(cameraError(e));
    return;
  }
  let loadedModel: Awaited<ReturnType<typeof modelFor>>;
  try {
    readout.textContent = `Loading ${spec.label} on ${backend}…`;
    loadedModel = await modelFor(spec, backend);
  } catch (e) {
    stream.getTracks().forEach((t) => t.stop());
    stream = undefined;
    showError((e as Error).message);
    return;
  }
  const { model, input } = loadedModel;
  video.srcObject = stream;
  video.hidden = false;
  img.hidden = true;
  $('rm-stage').classList.add('has-media');
  await video.play();
  const w = video.videoWidth;
  const h = video.videoHeight;
  sizeOverlays(w, h);
  overlay.getContext('2d')!.clearRect(0, 0, w, h);
  // The mask on WebGPU goes from the model's output buffer to a WebGPU canvas: no readback.
  // Not on a software adapter: headless Chromium on SwiftShader has no working WebGPU canvas (the context fails
  // with "A valid external Instance reference no longer exists"), so there the mask is read back and painted.
  const onGpu = id === 'selfie' && model.backend === 'webgpu' && !gpu?.info.isSoftware;
  gpuOverlay.hidden = !onGpu;
  const maskName = model.outputs[0]!.name;
  const tasks: number[] = [];
  if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    longTasks = new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => {
        tasks.push(e.duration);
        state.webcam?.longTaskFrames.push(state.webcam.frames);
      }),
    );
    longTasks.observe({ type: 'longtask' });
  }
  const webcam = { model: id, backend: model.backend, inputPath: input.path, upload: input.upload, maskPath: onGpu ? 'gpu' : id === 'selfie' ? `readback${model.backend === 'webgpu' ? ' (software adapter)' : ''}` : undefined, longTaskFrames: [] as number[], gpuBuffersAfterFirst: -1, gpuBuffers: 0, longTasks: tasks, frames: 0, fps: 0, latencyMs: 0, running: true };
  state.webcam = webcam;
  state.status = 'webcam';
  $<HTMLButtonElement>('rm-stop').disabled = false;
  let maskOnGpu = onGpu;
  const frame = async () => {
    if (maskOnGpu) {
      try {
        gpuMask ??= new GpuMaskRenderer(gpu!.device, gpuOverlay);
        await gpuMask.prepare();
        await input.runOnGpu(video);
        await gpuMask!.draw(outputMask(model, maskName), maskRegion(input.placement!, w, h, input.options, { width: 256, height: 256 }), MASK_STYLE);
        await gpu!.device.queue.onSubmittedWorkDone();
        return;
      } catch (e) {
        // Headless Chromium on SwiftShader has no WebGPU canvas ("external Instance"): read the mask back instead.
        maskOnGpu = false;
        gpuOverlay.hidden = true;
        webcam.maskPath = `readback (the WebGPU canvas failed: ${(e as Error).message})`;
      }
    }
    draw(spec.decode(await input.run(video)), input, w, h);
  };
  loop = new VideoLoop(video, frame, {
    maxFrames,
    onFrame(s) {
      Object.assign(webcam, s, { inputPath: input.path });
      if (s.frames === 1) webcam.gpuBuffersAfterFirst = state.gpuBuffers;
      webcam.gpuBuffers = state.gpuBuffers;
      (webcam as { videoUpload?: string }).videoUpload = input.video;
      readout.textContent = `${spec.label} on ${model.backend} (input: ${input.path}${input.upload ? `, ${input.upload} upload` : ''}): ${s.fps.toFixed(1)} fps, ${ms(s.latencyMs)} per frame, ${s.frames} frames`;
    },
    onError(e) {
      showError(`${spec.label} stopped on a webcam frame: ${(e as Error).message}`);
      void stopWebcam();
    },
    onStop() {
      webcam.running = false;
    },
  });
  loop.start();
}

/** Stops the loop and the camera, and releases what the webcam run held (stream, overlay context). */
async function stopWebcam(): Promise<void> {
  await loop?.stop();
  loop = undefined;
  longTasks?.disconnect();
  longTasks = undefined;
  stream?.getTracks().forEach((t) => t.stop());
  stream = undefined;
  video.srcObject = null;
  try {
    gpuMask?.clear();
  } catch {
    gpuMask = undefined;
  }
  $<HTMLButtonElement>('rm-stop').disabled = true;
  if (state.status === 'webcam') state.status = 'ready';
}

// ---------- agreement with TF.js (shown nowhere; the browser tests read it) ----------

const tfjsRef = new Map<ModelId, Detection>();

/** sepconv's last photo result against TF.js's last one for the same model. */
function compareWithTfjs(id: ModelId): { faceIou?: number; faces?: [number, number]; maxKeypointDelta?: number; confident?: number; maxKeypointDeltaAll?: number; keypoints?: string; maskIou?: number } {
  const a = state.photo[id]?.sepconv.detection;
  const b = tfjsRef.get(id);
  if (!a || !b) throw new Error(`no sepconv and TF.js results for ${id} yet`);
  if (a.kind === 'faces' && b.kind === 'faces')
    return { faces: [a.boxes.length, b.boxes.length], faceIou: a.boxes[0] && b.boxes[0] ? iou(a.boxes[0], b.boxes[0]) : 0 };
  if (a.kind === 'pose' && b.kind === 'pose') {
    const d = a.keypoints.map((k, i) => Math.max(Math.abs(k.x - b.keypoints[i]!.x), Math.abs(k.y - b.keypoints[i]!.y)));
    // MoveNet picks each keypoint by an argmax over a 48×48 heatmap: where the model is unsure (score < 0.3, not
    // drawn) a ±1 difference in an input pixel can move the peak a cell (0.021) or more.
    const confident = d.filter((_, i) => b.keypoints[i]!.score >= 0.3);
    return {
      maxKeypointDelta: Math.max(...confident),
      confident: confident.length,
      maxKeypointDeltaAll: Math.max(...d),
      keypoints: a.keypoints.map((k, i) => `${k.name} ${d[i]!.toFixed(4)} (score ${k.score.toFixed(2)}/${b.keypoints[i]!.score.toFixed(2)})`).join('; '),
    };
  }
  if (a.kind === 'mask' && b.kind === 'mask' && a.mask && b.mask) return { maskIou: maskIou(a.mask, b.mask) };
  throw new Error(`results for ${id} cannot be compared`);
}

// ---------- wiring ----------

const selected = () => $<HTMLSelectElement>('rm-model').value as ModelId;
const wantTfjs = () => $<HTMLInputElement>('rm-tfjs').checked;

async function runPhoto(id: ModelId = selected(), opts: { tfjs?: boolean; repeats?: number } = {}): Promise<void> {
  await showImage(astronautUrl);
  await runImage(id, { tfjs: opts.tfjs ?? wantTfjs(), repeats: opts.repeats });
}

async function setBackend(b: Backend): Promise<void> {
  if (b === state.backend) return;
  await stopWebcam();
  releaseModels();
  state.backend = b;
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="rm-backend"]')) r.checked = r.value === b;
}

$('rm-photo').addEventListener('click', () => void runPhoto());
$('rm-file').addEventListener('change', async (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (!f) return;
  try {
    await showImage(URL.createObjectURL(f));
  } catch {
    showError(`"${f.name}" could not be decoded as an image.`);
    return;
  }
  await runImage(selected(), { tfjs: wantTfjs() });
});
$('rm-cam').addEventListener('click', () => void startWebcam(selected()));
$('rm-stop').addEventListener('click', () => void stopWebcam());
for (const r of document.querySelectorAll<HTMLInputElement>('input[name="rm-backend"]')) r.addEventListener('change', () => void setBackend(r.value as Backend));

const api = { runPhoto, startWebcam, stopWebcam, setBackend, compareWithTfjs, models: MODELS, runImage: (id: ModelId, url: string) => showImage(url).then(() => runImage(id, { tfjs: false })) };
export type RealApi = typeof api;
declare global {
  interface Window {
    /** What the page shows, and the controls, for test/vision-demo.test.ts. */
    __real?: RealState & { api: RealApi };
  }
}
window.__real = Object.assign(state, { api });

(async () => {
  try {
    gpu = await requestGpu();
  } catch (e) {
    $('rm-gpu').textContent = `WebGPU failed to start: ${(e as Error).message}`;
  }
  if (gpu) {
    countBuffers(gpu.device);
    state.webgpu = true;
    state.adapter = [gpu.info.vendor, gpu.info.architecture, gpu.info.description].filter(Boolean).join(' ');
    $('rm-gpu').textContent = `${state.adapter}${gpu.info.isSoftware ? ' (software adapter: expect it to be slower than the CPU)' : ''}`;
  } else if (!$('rm-gpu').textContent?.startsWith('WebGPU failed')) $('rm-gpu').textContent = 'Not available in this browser: everything runs on the CPU.';
  const webgpuRadio = document.querySelector<HTMLInputElement>('input[value="webgpu"]')!;
  webgpuRadio.disabled = !gpu;
  // The engine's own choice: WebGPU on a hardware adapter, the CPU otherwise (load's 'auto').
  const params = new URLSearchParams(location.search);
  state.backend = params.get('backend') === 'webgpu' && gpu ? 'webgpu' : params.get('backend') === 'cpu' ? 'cpu' : gpu && !gpu.info.isSoftware ? 'webgpu' : 'cpu';
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="rm-backend"]')) r.checked = r.value === state.backend;
  state.status = 'ready';
})();

export type { ImageSource };
