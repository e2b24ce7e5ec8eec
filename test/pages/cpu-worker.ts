// The CPU backend in a module Worker, driven by test/cpu-worker-browser.test.ts through window.__cpuWorker.
// Every check returns plain data; the test asserts on it.
import { browserSpawner } from '../../src/cpu/worker-spawn.js';
import { ArenaProgram } from '../../src/cpu/arena/program.js';
import type { ResolvedGraph } from '../../src/graph/resolve.js';
import { InputError, SepconvError, WorkerError } from '../../src/errors.js';
import { requestGpu } from '../../src/gpu/device.js';
import type { Graph } from '../../src/graph/ir.js';
import { load, type LoadOptions, type Model } from '../../src/model.js';
import type { Tensor } from '../../src/tensor.js';
import { mobilenetV2 } from '../support/mobilenet-v2.js';

/** The CPU engine on the page's thread (one program per graph). */
const programs = new WeakMap<ResolvedGraph, Promise<ArenaProgram>>();
const program = (g: ResolvedGraph) => {
  let p = programs.get(g);
  if (!p) programs.set(g, (p = ArenaProgram.create(g)));
  return p;
};
const runHere = async (g: ResolvedGraph, inputs: Record<string, unknown>) => (await program(g)).run(inputs);
import { GraphBuilder } from '../../src/builder.js';

function inputFor(m: Model, k = 0): Float32Array {
  const [shape] = [...m.graph.inputShapes.values()];
  const n = shape!.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.011 + k * 0.7));
}
const feed = (m: Model, data: Float32Array) => ({ [[...m.graph.inputShapes.keys()][0]!]: data });

/** Bitwise comparison of two output maps; the first difference, or undefined. */
function firstDiff(a: Map<string, Tensor>, b: Map<string, Tensor>): string | undefined {
  if (a.size !== b.size) return `${a.size} outputs vs ${b.size}`;
  for (const [k, t] of b) {
    const u = a.get(k);
    if (!u) return `output ${k} missing`;
    if (u.shape.join('x') !== t.shape.join('x')) return `${k}: shape ${u.shape} vs ${t.shape}`;
    const x = new Uint32Array(u.data.buffer, u.data.byteOffset, u.data.length);
    const y = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    for (let i = 0; i < y.length; i++) if (x[i] !== y[i]) return `${k}[${i}]: ${u.data[i]} vs ${t.data[i]}`;
  }
  return undefined;
}

/** Counts the CPU workers made (helpers apart) and the ones the backend terminated. */
function tracked() {
  const all: Worker[] = [];
  const helpers: Worker[] = [];
  const kills = new Map<Worker, () => void>();
  const terminated = new Set<Worker>();
  const spawner = browserSpawner((w, role) => {
    (role === 'cpu' ? all : helpers).push(w);
    const t = w.terminate.bind(w);
    kills.set(w, t);
    w.terminate = () => {
      terminated.add(w);
      t();
    };
  })!;
  /**
   * A real kill from outside (the backend's own terminate is not used): the worker stops mid-run and its owner
   * is told, as the browser tells it of a crashed one. The backend must still terminate it itself.
   */
  const kill = (w: Worker) => {
    kills.get(w)!();
    w.dispatchEvent(new ErrorEvent('error', { message: 'killed by the test' }));
  };
  const live = (ws: Worker[]) => ws.filter((w) => !terminated.has(w)).length;
  return { spawner, all, helpers, kill, live: () => live(all), liveHelpers: () => live(helpers) };
}

function errorInfo(e: unknown) {
  return {
    name: (e as Error)?.name,
    message: (e as Error)?.message,
    code: (e as SepconvError)?.code,
    isInputError: e instanceof InputError,
    isWorkerError: e instanceof WorkerError,
    retried: (e as WorkerError)?.retried,
  };
}

