// Microbenchmarks of the adapter itself: FMA throughput and storage-buffer copy bandwidth.
// Timed on the wall clock around submit + onSubmittedWorkDone (best of several), after a warm-up dispatch.

const CHAINS = 16; // independent vec4 FMA chains per invocation (hides FMA latency)

function fmaShader(iters: number): string {
  const decl = Array.from({ length: CHAINS }, (_, i) => `  var a${i} = vec4<f32>(s + ${i}.0, s - ${i}.0, s * ${i + 1}.0, s + 0.5);`).join('\n');
  const body = Array.from({ length: CHAINS }, (_, i) => `    a${i} = fma(a${i}, m, c);`).join('\n');
  const sum = Array.from({ length: CHAINS }, (_, i) => `a${i}`).join(' + ');
  return `
@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
struct P { m: f32, c: f32 }
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = f32(gid.x) * 1e-6;
  let m = vec4<f32>(p.m);
  let c = vec4<f32>(p.c);
${decl}
  for (var i = 0u; i < ${iters}u; i++) {
${body}
  }
  out[gid.x] = ${sum};
}`;
}

const COPY_WGSL = `
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < arrayLength(&src)) { dst[i] = src[i]; }
}`;

async function timeSubmit(device: GPUDevice, encode: (enc: GPUCommandEncoder) => void, reps: number): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const enc = device.createCommandEncoder();
    encode(enc);
    const cmd = enc.finish();
    const t0 = performance.now();
    device.queue.submit([cmd]);
    await device.queue.onSubmittedWorkDone();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export interface MicroResult {
  fmaGflops: number;
  fmaDetail: string;
  copyGBps: number;
  copyDetail: string;
  bufferCopyGBps: number;
}

export async function microbench(device: GPUDevice): Promise<MicroResult> {
  // FMA peak: 2 flops per lane per fma, 4 lanes, CHAINS chains.
  const iters = 512;
  const module = device.createShaderModule({ code: fmaShader(iters) });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(params, 0, new Float32Array([0.999, 0.001, 0, 0]));
  let groups = 64;
  let ms = 0;
  let out: GPUBuffer | undefined;
  // Grow the dispatch until one submit takes >= 150 ms (or the workgroup count gets large).
  for (;;) {
    out?.destroy();
    out = device.createBuffer({ size: groups * 64 * 16, usage: GPUBufferUsage.STORAGE });
    const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }, { binding: 1, resource: { buffer: params } }] });
    const enc = (e: GPUCommandEncoder) => {
      const pass = e.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(groups);
      pass.end();
    };
    ms = await timeSubmit(device, enc, 1);
    if (ms >= 150 || groups >= 16384) {
      ms = await timeSubmit(device, enc, 3);
      break;
    }
    groups = Math.min(16384, groups * Math.max(2, Math.ceil(150 / Math.max(ms, 1))));
  }
  out?.destroy();
  params.destroy();
  const flops = groups * 64 * iters * CHAINS * 4 * 2;
  const fmaGflops = flops / (ms * 1e6);

  // Copy bandwidth: a shader copy of 32 MiB (read + write counted), and copyBufferToBuffer.
  const bytes = 32 << 20;
  const src = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const dst = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const fill = new Float32Array(bytes / 4);
  for (let i = 0; i < fill.length; i++) fill[i] = i & 1023;
  device.queue.writeBuffer(src, 0, fill);
  const cm = device.createShaderModule({ code: COPY_WGSL });
  const cp = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: cm, entryPoint: 'main' } });
  const cbg = device.createBindGroup({ layout: cp.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: src } }, { binding: 1, resource: { buffer: dst } }] });
  const wgs = bytes / 16 / 256;
  const gx = Math.min(wgs, 32768);
  const gy = Math.ceil(wgs / gx);
  const copyMs = await timeSubmit(
    device,
    (e) => {
      const pass = e.beginComputePass();
      pass.setPipeline(cp);
      pass.setBindGroup(0, cbg);
      pass.dispatchWorkgroups(gx, gy);
      pass.end();
    },
    4,
  );
  const b2bMs = await timeSubmit(device, (e) => e.copyBufferToBuffer(src, 0, dst, 0, bytes), 4);
  src.destroy();
  dst.destroy();
  return {
    fmaGflops,
    fmaDetail: `${groups * 64} invocations x ${iters} iters x ${CHAINS} vec4 FMA chains in ${ms.toFixed(1)} ms`,
    copyGBps: (2 * bytes) / (copyMs * 1e6),
    copyDetail: `shader copy of ${bytes >> 20} MiB (read+write) in ${copyMs.toFixed(1)} ms`,
    bufferCopyGBps: (2 * bytes) / (b2bMs * 1e6),
  };
}
