import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { humanModels } from './demo/models-plugin.js';

// Every HTML page under demo/, bench/ and test/pages/ (plus a root index.html, if any) is a build entry.
function htmlInputs(): Record<string, string> {
  const inputs: Record<string, string> = {};
  if (existsSync('index.html')) inputs.index = 'index.html';
  for (const dir of ['demo', 'bench', 'test/pages']) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (f.endsWith('.html')) inputs[`${dir}/${f.slice(0, -5)}`.replace(/\//g, '-')] = join(dir, f);
    }
  }
  return inputs;
}

// Tests that assert "no long task over 50 ms": on 2 cores, where SwiftShader's GPU is the same CPU, a browser sweep
// in the next worker stretches any main-thread task past 50 ms. They run after the suite, one file at a time.
const QUIET = ['test/vision-demo.test.ts', 'test/cpu-worker-browser.test.ts', 'test/cpu-worker-browsers.test.ts'];

export default defineConfig({
  root: '.',
  plugins: [humanModels()],
  // Pre-bundled at start: discovered later (the real-models page imports it lazily), Vite would reload the page.
  optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'] },
  server: { host: '127.0.0.1' },
  build: {
    // dist/ itself holds the CLI bundle (vite.cli.config.ts); the web pages go beside it.
    outDir: 'dist/web',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: { input: htmlInputs() },
  },
  test: {
    // Node tests get WebGPU from Dawn, as the package's Node entry (src/node.ts) does.
    setupFiles: ['test/support/node-gpu.ts'],
    // Child processes rather than threads: Dawn's native threads can keep a worker thread from exiting.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: QUIET, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'quiet', include: QUIET, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});
