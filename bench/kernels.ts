// Kernel benchmark on MobileNetV2 (224x224) layer shapes: tiled depthwise / pointwise / implicit-GEMM kernels vs
// the one-output-per-invocation baselines. Median of REPS timed runs after a warm-up; time from timestamp queries
// around the single dispatch when the device has 'timestamp-query', else wall clock around submit +
// onSubmittedWorkDone. GFLOP/s = 2·MACs / time; GB/s = (input + weights + output bytes, each touched once) / time.
// Run: npm run bench:kernels [-- --quick] [-- --only=dw,pw,dwpw,conv] [-- --reps=N] [-- --hw-only | --sw-only]   (bench/run-kernels.mjs loads this module through Vite for ?raw imports)
import { bindGroupFor, makeBuildCtx } from '../src/gpu/build-ctx.js';
import type { GpuContext } from '../src/gpu/device.js';
import { conv2dDispatch, packConv2dWeights } from '../src/gpu/kernels/conv2d.js';
import { depthwiseRegisterDispatch, depthwiseTiledDispatch, packDepthwiseWeights, padVector, type DwGeometry } from '../src/gpu/kernels/depthwise.js';
import { dwpwDispatch, packPointwiseVec4 } from '../src/gpu/kernels/dwpw.js';
import { gemmDispatch } from '../src/gpu/kernels/gemm.js';
import { packWinogradWeights, winogradDispatches, winogradEligible } from '../src/gpu/kernels/winograd.js';
import { kernelVariant } from '../src/gpu/variant.js';
import { naiveDepthwiseDispatch, naivePointwiseDispatch } from './naive-kernels.js';
import { openKernelDevice } from '../test/support/kernel-device.js';
import { BufferTracker, STORAGE } from '../src/gpu/memory.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { compileLater, type BindingRef, type Dispatch, type GpuBuildCtx } from '../src/gpu/program.js';

const RELU6 = { kind: 'clip', min: 0, max: 6 } as const;

/** Depthwise 3x3 layers of MobileNetV2: [input H=W, channels, stride]. */
export const DW_LAYERS: [number, number, number][] = [
  [112, 32, 1], [112, 96, 2], [56, 144, 1], [56, 144, 2], [28, 192, 1], [28, 192, 2], [14, 384, 1], [14, 576, 1], [14, 576, 2], [7, 960, 1],
];
/** Pointwise (1x1) layers of MobileNetV2: [H=W, Cin, Cout]. */
export const PW_LAYERS: [number, number, number][] = [
  [112, 32, 16], [112, 16, 96], [56, 96, 24], [56, 24, 144], [56, 144, 24], [28, 144, 32], [28, 32, 192], [28, 192, 32], [14, 192, 64],
  [14, 64, 384], [14, 384, 64], [14, 384, 96], [14, 96, 576], [14, 576, 96], [7, 576, 160], [7, 160, 960], [7, 960, 160], [7, 960, 320],
  [7, 320, 1280],
];
/** MobileNetV2's depthwise -> project pairs (the fused kernel's target): [input H=W, channels, stride, Cout]. */
export const DWPW_LAYERS: [number, number, number, number][] = [
  [112, 32, 1, 16], [112, 96, 2, 24], [56, 144, 1, 24], [56, 144, 2, 32], [28, 192, 1, 32], [28, 192, 2, 64], [14, 384, 1, 64],
  [14, 384, 1, 96], [14, 576, 1, 96], [14, 576, 2, 160], [7, 960, 1, 160], [7, 960, 1, 320],
];
/**
 * Regular convs: MobileNet's first layer, the 32->64 k3 layer of the regular-vs-separable comparison (and the bench's
 * conv3x3 workload at 112²), the MediaPipe face detector's 5x5 stem: [H, Cin, Cout, stride, kernel (default 3)].
 */
export const CONV_LAYERS: [number, number, number, number, number?][] = [
  [224, 3, 32, 2], [56, 32, 64, 1], [112, 32, 64, 1], [128, 3, 24, 2, 5],
];

interface Row {
  kernel: string;
  shape: string;
  macs: number;
  bytes: number;
  ms: number;
  /** fastest run: the steadier figure on a shared machine */
  minMs: number;
}

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return a;
}

class Bench {
  readonly tracker: BufferTracker;
  readonly pipelines: PipelineCache;
  readonly timed: boolean;
  /** only the hardware-path (tiled, workgroup-memory) kernels: npm run bench:device */
  hwOnly = false;
  /** only the software-adapter (register) kernels: --sw-only */
  swOnly = false;
  constructor(readonly gpu: GpuContext, readonly reps: number) {
    this.tracker = new BufferTracker(gpu.device);
    this.pipelines = new PipelineCache(gpu.device);
    this.timed = gpu.device.features.has('timestamp-query');
  }

