// The real-models page: runs a vision task of the task layer (face detection, pose landmarks, person segmentation)
// for the chosen backend on the photo, a file or webcam frames, draws its result with the task layer's helpers,
// times the TF.js ports of the same networks beside it, and exposes every figure on window.__real.
import astronautUrl from '../../fixtures/photos/astronaut.png?url';
import handUrl from '../../fixtures/photos/hand.png?url';
import { requestGpu, type GpuContext } from '../../src/gpu/device.js';
import type { Backend } from '../../src/model.js';
import { drawDetections, drawHandLandmarks, drawPoseLandmarks, maskToRgba } from '../../src/tasks/draw.js';
import { createFaceDetector, type FaceDetection } from '../../src/tasks/face-detector.js';
import { createHandLandmarker, type HandResult } from '../../src/tasks/hand-landmarker.js';
import { createPoseLandmarker, type PoseResult } from '../../src/tasks/pose-landmarker.js';
import { createImageSegmenter, type SegmentationMask } from '../../src/tasks/segmenter.js';
import { sourceSize, type ImageSource } from '../../src/vision/source.js';
import { TASKS, type TaskId, type TaskSpec } from './models.js';
import { backendDetail, candidateBackends, tfjsModel, tfjsRun, useBackend } from './tfjs.js';
import { VideoLoop, type LoopStats } from './video-loop.js';

export type TaskResult = { kind: 'faces'; faces: FaceDetection[] } | { kind: 'hands'; hands: HandResult[] } | { kind: 'pose'; poses: PoseResult[] } | { kind: 'mask'; mask: SegmentationMask };

export interface EngineTiming {
  engine: 'sepconv' | 'TF.js';
  backend: string;
  loadMs: number;
  firstMs: number;
  medianMs: number;
  summary: string;
}

/** What a task read back and where it decoded, per frame (face detector: its stats; pose: frames that ran the detector). */
export interface TaskCounters {
  frames: number;
  bytesReadBack?: number;
  gpuDecoded?: number;
  /** Face detector: milliseconds of decoding on the page, summed over frames. */
  decodeMs?: number;
  detections?: number;
}

