// One benchmark row per page: a .tflite model run by sepconv (webgpu | cpu at its default threads | cpu-1t) or
// LiteRT.js (webgpu | wasm: its threaded build on 2 threads | wasm-1t: its single-thread build) on the astronaut
// photo resized to the model's input, output read back to the CPU in every timed run. A sepconv CPU row whose
// backend did not start in a worker (or on the threads asked) is refused, not timed. Driven by bench/run-tflite.mjs.
import { loadAndCompile, loadLiteRt, Tensor } from '@litertjs/core';
import { requestGpu } from '../src/gpu/device.js';
import { kernelVariant } from '../src/gpu/variant.js';
import { load } from '../src/model.js';
import { resizeBilinear } from '../test/support/tflite-input.js';
import { sepconvSettled, settle } from './support/settle.js';

export interface RowSpec {
  engine: 'sepconv' | 'litert';
  /** 'webgpu-tiled': sepconv with the adapter presented as hardware (the tiled kernels on a software adapter) */
  backend: 'webgpu' | 'webgpu-tiled' | 'cpu' | 'cpu-1t' | 'wasm' | 'wasm-1t';
  model: string;
  range: [number, number];
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
}

export interface RowResult {
  loadMs: number;
  firstMs: number;
  /** from the first result until the steady kernels were in place (Runner.settled); the timed runs follow */
  settleMs: number;
  medianMs: number;
  minMs: number;
  runs: number;
  detail: string;
  /** max |output| checksum, to see that the engines computed the same thing. */
  checksum: number;
}

