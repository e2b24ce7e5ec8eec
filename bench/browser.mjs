// The headless Chromium and Vite dev server the benchmark scripts (run.mjs, run-tflite.mjs) measure in.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Same flags as test/support/browser.ts (SwiftShader WebGPU in a quiet, offline headless profile).
export const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** `--name=value` and `--flag` arguments as { name: value, flag: true }; anything else is an error. */
export function parseArgv(args = process.argv.slice(2)) {
  return Object.fromEntries(
    args.map((a) => {
      const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
      if (!m) throw new Error(`unknown argument ${a}`);
      return [m[1], m[2] ?? true];
    }),
  );
}

/** The browser scripts/ensure-browser.mjs chose (run again when its record is missing or stale). */
export function browserPath() {
  const cache = join(ROOT, 'node_modules', '.cache', 'sepconv-browser.json');
  const read = () => {
    if (!existsSync(cache)) return undefined;
    const p = JSON.parse(readFileSync(cache, 'utf8')).path;
    return p && existsSync(p) ? p : undefined;
  };
  if (!read()) spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-browser.mjs')], { stdio: 'inherit' });
  const p = read();
  if (!p) throw new Error('no Chrome/Chromium found (see scripts/ensure-browser.mjs)');
  return p;
}

async function freePort() {
  return new Promise((res, rej) => {
    const srv = createNetServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * The repo's Vite dev server on 127.0.0.1, cross-origin isolated (SharedArrayBuffer, hence threaded wasm), with
 * its own dependency cache (`cacheName` under node_modules) so concurrent test servers do not re-optimise under
 * it, and no file watching or HMR socket: nothing may reload a page mid-measurement.
 */
export async function startBenchServer({ cacheName, optimizeDeps }) {
  const port = await freePort();
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: join(ROOT, 'node_modules', cacheName),
    server: {
      host: '127.0.0.1',
      port,
      strictPort: true,
      watch: null,
      hmr: false,
      ws: false,
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    },
    optimizeDeps,
  });
  await server.listen();
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