export interface RealState {
  status: 'starting' | 'ready' | 'running' | 'webcam';
  backend: Backend;
  webgpu: boolean;
  adapter?: string;
  errors: string[];
  /** Last photo/file run per task and backend (sepconv), and TF.js's timing of the same networks when asked. */
  photo: Partial<Record<TaskId, { byBackend: Partial<Record<Backend, EngineTiming & { result: TaskResult }>>; tfjs?: EngineTiming }>>;
  /** `hits`: frames whose result was not empty (a face, a pose, a mask pixel ≥ 0.5). */
  webcam?: LoopStats & { task: TaskId; backend: Backend; longTaskFrames: number[]; gpuBuffersAfterFirst: number; gpuBuffers: number; longTasks: number[]; counters: TaskCounters; hits: number };
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

// ---------- tasks ----------

let gpu: GpuContext | undefined;

interface LoadedTask {
  backend: Backend;
  loadMs: number;
  detect(image: ImageSource): Promise<TaskResult>;
  detectForVideo(frame: ImageSource, timestampMs: number): Promise<TaskResult>;
  counters(): TaskCounters;
  dispose(): void;
}

async function createTask(spec: TaskSpec, backend: Backend): Promise<Omit<LoadedTask, 'loadMs'>> {
  const opts = { backend, gpu: backend === 'webgpu' ? gpu : undefined };
  if (spec.id === 'face') {
    const t = await createFaceDetector(spec.urls.model, opts);
    return { backend: t.model.backend, detect: async (i) => ({ kind: 'faces', faces: await t.detect(i) }), detectForVideo: async (f, ts) => ({ kind: 'faces', faces: await t.detectForVideo(f, ts) }), counters: () => ({ ...t.stats }), dispose: () => t.dispose() };
  }
  if (spec.id === 'hand') {
    const t = await createHandLandmarker({ detector: spec.urls.detector!, landmarker: spec.urls.model }, { ...opts, numHands: 2 });
    return { backend: t.landmarker.backend, detect: async (i) => ({ kind: 'hands', hands: await t.detect(i) }), detectForVideo: async (f, ts) => ({ kind: 'hands', hands: await t.detectForVideo(f, ts) }), counters: () => ({ ...t.stats }), dispose: () => t.dispose() };
  }
  if (spec.id === 'pose') {
    const t = await createPoseLandmarker({ detector: spec.urls.detector!, landmarker: spec.urls.model }, opts);
    return { backend: t.landmarker.backend, detect: async (i) => ({ kind: 'pose', poses: await t.detect(i) }), detectForVideo: async (f, ts) => ({ kind: 'pose', poses: await t.detectForVideo(f, ts) }), counters: () => ({ ...t.stats }), dispose: () => t.dispose() };
  }
  const t = await createImageSegmenter(spec.urls.model, opts);
  let frames = 0;
  const count = (m: SegmentationMask): TaskResult => (frames++, { kind: 'mask', mask: m });
  return { backend: t.model.backend, detect: async (i) => count(await t.segment(i)), detectForVideo: async (f, ts) => count(await t.segmentForVideo(f, ts)), counters: () => ({ frames }), dispose: () => t.dispose() };
}

const loaded = new Map<string, Promise<LoadedTask>>();

function taskFor(spec: TaskSpec, backend: Backend): Promise<LoadedTask> {
  const key = `${spec.id}:${backend}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const t0 = performance.now();
      try {
        return { ...(await createTask(spec, backend)), loadMs: performance.now() - t0 };
      } catch (e) {
        const from = [spec.urls.detector, spec.urls.model].filter(Boolean).join(' and ');
        throw new Error(`Could not load ${spec.label} from ${from} on ${backend}: ${(e as Error).message}`);
      }
    })();
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

function releaseTasks(): void {
  for (const p of loaded.values())
    void p.then(
      (t) => t.dispose(),
      () => undefined,
    );
  loaded.clear();
}

// ---------- drawing ----------

function sizeOverlay(w: number, h: number): void {
  if (overlay.width !== w || overlay.height !== h) [overlay.width, overlay.height] = [w, h];
}

/** Draws a task's result over the source (the overlay has the source's size: results are in source pixels). */
function draw(r: TaskResult): void {
  const ctx = overlay.getContext('2d')!;
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  const line = Math.max(2, Math.round(overlay.width / 200));
  ctx.font = `${line * 7}px system-ui`;
  if (r.kind === 'faces') drawDetections(ctx, r.faces, { color: '#facc15', lineWidth: line, radius: line * 1.5 });
  else if (r.kind === 'hands') for (const h of r.hands) drawHandLandmarks(ctx, h.landmarks, { lineWidth: line, radius: line * 1.5 });
  else if (r.kind === 'pose') for (const p of r.poses) drawPoseLandmarks(ctx, p.landmarks, { lineWidth: line, radius: line * 1.5 });
  else {
    maskImage = maskToRgba(r.mask, [30, 200, 120], 0.5, 140, maskImage) as ImageData;
    ctx.putImageData(maskImage, 0, 0);
  }
}
/** The last mask drawn, refilled by the next one of its size (a video's masks: no new 4-byte-per-pixel image a frame). */
let maskImage: ImageData | undefined;

const found = (r: TaskResult) => (r.kind === 'faces' ? r.faces.length > 0 : r.kind === 'hands' ? r.hands.length > 0 : r.kind === 'pose' ? r.poses.length > 0 : r.mask.confidence.some((v) => v >= 0.5));

function summary(r: TaskResult): string {
  if (r.kind === 'faces') return `${r.faces.length} face${r.faces.length === 1 ? '' : 's'}${r.faces.length ? `, best ${(r.faces[0]!.score * 100).toFixed(0)} %` : ''}`;
  if (r.kind === 'pose') return r.poses.length ? `${r.poses[0]!.landmarks.filter((l) => l.visibility >= 0.5).length} of 33 landmarks visible` : 'no pose';
  if (r.kind === 'hands') return r.hands.length ? r.hands.map((h) => `${h.handedness.label} hand ${(h.score * 100).toFixed(0)} %`).join(', ') : 'no hand';
  let on = 0;
  for (const v of r.mask.confidence) if (v >= 0.5) on++;
  return `mask covers ${((100 * on) / r.mask.confidence.length).toFixed(1)} %`;
}

function renderTable(id: TaskId): void {
  const r = state.photo[id];
  const rows = r ? [r.byBackend[state.backend], r.tfjs].filter((x): x is EngineTiming => !!x) : [];
  $('rm-table').hidden = rows.length === 0;
  $('rm-table').querySelector('tbody')!.replaceChildren(
    ...rows.map((t) => {
      const tr = document.createElement('tr');
      for (const v of [t.engine, t.backend, ms(t.loadMs), ms(t.firstMs), ms(t.medianMs), t.summary]) {
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

/** Times `step` once cold and `repeats` times warm. */
async function timeIt<T>(step: () => Promise<T>, repeats: number): Promise<{ first: number; median: number; last: T }> {
  let t0 = performance.now();
  let last = await step();
  const first = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    t0 = performance.now();
    last = await step();
    times.push(performance.now() - t0);
  }
  return { first, median: times.length ? median(times) : first, last };
}

/** Runs the selected task on the shown image (first + `repeats` timed), then times TF.js's ports when asked. */
async function runImage(id: TaskId, opts: { tfjs: boolean; repeats?: number }): Promise<void> {
  const spec = TASKS[id];
  $<HTMLSelectElement>('rm-model').value = id;
  const backend = state.backend;
  const repeats = opts.repeats ?? 3;
  state.status = 'running';
  readout.textContent = `Loading ${spec.label} on ${backend}…`;
  try {
    const task = await taskFor(spec, backend);
    const { width: w, height: h } = sourceSize(img);
    sizeOverlay(w, h);
    const { first, median: med, last: result } = await timeIt(() => task.detect(img), repeats);
    draw(result);
    const entry = (state.photo[id] ??= { byBackend: {} });
    entry.byBackend[backend] = { engine: 'sepconv', backend: task.backend, loadMs: task.loadMs, firstMs: first, medianMs: med, summary: summary(result), result };
    renderTable(id);
    readout.textContent = `${spec.label} on ${task.backend}: ${ms(med)} per frame, ${summary(result)}.`;
    if (opts.tfjs) {
      readout.textContent += ' Timing the same networks in TF.js…';
      // Weights load onto TF.js's CPU backend once; each timed backend takes them over on its first run.
      await useBackend('cpu');
      let t0 = performance.now();
      for (const net of spec.tfjs) await tfjsModel(net);
      const tfLoad = performance.now() - t0;
      const frame = async () => {
        for (const net of spec.tfjs) await tfjsRun(net, img);
      };
      // TF.js on each backend worth timing in this browser; the comparison shown is its fastest.
      const runs: EngineTiming[] = [];
      for (const b of await candidateBackends(!!gpu && !gpu.info.isSoftware)) {
        await useBackend(b);
        const t = await timeIt(frame, repeats);
        runs.push({ engine: 'TF.js', backend: await backendDetail(), loadMs: tfLoad, firstMs: t.first, medianMs: t.median, summary: `${spec.tfjs.length === 1 ? 'the same network' : `the same ${spec.tfjs.length} networks`}, outputs read back` });
      }
      const fastest = runs.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
      entry.tfjs = runs.length > 1 ? { ...fastest, backend: `${fastest.backend} (fastest of ${runs.map((r) => `${r.backend} ${ms(r.medianMs)}`).join('; ')})` } : fastest;
      renderTable(id);
      readout.textContent = `${spec.label}: sepconv (${task.backend}) ${ms(med)}, TF.js (${fastest.backend}, its fastest backend here) ${ms(fastest.medianMs)} per frame; ${summary(result)}.`;
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

async function startWebcam(id: TaskId, maxFrames?: number): Promise<void> {
  await stopWebcam();
  const spec = TASKS[id];
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
  let task: LoadedTask;
  try {
    readout.textContent = `Loading ${spec.label} on ${backend}…`;
    task = await taskFor(spec, backend);
  } catch (e) {
    stream.getTracks().forEach((t) => t.stop());
    stream = undefined;
    showError((e as Error).message);
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  img.hidden = true;
  $('rm-stage').classList.add('has-media');
  await video.play();
  sizeOverlay(video.videoWidth, video.videoHeight);
  overlay.getContext('2d')!.clearRect(0, 0, overlay.width, overlay.height);
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
  // the task's counters from this run only (the photo runs counted before)
  const at = task.counters();
  const counters = (): TaskCounters => {
    const now = task.counters();
    const d = (k: keyof TaskCounters) => (now[k] === undefined ? {} : { [k]: now[k]! - (at[k] ?? 0) });
    return { frames: now.frames - at.frames, ...d('bytesReadBack'), ...d('gpuDecoded'), ...d('decodeMs'), ...d('detections') };
  };
  const webcam = { task: id, backend: task.backend, longTaskFrames: [] as number[], gpuBuffersAfterFirst: -1, gpuBuffers: 0, longTasks: tasks, counters: counters(), hits: 0, frames: 0, fps: 0, latencyMs: 0, running: true };
  state.webcam = webcam;
  state.status = 'webcam';
  $<HTMLButtonElement>('rm-stop').disabled = false;
  const step = async () => {
    const r = await task.detectForVideo(video, performance.now());
    if (found(r)) webcam.hits++;
    draw(r);
  };
  loop = new VideoLoop(video, step, {
    maxFrames,
    onFrame(s) {
      Object.assign(webcam, s, { counters: counters() });
      if (s.frames === 1) webcam.gpuBuffersAfterFirst = state.gpuBuffers;
      webcam.gpuBuffers = state.gpuBuffers;
      const c = webcam.counters;
      const read = c.bytesReadBack === undefined ? '' : `, ${Math.round(c.bytesReadBack / c.frames)} bytes read back per frame${c.gpuDecoded ? ' (decoded on the GPU)' : ''}`;
      readout.textContent = `${spec.label} on ${task.backend}: ${s.fps.toFixed(1)} fps, ${ms(s.latencyMs)} per frame, ${s.frames} frames${read}`;
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

/** Stops the loop and the camera, and releases what the webcam run held. */
async function stopWebcam(): Promise<void> {
  await loop?.stop();
  loop = undefined;
  longTasks?.disconnect();
  longTasks = undefined;
  stream?.getTracks().forEach((t) => t.stop());
  stream = undefined;
  video.srcObject = null;
  $<HTMLButtonElement>('rm-stop').disabled = true;
  if (state.status === 'webcam') state.status = 'ready';
}

// ---------- results for the tests' agreement checks (shown nowhere) ----------

/** The last photo result of `id` on `backend`, as plain data: boxes, landmarks, and the mask thresholded at 0.5. */
function photoResult(id: TaskId, backend: Backend) {
  const r = state.photo[id]?.byBackend[backend]?.result;
  if (!r) throw new Error(`no photo result for ${id} on ${backend} yet`);
  if (r.kind === 'faces') return { kind: r.kind, faces: r.faces.map((f) => ({ box: f.box, score: f.score, keypoints: f.keypoints.map((k) => [k.x, k.y]) })) };
  if (r.kind === 'pose') return { kind: r.kind, poses: r.poses.map((p) => ({ score: p.score, landmarks: p.landmarks.map((l) => [l.x, l.y, l.visibility]) })) };
  if (r.kind === 'hands') return { kind: r.kind, hands: r.hands.map((h) => ({ score: h.score, handedness: h.handedness.label, landmarks: h.landmarks.map((l) => [l.x, l.y]) })) };
  const { width, height, confidence } = r.mask;
  return { kind: r.kind, width, height, on: Array.from(confidence, (v) => (v >= 0.5 ? '1' : '0')).join('') };
}

// ---------- wiring ----------

const selected = () => $<HTMLSelectElement>('rm-model').value as TaskId;
const wantTfjs = () => $<HTMLInputElement>('rm-tfjs').checked;

async function runPhoto(id: TaskId = selected(), opts: { tfjs?: boolean; repeats?: number } = {}): Promise<void> {
  // the astronaut photo has no hand in view: the hand task's photo is an open hand
  await showImage(id === 'hand' ? handUrl : astronautUrl);
  await runImage(id, { tfjs: opts.tfjs ?? wantTfjs(), repeats: opts.repeats });
}

async function setBackend(b: Backend): Promise<void> {
  if (b === state.backend) return;
  await stopWebcam();
  releaseTasks();
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

const api = { runPhoto, startWebcam, stopWebcam, setBackend, photoResult, tasks: TASKS, runImage: (id: TaskId, url: string) => showImage(url).then(() => runImage(id, { tfjs: false })) };
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