function residualBlock(): Graph {
  const b = new GraphBuilder('block', { seed: 3 });
  const x = b.input('x', [1, 16, 21, 19]);
  const e = b.relu6(b.pointwiseConv2d(x, 16, 48));
  const d = b.relu6(b.depthwiseConv2d(e, 48, 3, { padding: 1 }));
  b.output(b.add(b.pointwiseConv2d(d, 48, 16), x), 'y');
  return b.build();
}

/** What equal() has reached, with times: read by the test when a call does not return. */
const trail: string[] = [];

const api = {
  trail: () => trail.slice(),

  /**
   * `n` load / run / dispose cycles of a team of `threads`: each load's time and reason. Firefox ESR deadlocked
   * here after a few dozen cycles while workers made their own helpers (worker-spawn.ts).
   */
  async churn(threads: number, n: number) {
    const g = residualBlock();
    const loads: { ms: number; reason: string }[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const model = await load(g, { backend: 'cpu', numThreads: threads });
      loads.push({ ms: performance.now() - t0, reason: model.reason });
      await model.run(feed(model, inputFor(model, i)));
      model.dispose();
    }
    return loads;
  },

  info: () => ({ crossOriginIsolated: globalThis.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency }),

  /** Back-to-back runs for `seconds`: long tasks (PerformanceObserver) and gaps between animation frames. */
  async jank(size: number, seconds: number, worker: boolean) {
    const model = await load(mobilenetV2(size), { backend: 'cpu', worker });
    const x = inputFor(model);
    await model.run(feed(model, x)); // first run (wasm compile, buffers) outside the window
    const longTasks: number[] = [];
    const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
    obs.observe({ type: 'longtask' });
    const frames: number[] = [];
    let spinning = true;
    const ctx = (document.getElementById('spinner') as HTMLCanvasElement).getContext('2d')!;
    const frame = (t: number) => {
      frames.push(t);
      ctx.clearRect(0, 0, 64, 64);
      ctx.fillRect(32 + 24 * Math.cos(t / 200), 32 + 24 * Math.sin(t / 200), 4, 4);
      if (spinning) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const t0 = performance.now();
    let runs = 0;
    while (performance.now() - t0 < seconds * 1000) {
      await model.run(feed(model, x));
      runs++;
    }
    const elapsedMs = performance.now() - t0;
    // let the observer deliver the last entries
    await new Promise((r) => setTimeout(r, 100));
    spinning = false;
    obs.disconnect();
    const inWindow = frames.filter((t) => t >= t0 && t <= t0 + elapsedMs);
    const gaps = inWindow.slice(1).map((t, i) => t - inWindow[i]!).sort((a, b) => a - b);
    const maxGap = gaps[gaps.length - 1] ?? 0;
    const reason = model.reason;
    model.dispose();
    return { runs, elapsedMs, msPerRun: elapsedMs / runs, longTasks, maxLongTaskMs: Math.max(0, ...longTasks), frames: inWindow.length, maxFrameGapMs: maxGap, p90FrameGapMs: gaps[Math.floor(gaps.length * 0.9)] ?? 0, reason };
  },

  /**
   * Worker results (run, profile, transferred inputs) against runCpu on this thread: bitwise equal, on 1, 2 and
   * 3 threads (every thread computes whole output strips or channels with the same kernel, so the split changes
   * no rounding).
   */
  async equal() {
    const out: { name: string; diff?: string; detail?: string }[] = [];
    const step = (what: string) => trail.push(`${(performance.now() - t0).toFixed(0)} ms ${what}`);
    const t0 = performance.now();
    trail.length = 0;
    for (const numThreads of [1, 2, 3])
    for (const [gname, g] of [['block', residualBlock()], ['mobilenet_v2_96', mobilenetV2(96, 10)]] as const) {
      const name = `${gname} ${numThreads}t`;
      step(`${name} load`);
      const model = await load(g, { backend: 'cpu', numThreads });
      const x = inputFor(model, 1);
      const ref = await runHere(model.graph, feed(model, x));
      step(`${name} run`);
      out.push({ name: `${name} run`, diff: firstDiff(await model.run(feed(model, x)), ref), detail: model.reason });
      step(`${name} profile`);
      const p = await model.profile(feed(model, x));
      // a profiled run runs node by node (no fused chains): compare with the same on this thread
      out.push({ name: `${name} profile`, diff: firstDiff(p.outputs, await runHere(model.graph, feed(model, x))), detail: `${p.profile.source}, ${p.profile.layers.length} layers` });
      model.dispose();
      step(`${name} load (transfer)`);
      const tm = await load(g, { backend: 'cpu', transferInputs: true, numThreads });
      const xt = x.slice();
      step(`${name} run (transfer)`);
      const r = await tm.run(feed(tm, xt));
      out.push({ name: `${name} transferred`, diff: firstDiff(r, ref), detail: `caller's array length after run: ${xt.length}` });
      tm.dispose();
    }
    return out;
  },

  /** Kills the worker mid-run: copied inputs are retried on a fresh worker, transferred ones reject; the next run answers. */
  async kill() {
    const res: Record<string, unknown> = {};
    for (const transferInputs of [false, true]) {
      const t = tracked();
      const model = await load(mobilenetV2(160, 10), { backend: 'cpu', worker: t.spawner, transferInputs });
      const ref = await runHere(model.graph, feed(model, inputFor(model, 2)));
      const pending = model.run(feed(model, inputFor(model, 2)));
      // The run is posted; killing now, before this task ends, is sure to land before its answer.
      t.kill(t.all[0]!);
      const killed = await pending.then(
        (o) => ({ ok: true, diff: firstDiff(o, ref) }),
        (e) => ({ ok: false, error: errorInfo(e) }),
      );
      const next = await model.run(feed(model, inputFor(model, 2)));
      res[transferInputs ? 'transferred' : 'copied'] = { killed, nextDiff: firstDiff(next, ref) ?? null, workers: t.all.length, live: t.live() };
      model.dispose();
      (res[transferInputs ? 'transferred' : 'copied'] as Record<string, unknown>).liveAfterDispose = t.live();
    }
    return res;
  },

  /**
   * Kills a helper thread of the team mid-run: the run is answered (the worker and its team start again on fresh
   * threads, copied inputs are sent again), and so is the next one; nothing is left after dispose.
   */
  async killHelper() {
    const t = tracked();
    const model = await load(mobilenetV2(160, 10), { backend: 'cpu', worker: t.spawner, numThreads: 2 });
    const reason = model.reason;
    const ref = await runHere(model.graph, feed(model, inputFor(model, 2)));
    const pending = model.run(feed(model, inputFor(model, 2)));
    t.kill(t.helpers[0]!);
    const t0 = performance.now();
    const killed = await pending.then((o) => ({ ok: true, diff: firstDiff(o, ref) ?? null }), (e) => ({ ok: false, error: errorInfo(e) }));
    const answeredMs = performance.now() - t0;
    const next = await model.run(feed(model, inputFor(model, 2)));
    const res = { reason, killed, answeredMs, nextDiff: firstDiff(next, ref) ?? null, workers: t.all.length, helpers: t.helpers.length, live: t.live(), liveHelpers: t.liveHelpers() };
    model.dispose();
    return { ...res, liveAfterDispose: t.live() + t.liveHelpers() };
  },

  /** Loads, runs (one with a kill, one with a bad input), disposes: every worker made is terminated. */
  async leak() {
    const t = tracked();
    const afterDispose: unknown[] = [];
    for (let k = 0; k < 12; k++) {
      const model = await load(residualBlock(), { backend: 'cpu', worker: t.spawner });
      const runs = [model.run(feed(model, inputFor(model, k))), model.run({ x: new Float32Array(3) }).catch(() => 'input error')];
      if (k === 5) t.kill(t.all[t.all.length - 1]!);
      await Promise.allSettled(runs);
      const pending = model.run(feed(model, inputFor(model, k)));
      model.dispose();
      afterDispose.push(await pending.then(() => 'resolved', errorInfo));
      if (k === 11) afterDispose.push(await model.run(feed(model, inputFor(model))).then(() => 'resolved', errorInfo));
    }
    return { made: t.all.length, live: t.live(), helpers: t.helpers.length, liveHelpers: t.liveHelpers(), afterDispose };
  },

  /** Interleaved callers, one bad input in the middle: that one rejects alone with an InputError. */
  async concurrency() {
    const model = await load(residualBlock(), { backend: 'cpu' });
    const xs = [0, 1, 2, 3, 4, 5].map((k) => inputFor(model, k));
    const settled = await Promise.allSettled(xs.map((x, k) => model.run(k === 3 ? { x: new Float32Array(7) } : feed(model, x))));
    const out = await Promise.all(settled.map(async (s, k) =>
      s.status === 'rejected' ? { k, rejected: errorInfo(s.reason) } : { k, diff: firstDiff(s.value, await runHere(model.graph, feed(model, xs[k]!))) ?? null },
    ));
    model.dispose();
    return out;
  },

  /**
   * A camera loop's habit: one input array, overwritten right after each run() call. Each result must be that of
   * the values passed (copied inputs are snapshots); a graph whose output is a view of its input (Flatten) must
   * not hand back the reused snapshot.
   */
  async reusedInput() {
    const out: { graph: string; k: number; diff: string | null }[] = [];
    const b = new GraphBuilder('view', { seed: 1 });
    b.output(b.flatten(b.input('x', [1, 16, 21, 19])), 'y');
    for (const [graph, g] of [['block', residualBlock()], ['flatten', b.build()]] as const) {
      const model = await load(g, { backend: 'cpu' });
      const x = inputFor(model, 0);
      const pending: { k: number; want: Map<string, Tensor>; got: Promise<Map<string, Tensor>> }[] = [];
      for (let k = 0; k < 6; k++) {
        x.set(inputFor(model, k));
        const want = await runHere(model.graph, feed(model, x.slice()));
        pending.push({ k, want, got: model.run(feed(model, x)) });
      }
      x.fill(NaN);
      for (const p of pending) out.push({ graph, k: p.k, diff: firstDiff(await p.got, p.want) ?? null });
      // and once more after the snapshots went back to the pool: the earlier outputs must be unchanged
      await model.run(feed(model, x));
      for (const p of pending) out.push({ graph, k: 10 + p.k, diff: firstDiff(await p.got, p.want) ?? null });
      model.dispose();
    }
    return out;
  },

  /** WebGPU model whose device is lost mid-run: the runs are answered by the CPU backend, in a worker. */
  async deviceLoss() {
    const gpu = await requestGpu();
    if (!gpu) throw new Error('no WebGPU adapter');
    const t = tracked();
    const opts: LoadOptions = { backend: 'webgpu', gpu, worker: t.spawner };
    const model = await load(residualBlock(), opts);
    const before = model.backend;
    const xs = [0, 1, 2].map((k) => inputFor(model, k));
    const inFlight = xs.map((x) => model.run(feed(model, x)));
    gpu.device.destroy();
    const outs = await Promise.all(inFlight);
    const after = await model.run(feed(model, xs[0]!));
    // runs the GPU answered before the loss differ from the CPU by rounding: compare with a tolerance
    const maxAbs = (o: Map<string, Tensor>, ref: Map<string, Tensor>) =>
      Math.max(...[...ref].map(([k, t]) => t.data.reduce((m, v, i) => Math.max(m, Math.abs(v - o.get(k)!.data[i]!)), 0)));
    const diffs = await Promise.all([...outs, after].map(async (o, k) => maxAbs(o, await runHere(model.graph, feed(model, xs[k % 3]!)))));
    const res = { before, after: model.backend, reason: model.reason, diffs, workers: t.all.length };
    model.dispose();
    await new Promise((r) => setTimeout(r, 0));
    return { ...res, liveAfterDispose: t.live() };
  },
};

declare global {
  interface Window {
    __cpuWorker: typeof api;
  }
}
window.__cpuWorker = api;
document.getElementById('status')!.textContent = 'ready';