async function photoInput(h: number, w: number, range: [number, number]): Promise<Float32Array> {
  const blob = await (await fetch('/fixtures/photos/astronaut.png')).blob();
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const rgba = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
  const rgb = new Uint8Array(bmp.width * bmp.height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set([rgba[i]!, rgba[i + 1]!, rgba[i + 2]!], j);
  return resizeBilinear(rgb, bmp.width, bmp.height, w, h, range[0], range[1]);
}

interface Runner {
  inputShape: number[];
  run(x: Float32Array): Promise<Float32Array[]>;
  dispose(): void;
  detail: string;
  /** sepconv WebGPU: resolves once the kernels compiled after the first call are swapped in (GpuExecutor.upgraded) */
  settled?(): Promise<void>;
}

async function sepconvRunner(bytes: Uint8Array, kind: 'webgpu' | 'webgpu-tiled' | 'cpu' | 'cpu-1t'): Promise<Runner> {
  const backend = kind.startsWith('cpu') ? 'cpu' : 'webgpu';
  const found = backend === 'webgpu' ? await requestGpu() : undefined;
  const gpu = found && kind === 'webgpu-tiled' ? { ...found, info: { ...found.info, isSoftware: false } } : found;
  const m = await load(bytes, { backend, gpu, numThreads: kind === 'cpu-1t' ? 1 : undefined });
  if (backend === 'cpu') {
    const want = kind === 'cpu-1t' ? /in a worker, 1 thread: numThreads is 1$/ : /in a worker, [2-9] threads$/;
    if (!want.test(m.reason)) {
      m.dispose();
      throw new Error(`refused: sepconv's CPU backend is not where this row says (${m.reason})`);
    }
  }
  const inp = m.inputs[0]!;
  return {
    inputShape: inp.shape,
    detail: `sepconv backend=${m.backend} (${m.reason})${gpu ? `, kernels ${kernelVariant(gpu.info)}` : ''}; ${m.graph.nodes.length} nodes`,
    async run(x) {
      if (m.backend !== backend) throw new Error(`sepconv fell back: ${m.reason}`);
      const out = await m.run({ [inp.name]: { shape: inp.shape, data: x } });
      return [...out.values()].map((t) => t.data);
    },
    settled: () => sepconvSettled(m),
    dispose: () => m.dispose(),
  };
}

/** Threads of LiteRT.js's threaded build in the 'wasm' rows (sepconv's CPU default on this 2-core machine). */
const LITERT_THREADS = 2;

let litert: Promise<unknown> | undefined;
async function litertRunner(url: string, backend: 'webgpu' | 'wasm' | 'wasm-1t'): Promise<Runner> {
  // the threaded XNNPACK build needs the page cross-origin isolated (the driver serves COOP/COEP); one per page
  const threads = backend === 'wasm' && globalThis.crossOriginIsolated;
  if (backend === 'wasm' && !threads) throw new Error('refused: the threaded LiteRT.js build needs a cross-origin isolated page');
  litert ??= loadLiteRt('/node_modules/@litertjs/core/wasm/', { threads });
  await litert;
  const accelerator = backend === 'webgpu' ? 'webgpu' : 'wasm';
  const model = await loadAndCompile(url, { accelerator, cpuOptions: { numThreads: threads ? LITERT_THREADS : 1 } });
  const shape = Array.from(model.getInputDetails()[0]!.shape);
  return {
    inputShape: shape,
    detail: `LiteRT.js accelerator=${accelerator}, ${threads ? `threaded build, numThreads ${LITERT_THREADS}` : 'single-thread build'}`,
    async run(x) {
      const t = new Tensor(x, shape);
      const outs = await model.run([t]);
      t.delete();
      const res: Float32Array[] = [];
      for (const o of outs) {
        const host = await o.moveTo('wasm');
        res.push(new Float32Array(host.toTypedArray() as Float32Array));
        host.delete();
      }
      return res;
    },
    dispose: () => model.delete(),
  };
}

export async function row(spec: RowSpec): Promise<RowResult> {
  const t0 = performance.now();
  const bytes = new Uint8Array(await (await fetch(spec.model)).arrayBuffer());
  const runner =
    spec.engine === 'sepconv'
      ? await sepconvRunner(bytes, spec.backend as 'webgpu' | 'webgpu-tiled' | 'cpu' | 'cpu-1t')
      : await litertRunner(spec.model, spec.backend as 'webgpu' | 'wasm' | 'wasm-1t');
  try {
    const loadMs = performance.now() - t0;
    const [, h, w] = runner.inputShape as [number, number, number, number];
    const x = await photoInput(h, w, spec.range);
    const t1 = performance.now();
    let outs = await runner.run(x);
    const firstMs = performance.now() - t1;
    const settleMs = await settle(runner.settled);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < spec.maxRuns && (times.length < spec.minRuns || performance.now() - start < spec.budgetMs)) {
      const s = performance.now();
      outs = await runner.run(x);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    let checksum = 0;
    for (const o of outs) for (const v of o) checksum = Math.max(checksum, Math.abs(v));
    return { loadMs, firstMs, settleMs, medianMs: times[times.length >> 1] ?? firstMs, minMs: times[0] ?? firstMs, runs: times.length, detail: runner.detail, checksum };
  } finally {
    runner.dispose();
  }
}

/** sepconv webgpu's per-node GPU time (timestamp queries, each node's dispatches in its own pass) of one run, plus the whole run's wall time. */
export async function profile(spec: Pick<RowSpec, 'model' | 'range' | 'backend'>): Promise<{ source: string; wholeMs: number; dispatches: number; layers: { node: string; op: string; ms: number }[] }> {
  const bytes = new Uint8Array(await (await fetch(spec.model)).arrayBuffer());
  const cpu = spec.backend === 'cpu' || spec.backend === 'cpu-1t';
  const found = cpu ? undefined : await requestGpu();
  const gpu = found && spec.backend === 'webgpu-tiled' ? { ...found, info: { ...found.info, isSoftware: false } } : found;
  const m = await load(bytes, cpu ? { backend: 'cpu', numThreads: spec.backend === 'cpu-1t' ? 1 : undefined } : { backend: 'webgpu', gpu });
  try {
    const inp = m.inputs[0]!;
    const [, h, w] = inp.shape as [number, number, number, number];
    const x = { [inp.name]: { shape: inp.shape, data: await photoInput(h, w, spec.range) } };
    await m.run(x);
    await m.settled();
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = performance.now();
      await m.run(x);
      times.push(performance.now() - s);
    }
    // the CPU's profiled runs measure their own thread plan first (src/cpu/thread-plan.ts): more runs, the fastest kept
    const profiles: Awaited<ReturnType<typeof m.profile>>['profile'][] = [];
    for (let i = 0; i < (cpu ? 40 : 2); i++) profiles.push((await m.profile(x)).profile);
    const p = profiles[0]!;
    const layers = p.layers.map((l, i) => ({ ...l, ms: Math.min(...profiles.map((q) => q.layers[i]?.ms ?? l.ms)) }));
    return { source: p.source, wholeMs: times.sort((a, b) => a - b)[3]!, dispatches: layers.length, layers };
  } finally {
    m.dispose();
  }
}
