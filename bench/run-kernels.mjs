// Node entry for bench/kernels.ts: loads it through Vite so its `?raw` WGSL imports resolve, then runs it.
import { createServer } from 'vite';

const server = await createServer({ server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom', logLevel: 'warn', optimizeDeps: { noDiscovery: true } });
try {
  const mod = await server.ssrLoadModule('/bench/kernels.ts');
  await mod.main(process.argv.slice(2));
} finally {
  await server.close();
}
