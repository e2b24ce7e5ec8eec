// The saxpy smoke check, shared by the Node test (Dawn) and test/pages/smoke.html (headless Chromium).
import { requestGpu, type AdapterSummary } from '../../src/gpu/device.js';
import saxpyWgsl from '../../shaders/smoke_saxpy.wgsl?raw';

export interface SaxpyRun {
  y: Float32Array;
  /** GPU time of the compute pass from timestamp queries, when the device has 'timestamp-query'. */
  gpuNs?: number;
}

export interface SmokeResult {
  ok: boolean;
  n: number;
  maxErr: number;
  adapter?: AdapterSummary;
  timestampQuery: boolean;
  gpuNs?: number;
  error?: string;
}

export const SMOKE_N = 10_001;
export const SMOKE_A = 2.5;
const TOLERANCE = 1e-5;

/** Deterministic inputs in [-1, 1). */
export function smokeInputs(n = SMOKE_N): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < n; i++) {
    x[i] = next();
    y[i] = next();
  }
  return { x, y };
}

export function cpuSaxpy(a: number, x: Float32Array, y: Float32Array): Float32Array {
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = Math.fround(a * x[i]) + y[i];
  return out;
}

export function maxAbsDiff(p: Float32Array, q: Float32Array): number {
  if (p.length !== q.length) return Infinity;
  let m = 0;
  for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i] - q[i]));
  return m;
}

export async function gpuSaxpy(device: GPUDevice, a: number, x: Float32Array, y: Float32Array, workgroupSize = 64): Promise<SaxpyRun> {
  const n = x.length;
  const bytes = n * 4;
  const module = device.createShaderModule({ code: saxpyWgsl });
  const pipeline = await device.createComputePipelineAsync({
    layout: 'auto',
    compute: { module, entryPoint: 'main', constants: { WG: workgroupSize } },
  });

  const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const paramData = new ArrayBuffer(16);
  new Float32Array(paramData, 0, 1)[0] = a;
  new Uint32Array(paramData, 4, 1)[0] = n;
  device.queue.writeBuffer(params, 0, paramData);
  const xBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(xBuf, 0, x);
  const yBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(yBuf, 0, y);
  const readY = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

  const timed = device.features.has('timestamp-query');
  const querySet = timed ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  const resolveBuf = timed ? device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
  const readTs = timed ? device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : undefined;

  device.pushErrorScope('validation');
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass(
    querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {},
  );
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: xBuf } },
        { binding: 2, resource: { buffer: yBuf } },
      ],
    }),
  );
  pass.dispatchWorkgroups(Math.ceil(n / workgroupSize));
  pass.end();
  enc.copyBufferToBuffer(yBuf, 0, readY, 0, bytes);
  if (querySet && resolveBuf && readTs) {
    enc.resolveQuerySet(querySet, 0, 2, resolveBuf, 0);
    enc.copyBufferToBuffer(resolveBuf, 0, readTs, 0, 16);
  }
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`saxpy validation error: ${err.message}`);

  await readY.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(readY.getMappedRange().slice(0));
  readY.unmap();
  let gpuNs: number | undefined;
  if (readTs) {
    await readTs.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigUint64Array(readTs.getMappedRange());
    gpuNs = Number(t1 - t0);
    readTs.unmap();
  }
  for (const b of [params, xBuf, yBuf, readY, resolveBuf, readTs]) b?.destroy();
  querySet?.destroy();
  return { y: out, gpuNs };
}

/** Full smoke check through the engine's own device setup; never throws, reports failures in `error`. */
export async function runSmoke(n = SMOKE_N, workgroupSize = 64): Promise<SmokeResult> {
  try {
    const ctx = await requestGpu();
    if (!ctx) return { ok: false, n, maxErr: Infinity, timestampQuery: false, error: 'WebGPU unavailable: no navigator.gpu or no adapter' };
    try {
      const { x, y } = smokeInputs(n);
      const run = await gpuSaxpy(ctx.device, SMOKE_A, x, y, workgroupSize);
      const maxErr = maxAbsDiff(run.y, cpuSaxpy(SMOKE_A, x, y));
      return {
        ok: maxErr <= TOLERANCE,
        n,
        maxErr,
        adapter: ctx.info,
        timestampQuery: ctx.device.features.has('timestamp-query'),
        gpuNs: run.gpuNs,
      };
    } finally {
      ctx.device.destroy();
    }
  } catch (e) {
    return { ok: false, n, maxErr: Infinity, timestampQuery: false, error: String((e as Error)?.stack ?? e) };
  }
}