  ctx(): GpuBuildCtx {
    return makeBuildCtx(this.gpu, this.pipelines, this.tracker, []);
  }

  buffer(data: Float32Array): GPUBuffer {
    const b = this.tracker.create(data.byteLength, STORAGE, 'bench');
    this.gpu.device.queue.writeBuffer(b, 0, data);
    return b;
  }

  /** Median and fastest milliseconds of one dispatch (or of several, in order, in one pass). */
  async time(dispatch: Dispatch | Dispatch[], inputs: GPUBuffer[], outputs: GPUBuffer[]): Promise<{ ms: number; minMs: number }> {
    const { device } = this.gpu;
    const ds = Array.isArray(dispatch) ? dispatch : [dispatch];
    const bgs = ds.map((d) => bindGroupFor(device, d.pipeline, d.bindings, inputs, outputs, d.label));
    const qs = this.timed ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
    const resolveBuf = qs && device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = qs && device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const once = async (): Promise<number> => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass(qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
      ds.forEach((d, i) => {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, bgs[i]!);
        pass.dispatchWorkgroups(...d.workgroups);
      });
      pass.end();
      if (qs) {
        enc.resolveQuerySet(qs, 0, 2, resolveBuf!, 0);
        enc.copyBufferToBuffer(resolveBuf!, 0, read!, 0, 16);
      }
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const wall = performance.now() - t0;
      if (!qs) return wall;
      await read!.mapAsync(GPUMapMode.READ);
      const [a, b] = new BigUint64Array(read!.getMappedRange());
      const ns = Number(b! - a!);
      read!.unmap();
      return ns > 0 ? ns / 1e6 : wall;
    };
    await once();
    const ts: number[] = [];
    for (let i = 0; i < this.reps; i++) ts.push(await once());
    qs?.destroy();
    resolveBuf?.destroy();
    read?.destroy();
    ts.sort((p, q) => p - q);
    return { ms: ts[Math.floor(ts.length / 2)]!, minMs: ts[0]! };
  }
}

const variants = (b: Bench) => (b.hwOnly ? (['tiled'] as const) : b.swOnly ? (['register'] as const) : (['tiled', 'register'] as const));

const IN: BindingRef = { kind: 'input', index: 0 };
const OUT: BindingRef = { kind: 'output', index: 0 };

async function depthwiseRows(b: Bench, [hw, c, s]: [number, number, number]): Promise<Row[]> {
  const o = Math.floor((hw + 2 - 3) / s) + 1;
  const g: DwGeometry = { n: 1, c, h: hw, w: hw, cout: c, oh: o, ow: o, kh: 3, kw: 3, strides: [s, s], dilations: [1, 1], pads: [1, 1, 1, 1] };
  const ctx = b.ctx();
  const x = b.buffer(rand(hw * hw * c, 1));
  const y = b.buffer(new Float32Array(o * o * c));
  const w = ctx.constBuffer(packDepthwiseWeights(rand(c * 9, 2), c, 3, 3), 'w');
  const bias = ctx.constBuffer(padVector(rand(c, 3), c, Math.ceil(c / 4) * 4), 'b');
  const macs = o * o * c * 9;
  const bytes = 4 * (hw * hw * c + 9 * c + c + o * o * c);
  const shape = `${hw}x${hw}x${c} s${s}`;
  const tiled = await depthwiseTiledDispatch(ctx, g, RELU6, { x: IN, w, b: bias, y: OUT }, 'dw');
  const rows: Row[] = [{ kernel: 'depthwise tiled', shape, macs, bytes, ...(await b.time(tiled, [x], [y])) }];
  if (b.hwOnly) return rows;
  const reg = await depthwiseRegisterDispatch(ctx, g, RELU6, { x: IN, w, b: bias, y: OUT }, 'dw.register');
  const naive = await naiveDepthwiseDispatch(ctx, g, RELU6, { x: IN, w, b: bias, y: OUT }, 'dw.naive');
  rows.push({ kernel: 'depthwise register', shape, macs, bytes, ...(await b.time(reg, [x], [y])) });
  rows.push({ kernel: 'depthwise naive', shape, macs, bytes, ...(await b.time(naive, [x], [y])) });
  return rows;
}

