// Loads a TypeScript module through Vite (so its `?raw` WGSL imports resolve) and calls its main(args).
//   node scripts/vite-run.mjs /bench/device.ts [args...]
import { createServer } from 'vite';

const [entry, ...args] = process.argv.slice(2);
const server = await createServer({ server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom', logLevel: 'warn', optimizeDeps: { noDiscovery: true } });
try {
  const mod = await server.ssrLoadModule(entry);
  await mod.main(args);
} finally {
  await server.close();
}
