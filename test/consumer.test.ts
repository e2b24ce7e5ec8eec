// The package as a user gets it: `npm pack`, the tarball installed into throw-away apps under the OS temp dir (no
// links to this checkout), then used from plain Node ESM, type-checked with tsc --strict, and bundled by Vite into
// a page that headless Chromium runs. The app sources are in test/consumer/.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'puppeteer';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, ROOT } from './support/browser.js';
import { launch, type EngineName, type XBrowser } from './support/browsers.js';
import type { Features } from '../src/features.js';
import type { ConsumerResult } from './consumer/web/result.js';

const APP_SRC = join(ROOT, 'test/consumer');
const MODEL = join(ROOT, 'examples/mobilenet_v2_035.onnx');
const FIXTURE = join(ROOT, 'fixtures/mobilenet_v2_035');
const ATOL = 1e-4; // with rtol 1e-4 inside the checks: the fixture's own tolerance (fixtures/index.json)
// gzip -9 KiB of the JS a page loads. The budget is 100 KiB for an app running an ONNX model, on WebGPU (main chunk +
// the lazy GPU chunk: 89.2 KiB, WGSL shipped without comments; 87.5 before the baked weights, the stem's row loads
// and the Winograd swap's later dispatches; 86.4 before the literal-weight register kernels and
// the Transpose → Reshape elision; 84.0 before the first-call loop kernels and f16
// activation storage; 82.0 before the shared first-result kernels, the 2x
// resize and unrolled pooling kernels and the no-op reshape pass; 78.9 before the staged implicit-GEMM tile and the subgroup
// GEMM inner product, 74.5 before the vec4-store, Winograd and register-variant fusion kernels) and on the CPU (main chunk + the CPU worker: 99.5 KiB,
// 97.7 before the fused depthwise-separable chains; the worker 59.0 of it with the C-compiled kernel module, 108 KB of
// wasm, 24.8 KiB gzipped; was 116.3 before the
// worker lost the JavaScript kernels (its own worker now, for engines without SIMD), the resolver and optimizer (the
// page sends the optimized graph), and the ONNX decoder moved from protobufjs to pbf). Each ceiling is the figure
// plus about 1 KiB, to catch growth. Every chunk together also counts the TF.js / TFLite importers, the caller-thread
// engine chunk, the no-SIMD worker (25.6 KiB) and helpers an ONNX app never fetches: 263.7 KiB.
const WEBGPU_CEILING_KIB = 90;
const CPU_CEILING_KIB = 99.0;
const ALL_CHUNKS_CEILING_KIB = 264.5;
// What a Dawn failure prints natively (a C++ source location); it must never reach a user's terminal.
// A cross-origin isolated page's CPU worker: min(hardwareConcurrency, 4) threads, or one on a one-core machine.
const WORKER_THREADS = /; in a worker, ([2-4] threads|1 thread: one core)$/;
const NATIVE_TRACE = /BackendVk|\.cpp:\d+|Warning: (Couldn't load Vulkan|vkCreateInstance)/;

interface NodeResult {
  backend: string;
  used: string;
  reason: string;
  shape: number[];
  n: number;
  maxAbs: number;
  excess: number;
}

// Child npm/node processes must not see the npm_* variables of an enclosing `npm test` (prefix, package...).
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) =>
    execFile(cmd, args, { cwd, env: cleanEnv, maxBuffer: 64 << 20, timeout: 120_000 }, (err, stdout, stderr) =>
      err ? rej(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`)) : res({ stdout, stderr }),
    ),
  );
}

const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);
const gzKiB = (files: string[]) => files.reduce((a, f) => a + gzipSync(readFileSync(f), { level: 9 }).length, 0) / 1024;

let tmp = '';
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };
let app = ''; // the tarball plus the optional `webgpu` peer
let bare = ''; // the tarball alone
let web = '';
let server: PreviewServer | undefined;
let browser: { browser: Browser; close(): Promise<void> } | undefined;
let started: {
  node: Promise<{ stdout: string; stderr: string }>;
  bare: Promise<{ stdout: string; stderr: string }>;
  tsc: Record<'nodenext' | 'bundler', Promise<unknown>>;
  web: Promise<string>;
};

async function serveWebApp(): Promise<string> {
  // configFile: false keeps this repo's vite.config.ts out of it: the app is configured as a user would.
  await build({
    root: web,
    configFile: false,
    logLevel: 'warn',
    build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, rolldownOptions: { input: { full: join(web, 'index.html'), cpu: join(web, 'cpu.html'), nosimd: join(web, 'nosimd.html') } } },
  });
  // Cross-origin isolated (COOP + COEP), so SharedArrayBuffer and threads are on offer where the browser has them.
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  server = await preview({ root: web, configFile: false, logLevel: 'warn', build: { outDir: 'dist' }, preview: { host: '127.0.0.1', port: 0, headers } });
  browser = await launchBrowser();
  return server.resolvedUrls!.local[0]!.replace(/\/$/, '');
}

async function makeApp(name: string, extra: string[]): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `sepconv-consumer-${name}`, private: true, type: 'module' }));
  await npm(['install', '--prefer-offline', '--ignore-scripts', join(tmp, packed.filename), ...extra], dir);
  cpSync(APP_SRC, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sepconv-consumer-'));
  // prepack builds dist/; its log precedes the JSON on stdout.
  const { stdout } = await npm(['pack', '--json', '--pack-destination', tmp], ROOT);
  packed = JSON.parse(stdout.slice(stdout.indexOf('[\n')))[0];
  const dawn = (JSON.parse(readFileSync(join(ROOT, 'node_modules/webgpu/package.json'), 'utf8')) as { version: string }).version;
  [app, bare] = await Promise.all([makeApp('app', [`webgpu@${dawn}`]), makeApp('bare', [])]);
  web = join(app, 'web');
  mkdirSync(join(web, 'public'));
  for (const f of ['model.onnx', 'input.npy', 'output.npy']) cpSync(join(FIXTURE, f), join(web, 'public', f));
  // Independent checks start together (each it() awaits its own); a rejection is reported by the it() that awaits it.
  const args = [MODEL, join(FIXTURE, 'input.npy'), join(FIXTURE, 'output.npy')];
  started = {
    node: run(process.execPath, ['node-run.mjs', ...args, 'cpu,webgpu'], app),
    bare: run(process.execPath, ['node-run.mjs', ...args, 'auto'], bare),
    tsc: { nodenext: typeCheck('nodenext'), bundler: typeCheck('bundler') },
    web: serveWebApp(),
  };
  for (const p of [started.node, started.bare, started.tsc.nodenext, started.tsc.bundler, started.web]) p.catch(() => undefined);
}, 180_000);

afterAll(async () => {
  if (started) await Promise.allSettled([started.node, started.bare, started.tsc.nodenext, started.tsc.bundler, started.web]);
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the built package and nothing from the repo besides it', () => {
    const paths = packed.files.map((f) => f.path).sort();
    console.log(`[consumer] ${packed.filename}: ${(packed.size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${paths.length} files`);
    const allowed = /^(dist\/.+\.(js|js\.map|d\.ts)|bin\/sepconv\.js|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    for (const p of ['dist/index.js', 'dist/index.d.ts', 'dist/node.js', 'dist/cli.js', 'dist/model.js.map', 'LICENSE', 'CHANGELOG.md', 'README.md'])
      expect(paths).toContain(p);
    // WGSL is inlined as modules: no loader, no .wgsl files.
    expect(paths.some((p) => p.startsWith('dist/shaders/') && p.endsWith('.wgsl.js'))).toBe(true);
    expect(paths.filter((p) => /^(src|test|fixtures|examples|bench|demo|scripts|shaders)\//.test(p))).toEqual([]);
  });
});

/** The consumer script's one JSON line; anything else on stdout fails the test showing what was printed. */
function resultsOf(stdout: string, stderr: string): NodeResult[] {
  try {
    return JSON.parse(stdout) as NodeResult[];
  } catch (e) {
    throw new Error(`${(e as Error).message}; stdout: ${JSON.stringify(stdout.slice(0, 2000))}; stderr: ${JSON.stringify(stderr.slice(-2000))}`);
  }
}

describe('Node ESM consumer', () => {
  it('runs the bundled example on the CPU and on WebGPU (Dawn) and matches the fixture', async () => {
    const { stdout, stderr } = await started.node;
    const results = resultsOf(stdout, stderr);
    console.log('[consumer] node', JSON.stringify(results));
    expect(results.map((r) => r.used)).toEqual(['cpu', 'webgpu']);
    // the Node entry installs the worker_threads team: min(availableParallelism, 4) threads, or one on one core
    expect(results[0]!.reason).toMatch(/caller's thread \(Node\), ([2-4] threads|1 thread: one core)$/);
    for (const r of results) {
      expect(r.shape).toEqual([1, 10]);
      expect(r.excess, r.backend).toBeLessThanOrEqual(ATOL);
    }
    expect(stderr).not.toMatch(NATIVE_TRACE);
  });

  it('without the optional webgpu peer, auto runs on the CPU and says why, with no native trace', async () => {
    const { stdout, stderr } = await started.bare;
    const [r] = resultsOf(stdout, stderr);
    console.log('[consumer] node without webgpu', JSON.stringify(r));
    expect(r!.used).toBe('cpu');
    expect(r!.reason).toMatch(/`webgpu` package \(Dawn\) is not installed.*running on the CPU/);
    expect(r!.excess).toBeLessThanOrEqual(ATOL);
    expect(stderr).not.toMatch(NATIVE_TRACE);
  });
});

describe('TypeScript consumer', () => {
  for (const resolution of ['nodenext', 'bundler'] as const) {
    it(`tsc --strict, moduleResolution ${resolution}, type-checks against the shipped .d.ts`, async () => {
      await started.tsc[resolution];
    });
  }
});

function typeCheck(resolution: 'nodenext' | 'bundler'): Promise<unknown> {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: [],
      module: resolution === 'nodenext' ? 'nodenext' : 'esnext',
      moduleResolution: resolution,
    },
    files: ['consumer.ts'],
  };
  writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config));
  return run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${resolution}.json`], app);
}

describe('Vite app in headless Chromium', () => {
  let url = '';
  const chunks = () => readdirSync(join(web, 'dist/assets')).filter((f) => f.endsWith('.js'));

  beforeAll(async () => {
    url = await started.web;
  }, 120_000);

  async function open(path: string): Promise<{ result: ConsumerResult; scripts: string[] }> {
    const page = await browser!.browser.newPage();
    const scripts: string[] = [];
    const errors: string[] = [];
    page.on('request', (req) => {
      if (req.url().endsWith('.js')) scripts.push(new URL(req.url()).pathname.replace(/^\/assets\//, ''));
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(url + path, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, { timeout: 60_000 });
      const result = (await page.evaluate(() => (window as unknown as { __result: ConsumerResult }).__result)) as ConsumerResult;
      expect(errors).toEqual([]);
      return { result, scripts };
    } finally {
      await page.close();
    }
  }

  const pageScripts = new Map<string, string[]>();
  for (const backend of ['webgpu', 'cpu'] as const) {
    it(`runs the model on ${backend} and matches the fixture`, async () => {
      const { result, scripts } = await open(`/index.html?backend=${backend}`);
      pageScripts.set(backend, scripts);
      console.log(`[consumer] chromium ${backend}`, JSON.stringify({ ...result, scripts }));
      expect(result.error).toBeUndefined();
      expect(result.used).toBe(backend);
      expect(result.shape).toEqual([1, 10]);
      expect(result.excess).toBeLessThanOrEqual(ATOL);
      // The GPU half of the engine is its own chunk, fetched only for WebGPU.
      expect(scripts.some((s) => /gpu-model/.test(s))).toBe(backend === 'webgpu');
    });
  }

  it('auto picks the CPU over the SwiftShader adapter, says why, and matches the fixture; reports what Chromium offers', async () => {
    const page = await browser!.browser.newPage();
    try {
      await page.goto(url + '/index.html?backend=auto', { waitUntil: 'load' });
      await page.waitForFunction(() => (window as { __result?: unknown; __features?: unknown }).__result !== undefined && (window as { __features?: unknown }).__features !== undefined, { timeout: 60_000 });
      const { result, features } = (await page.evaluate(() => ({ result: (window as unknown as { __result: ConsumerResult }).__result, features: (window as unknown as { __features: Features }).__features }))) as { result: ConsumerResult; features: Features };
      console.log('[consumer] chromium auto', JSON.stringify(result));
      console.log('[consumer] chromium features', JSON.stringify({ ...features, webgpu: { ...features.webgpu, adapter: { ...features.webgpu.adapter, limits: undefined } } }));
      expect(result.used).toBe('cpu');
      expect(result.reason).toMatch(/software rasteriser .*slower than the CPU path; CPU kernels: wasm SIMD/);
    expect(result.reason).toMatch(WORKER_THREADS);
      expect(result.excess).toBeLessThanOrEqual(ATOL);
      expect(features.webgpu.available).toBe(true);
      expect(features.webgpu.adapter?.isSoftware).toBe(true);
      expect(features.wasmSimd.available).toBe(true);
      expect(features.threads.available).toBe(true); // COOP + COEP from the preview server
      expect(features.offscreenCanvas.available).toBe(true);
      expect(features.videoFrameCallback.available).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('without wasm SIMD the CPU backend runs the JavaScript kernels in their own worker, which carries no kernel module', async () => {
    const { result, scripts } = await open('/nosimd.html');
    console.log('[consumer] chromium without SIMD', JSON.stringify({ ...result, scripts }));
    expect(result.error).toBeUndefined();
    expect(result.used).toBe('cpu');
    expect(result.reason).toMatch(/WebAssembly SIMD \(v128\) does not validate here: the CPU backend runs its JavaScript kernels; in a worker, 1 thread/);
    expect(result.excess).toBeLessThanOrEqual(ATOL);
    const assets = join(web, 'dist/assets');
    expect(scripts.filter((s) => s.startsWith('worker-js-'))).toHaveLength(1);
    // the kernel module ships as base64 of its gzip (H4sI...): only the SIMD worker holds it
    for (const s of scripts) expect(readFileSync(join(assets, s), 'utf8'), s).not.toMatch(/H4sIA/);
    console.log(`[consumer] gzip -9 JS of the CPU-only app without SIMD: ${gzKiB(scripts.map((s) => join(assets, s))).toFixed(1)} KiB`);
  });

  it('a CPU-only app loads no WGSL; gzip sizes of the whole engine and of the CPU-only app stay under their ceilings', async () => {
    const { result, scripts } = await open('/cpu.html');
    expect(result.error).toBeUndefined();
    expect(result.used).toBe('cpu');
    expect(result.excess).toBeLessThanOrEqual(ATOL);
    const assets = join(web, 'dist/assets');
    const loaded = scripts.map((s) => join(assets, s));
    for (const f of loaded) expect(readFileSync(f, 'utf8'), f).not.toMatch(/@compute|@workgroup_size/);
    // The browser build never references Dawn (only the Node entry wires it).
    for (const f of chunks()) expect(readFileSync(join(assets, f), 'utf8'), f).not.toMatch(/(from\s*|import\s*\(\s*)["'`]webgpu["'`]/);
    const full = gzKiB(chunks().map((f) => join(assets, f)));
    const cpu = gzKiB(loaded);
    const gpuScripts = pageScripts.get('webgpu');
    expect(gpuScripts, 'the webgpu page ran first').toBeDefined();
    const webgpu = gzKiB(gpuScripts!.map((s) => join(assets, s)));
    console.log(
      `[consumer] gzip -9 JS: ONNX app on WebGPU (what index.html?backend=webgpu loads) ${webgpu.toFixed(1)} KiB, CPU-only app (cpu.html) ${cpu.toFixed(1)} KiB, ` +
        `every chunk ${full.toFixed(1)} KiB; per chunk: ${chunks().map((f) => `${f} ${gzKiB([join(assets, f)]).toFixed(1)}`).join(', ')}`,
    );
    expect(webgpu).toBeLessThanOrEqual(WEBGPU_CEILING_KIB);
    expect(cpu).toBeLessThanOrEqual(CPU_CEILING_KIB);
    expect(full).toBeLessThanOrEqual(ALL_CHUNKS_CEILING_KIB);
  });
});

// The same built app in the other engines. Neither offers WebGPU here (Firefox ESR 153 has no navigator.gpu,
// WebKitGTK's MiniBrowser neither), so `auto` must run on the CPU, say why, and match the fixture.
describe.each(['firefox', 'webkit'] as const)('Vite app in %s', (engine: EngineName) => {
  let url = '';
  let xb: XBrowser | undefined;

  beforeAll(async () => {
    url = await started.web;
    xb = await launch(engine);
  }, 120_000);
  afterAll(async () => xb?.close());

  async function open(path: string): Promise<{ result: ConsumerResult; features?: Features; errors: string[] }> {
    const page = await xb!.newPage();
    try {
      await page.goto(url + path);
      await page.waitFor(() => (window as { __result?: unknown }).__result !== undefined, 60_000);
      const result = await page.evaluate(() => (window as unknown as { __result: ConsumerResult }).__result);
      const features = path.startsWith('/index.html')
        ? await (async () => {
            await page.waitFor(() => (window as { __features?: unknown }).__features !== undefined, 30_000);
            return page.evaluate(() => (window as unknown as { __features: Features }).__features);
          })()
        : undefined;
      return { result, features, errors: [...page.errors] };
    } finally {
      await page.close();
    }
  }

  it(`auto runs on the CPU (no WebGPU adapter), says why, and matches the fixture; reports what ${engine} offers`, async () => {
    const { result, features, errors } = await open('/index.html?backend=auto');
    console.log(`[consumer] ${engine} (${xb!.version}) auto`, JSON.stringify(result));
    console.log(`[consumer] ${engine} features`, JSON.stringify(features));
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.used).toBe('cpu');
    expect(result.reason).toMatch(/no navigator\.gpu.*running on the CPU; CPU kernels: wasm SIMD( \+ relaxed madd)?; in a worker, /);
    // The CPU backend in its worker: a thread team where SharedArrayBuffer is on offer (cross-origin isolated).
    expect(result.reason).toMatch(engine === 'firefox' ? WORKER_THREADS : /in a worker, 1 thread: SharedArrayBuffer is not exposed although the page is cross-origin isolated/);
    expect(result.shape).toEqual([1, 10]);
    expect(result.excess).toBeLessThanOrEqual(ATOL);
    expect(features!.webgpu.available).toBe(false);
    expect(features!.webgpu.reason).toMatch(/no navigator\.gpu.*the engine runs on the CPU/);
    expect(features!.wasmSimd.available).toBe(true);
    // The preview server sends COOP + COEP: Firefox then exposes SharedArrayBuffer; WebKitGTK 2.50's MiniBrowser
    // does not (measured), and the reason says so.
    if (engine === 'firefox') expect(features!.threads).toEqual({ available: true, reason: expect.stringMatching(/cross-origin isolated/) });
    else expect(features!.threads).toEqual({ available: false, reason: expect.stringMatching(/^SharedArrayBuffer is not exposed.*one thread$/) });
    for (const f of [features!.offscreenCanvas, features!.videoFrameCallback]) expect(f.reason.length).toBeGreaterThan(10);
  });

  it('the CPU-only page matches the fixture', async () => {
    const { result, errors } = await open('/cpu.html');
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.used).toBe('cpu');
    expect(result.excess).toBeLessThanOrEqual(ATOL);
  });
});