async function pointwiseRows(b: Bench, [hw, cin, cout]: [number, number, number]): Promise<Row[]> {
  const ctx = b.ctx();
  const p = hw * hw;
  const x = b.buffer(rand(p * cin, 4));
  const y = b.buffer(new Float32Array(p * cout));
  const w = ctx.constBuffer(rand(cin * cout, 5), 'w');
  const bias = ctx.constBuffer(rand(cout, 6), 'b');
  const macs = p * cin * cout;
  const bytes = 4 * (p * cin + cin * cout + cout + p * cout);
  const shape = `${hw}x${hw}x${cin}->${cout}`;
  const spec = (variant: 'tiled' | 'register') => ({
    m: p, n: cout, k: cin, a: IN, aStrides: [cin, 1] as const, b: w, bStrides: [cout, 1] as const, y: OUT, yStrides: [cout, 1] as const,
    c: { ref: bias, strides: [0, 1] as const, beta: 1 }, act: RELU6, variant,
  });
  const rows: Row[] = [];
  for (const v of variants(b)) {
    const d = (await gemmDispatch(ctx, spec(v), `pw.${v}`))!;
    rows.push({ kernel: `pointwise ${v}`, shape, macs, bytes, ...(await b.time(d, [x], [y])) });
  }
  if (b.hwOnly) return rows;
  const naive = await naivePointwiseDispatch(ctx, p, cin, cout, RELU6, { x: IN, w, b: bias, y: OUT }, 'pw.naive');
  rows.push({ kernel: 'pointwise naive', shape, macs, bytes, ...(await b.time(naive, [x], [y])) });
  return rows;
}

/** The fused (tiled) kernel vs the depthwise + pointwise pair it replaces (each variant, times summed). */
async function dwpwRows(b: Bench, [hw, c, s, cout]: [number, number, number, number]): Promise<Row[]> {
  const o = Math.floor((hw + 2 - 3) / s) + 1;
  const dw: DwGeometry = { n: 1, c, h: hw, w: hw, cout: c, oh: o, ow: o, kh: 3, kw: 3, strides: [s, s], dilations: [1, 1], pads: [1, 1, 1, 1] };
  const ctx = b.ctx();
  const x = b.buffer(rand(hw * hw * c, 11));
  const mid = b.buffer(new Float32Array(o * o * c));
  const y = b.buffer(new Float32Array(o * o * cout));
  const wdRaw = rand(c * 9, 12);
  const wpRaw = rand(cout * c, 13);
  const wd = ctx.constBuffer(packDepthwiseWeights(wdRaw, c, 3, 3), 'wd');
  const bd = ctx.constBuffer(padVector(rand(c, 14), c, Math.ceil(c / 4) * 4), 'bd');
  const wp = ctx.constBuffer(packPointwiseVec4(wpRaw, cout, c), 'wp');
  const bp = ctx.constBuffer(padVector(rand(cout, 15), cout, Math.ceil(cout / 4) * 4), 'bp');
  const wpT = ctx.constBuffer(rand(c * cout, 16), 'wpT');
  const macs = o * o * c * (9 + cout);
  const fusedBytes = 4 * (hw * hw * c + 9 * c + c * cout + o * o * cout);
  const splitBytes = fusedBytes + 4 * 2 * o * o * c;
  const shape = `${hw}x${hw}x${c} s${s} ->${cout}`;
  const acts = { dw: RELU6, pw: { kind: 'none' } as const };
  const fused = await dwpwDispatch(ctx, { dw, n: cout }, acts, { x: IN, wd, bd, wp, bp, y: OUT }, 'dwpw');
  const rows: Row[] = [{ kernel: 'dwpw fused tiled', shape, macs, bytes: fusedBytes, ...(await b.time(fused, [x], [y])) }];
  for (const v of variants(b)) {
    const d1 = v === 'tiled'
      ? await depthwiseTiledDispatch(ctx, dw, RELU6, { x: IN, w: wd, b: bd, y: OUT }, 'dw')
      : await depthwiseRegisterDispatch(ctx, dw, RELU6, { x: IN, w: wd, b: bd, y: OUT }, 'dw');
    const d2 = (await gemmDispatch(ctx, {
      m: o * o, n: cout, k: c, a: IN, aStrides: [c, 1], b: wpT, bStrides: [cout, 1], y: OUT, yStrides: [cout, 1],
      c: { ref: bp, strides: [0, 1], beta: 1 }, act: acts.pw, variant: v,
    }, 'pw'))!;
    const t1 = await b.time(d1, [x], [mid]);
    const t2 = await b.time(d2, [mid], [y]);
    rows.push({ kernel: `dw + pw ${v}`, shape, macs, bytes: splitBytes, ms: t1.ms + t2.ms, minMs: t1.minMs + t2.minMs });
  }
  return rows;
}

