import { createServer } from 'vite';
const server = await createServer({ server: { middlewareMode: true, hmr: false }, appType: 'custom', logLevel: 'warn', optimizeDeps: { noDiscovery: true } });
const d = await server.ssrLoadModule('/src/gpu/device.ts');
const P = await server.ssrLoadModule('/src/gpu/pipelines.ts');
const G = await server.ssrLoadModule('/src/gpu/kernels/gemm.ts');
const C = await server.ssrLoadModule('/src/gpu/kernels/conv2d.ts');
const DW = await server.ssrLoadModule('/src/gpu/kernels/depthwise.ts');
const ctx = await d.requestGpu();
const cache = new P.PipelineCache(ctx.device);
const which = process.argv[2];
const defs = { ...Object.fromEntries(Object.entries(G.GEMM_SHADERS).map(([k,v])=>['g'+k,v])), ...Object.fromEntries(Object.entries(C.CONV2D_SHADERS).map(([k,v])=>['c'+k,v])), dw: DW.DW_SHADER };
for (const [k, def] of Object.entries(defs)) {
  if (which && k !== which) continue;
  console.log('compiling', k);
  try { await cache.get(def, k.startsWith('g') ? { HAS_C: 1, ACT: 1 } : {}); console.log('ok', k); } catch (e) { console.log('ERR', k, e.message); }
}
ctx.device.destroy();
await server.close();
