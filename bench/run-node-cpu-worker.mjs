// Node entry for bench/node-cpu-worker.ts: bundled to plain JavaScript first (as worker-node.js is), so the
// caller-thread and worker rows run the same compiled code (Vite's SSR loader would slow the caller's side).
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(ROOT, 'node_modules', '.cache', 'sepconv-bench-node-cpu-worker');
await build({
  configFile: false,
  root: ROOT,
  logLevel: 'warn',
  publicDir: false,
  ssr: { noExternal: true, external: ['vite'], target: 'node' },
  build: {
    ssr: join(ROOT, 'bench/node-cpu-worker.ts'),
    outDir,
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'vite'],
      output: { format: 'es', entryFileNames: 'bench.js', codeSplitting: false },
    },
  },
});
await (await import(pathToFileURL(join(outDir, 'bench.js')).href)).main(process.argv.slice(2), ROOT);
