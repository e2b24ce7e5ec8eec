import { createServer } from 'vite';
const server = await createServer({ server: { middlewareMode: true, hmr: false }, appType: 'custom', logLevel: 'warn' , optimizeDeps:{noDiscovery:true}});
const m = await server.ssrLoadModule('/test/pages/smoke.ts');
const d = await server.ssrLoadModule('/src/gpu/device.ts');
const ctx = await d.requestGpu();
const { x, y } = m.smokeInputs();
for (const wg of [64, 256]) { const r = await m.gpuSaxpy(ctx.device, 2.5, x, y, wg); console.log(wg, r.gpuNs, m.maxAbsDiff(r.y, m.cpuSaxpy(2.5,x,y))); }
ctx.device.destroy();
await server.close();