async function convRows(b: Bench, [hw, cin, cout, s, k = 3]: [number, number, number, number, number?]): Promise<Row[]> {
  const ctx = b.ctx();
  const p = (k - 1) >> 1;
  const o = Math.floor((hw + 2 * p - k) / s) + 1;
  const g = { n: 1, c: cin, h: hw, w: hw, cout, oh: o, ow: o, kh: k, kw: k, group: 1, strides: [s, s] as const, dilations: [1, 1] as const, pads: [p, p, p, p] as const };
  const x = b.buffer(rand(hw * hw * cin, 7));
  const y = b.buffer(new Float32Array(o * o * cout));
  const w = ctx.constBuffer(packConv2dWeights(rand(cout * cin * k * k, 8), g), 'w');
  const bias = ctx.constBuffer(rand(cout, 9), 'b');
  const macs = o * o * cout * cin * k * k;
  const bytes = 4 * (hw * hw * cin + cout * cin * k * k + cout + o * o * cout);
  const shape = `${hw}x${hw}x${cin}->${cout} k${k} s${s}`;
  const rows: Row[] = [];
  for (const v of variants(b)) {
    const d = await conv2dDispatch(ctx, g, RELU6, { x: IN, w, b: bias, y: OUT }, `conv.${v}`, v);
    rows.push({ kernel: `implicit-gemm ${v}`, shape, macs, bytes, ...(await b.time(d, [x], [y])) });
  }
  if (!b.hwOnly && winogradEligible(g, ctx.limits)) {
    const wino = ctx.constBuffer(packWinogradWeights(rand(cout * cin * 9, 8), cin, cout), 'w.wino');
    const ds = await compileLater(ctx.pipelines, winogradDispatches(ctx, g, RELU6, { x: IN, w: wino, b: bias, y: OUT }, 'conv.winograd'));
    rows.push({ kernel: 'winograd register', shape, macs, bytes, ...(await b.time(ds, [x], [y])) });
  }
  return rows;
}

function table(rows: Row[]): string {
  const head = ['kernel', 'shape', 'MMACs', 'median ms', 'min ms', 'GFLOP/s', 'GB/s'];
  const body = rows.map((r) => [
    r.kernel, r.shape, (r.macs / 1e6).toFixed(2), r.ms.toFixed(3), r.minMs.toFixed(3), ((2 * r.macs) / (r.ms * 1e6)).toFixed(2), (r.bytes / (r.ms * 1e6)).toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export async function main(args: string[] = []): Promise<Row[]> {
  const quick = args.includes('--quick');
  const gpu = await openKernelDevice();
  const repsArg = args.find((a) => a.startsWith('--reps='));
  const b = new Bench(gpu, repsArg ? Number(repsArg.slice(7)) : quick ? 3 : 7);
  b.hwOnly = args.includes('--hw-only');
  b.swOnly = args.includes('--sw-only');
  const { vendor, architecture, description } = gpu.info;
  console.log(`adapter: ${[vendor, architecture, description].filter(Boolean).join(' / ')}${gpu.info.isSoftware ? ' (software)' : ''}`);
  console.log(`timing: ${b.timed ? 'timestamp-query' : 'wall clock (submit -> onSubmittedWorkDone)'}, median of ${b.reps}; kernel variant here: ${kernelVariant(gpu.info)}`);
  const rows: Row[] = [];
  const pick = <T>(xs: T[]) => (quick ? xs.filter((_, i) => i % 3 === 0) : xs);
  // --only=dw,pw,dwpw,conv restricts the layer families
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : undefined;
  const want = (f: string) => !only || only.has(f);
  try {
    // --budget-s=N: no new layer starts after N seconds (bench:device keeps to its 5 minutes)
    const budgetArg = args.find((a) => a.startsWith('--budget-s='));
    const stopAt = performance.now() + (budgetArg ? Number(budgetArg.slice(11)) * 1000 : Infinity);
    const each = async <L>(family: string, layers: L[], f: (b: Bench, l: L) => Promise<Row[]>) => {
      if (!want(family)) return;
      for (const l of layers) {
        if (performance.now() > stopAt) return void console.log(`(${family}: budget spent, remaining layers skipped)`);
        rows.push(...(await f(b, l)));
      }
    };
    await each('dw', pick(DW_LAYERS), depthwiseRows);
    await each('pw', pick(PW_LAYERS), pointwiseRows);
    await each('dwpw', pick(DWPW_LAYERS), dwpwRows);
    await each('conv', CONV_LAYERS, convRows);
  } finally {
    b.tracker.destroyAll();
    gpu.device.destroy();
  }
  console.log(table(rows));
  return rows;
}
