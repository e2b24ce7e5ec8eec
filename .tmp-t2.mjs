import { create, globals } from 'webgpu';
import fs from 'node:fs';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter({powerPreference:'high-performance'});
const step = (m) => console.log(m);
const requiredLimits = {};
for (const k of ['maxStorageBufferBindingSize','maxBufferSize','maxComputeWorkgroupStorageSize','maxComputeInvocationsPerWorkgroup','maxComputeWorkgroupSizeX','maxComputeWorkgroupSizeY','maxComputeWorkgroupsPerDimension','maxStorageBuffersPerShaderStage']) requiredLimits[k]=adapter.limits[k];
const feats = (process.env.FEATS ?? 'timestamp-query,subgroups').split(',').filter(Boolean);
const device = await adapter.requestDevice({requiredFeatures:feats, requiredLimits: process.env.NOLIM ? {} : requiredLimits});
const code = fs.readFileSync('shaders/smoke_saxpy.wgsl','utf8');
for (const wg of [64, 256]) {
const module = device.createShaderModule({ code });
const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants: { WG: wg } } });
step('pipe'); if (globalThis.gc) { gc(); }
const n=10001, bytes=n*4;
const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
const pd = new ArrayBuffer(16); new Float32Array(pd,0,1)[0]=2.5; new Uint32Array(pd,4,1)[0]=n;
device.queue.writeBuffer(params, 0, pd);
const x = new Float32Array(n).fill(1);
const xBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(xBuf, 0, x);
const yBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
device.queue.writeBuffer(yBuf, 0, x);
const readY = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const ts = feats.includes('timestamp-query');
const querySet = ts && device.createQuerySet({ type: 'timestamp', count: 2 });
const resolveBuf = ts && device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const readTs = ts && device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
device.pushErrorScope('validation');
const enc = device.createCommandEncoder();
const pass = enc.beginComputePass(ts ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
pass.setPipeline(pipeline);
pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [
 { binding: 0, resource: { buffer: params } }, { binding: 1, resource: { buffer: xBuf } }, { binding: 2, resource: { buffer: yBuf } } ] }));
pass.dispatchWorkgroups(Math.ceil(n/wg));
pass.end();
enc.copyBufferToBuffer(yBuf, 0, readY, 0, bytes);
if (ts) { enc.resolveQuerySet(querySet, 0, 2, resolveBuf, 0);
enc.copyBufferToBuffer(resolveBuf, 0, readTs, 0, 16); }
device.queue.submit([enc.finish()]); if (globalThis.gc) gc();
console.log(await device.popErrorScope());
await readY.mapAsync(GPUMapMode.READ);
const out = new Float32Array(readY.getMappedRange().slice(0));
step('mapped '+out[0]+' '+out[n-1]);
readY.unmap();
if (ts) {await readTs.mapAsync(GPUMapMode.READ);
const [t0,t1] = new BigUint64Array(readTs.getMappedRange());
step('ts '+(t1-t0)); readTs.unmap(); }
for (const b of [params, xBuf, yBuf, readY, resolveBuf, readTs]) b && b.destroy();
ts && querySet.destroy();
}
device.destroy();
