// Headless Chromium (via Puppeteer) against the Vite dev server, for tests that need real browser WebGPU.
// A missing browser, navigator.gpu or adapter fails the test: nothing here skips.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const CACHE_FILE = join(ROOT, 'node_modules', '.cache', 'sepconv-browser.json');

// SwiftShader provides WebGPU without a GPU; the rest keeps a fresh headless profile quiet and offline.
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
  // As in src/gpu/device.ts for Node: SwiftShader compiles Dawn's zero-fill of workgroup arrays as straight-line
  // code (seconds per pipeline); every kernel writes its workgroup memory before reading it.
  '--enable-dawn-features=disable_workgroup_init',
];

/** The browser chosen by scripts/ensure-browser.mjs (run again when its record is missing or stale). */
export function browserPath(): string {
  const read = (): string | undefined => {
    if (!existsSync(CACHE_FILE)) return undefined;
    const p = (JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as { path?: string }).path;
    return p && existsSync(p) ? p : undefined;
  };
  const cached = read();
  if (cached) return cached;
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/ensure-browser.mjs')], { stdio: 'inherit' });
  } catch {
    throw new Error('No Chrome/Chromium for the browser tests; see the message from scripts/ensure-browser.mjs above.');
  }
  const found = read();
  if (!found) throw new Error(`scripts/ensure-browser.mjs did not record a browser in ${CACHE_FILE}`);
  return found;
}

export async function launchBrowser(extraArgs: readonly string[] = []): Promise<{ browser: Browser; close(): Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'sepconv-chrome-'));
  const browser = await puppeteer.launch({
    executablePath: browserPath(),
    headless: true,
    args: [...CHROME_FLAGS, ...extraArgs, `--user-data-dir=${userDataDir}`],
    protocolTimeout: 120_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createNetServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** COOP + COEP: the page is cross-origin isolated (SharedArrayBuffer, wasm threads). */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * The Vite dev server (the repo's vite.config.ts) on 127.0.0.1; WebGPU needs a secure context, which localhost is.
 * `isolated` serves every response with ISOLATION_HEADERS.
 */
export async function startServer(isolated = false): Promise<{ url: string; server: ViteDevServer; close(): Promise<void> }> {
  const port = await freePort();
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port, strictPort: true, watch: null, headers: isolated ? ISOLATION_HEADERS : undefined },
  });
  await server.listen();
  return { url: `http://127.0.0.1:${port}`, server, close: () => server.close() };
}

export interface OpenedPage {
  page: Page;
  /** Console errors, uncaught page errors and failed requests seen so far. */
  errors: string[];
  /** Screenshot into test-artifacts/<name>.png. */
  screenshot(name: string): Promise<string>;
}

type Session = Promise<{ url: string; browser: Browser; close(): Promise<void> }>;
/** One server + browser per test file and isolation setting. */
const sessions = new Map<boolean, Session>();

async function session(isolated: boolean) {
  let shared = sessions.get(isolated);
  shared ??= (async () => {
    const srv = await startServer(isolated);
    try {
      const b = await launchBrowser();
      return {
        url: srv.url,
        browser: b.browser,
        close: async () => {
          await b.close();
          await srv.close();
        },
      };
    } catch (e) {
      await srv.close();
      throw e;
    }
  })();
  sessions.set(isolated, shared);
  return shared;
}

/**
 * Opens `path` (e.g. "/test/pages/smoke.html") from the dev server in a shared headless browser for this test file;
 * `crossOriginIsolated` serves it (and everything it loads) with COOP/COEP.
 */
export async function openPage(path: string, opts: { crossOriginIsolated?: boolean } = {}): Promise<OpenedPage> {
  const { url, browser } = await session(opts.crossOriginIsolated ?? false);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    // Chromium asks for /favicon.ico on its own; a page without one is not a failure.
    if (msg.type() === 'error' && !msg.location().url?.endsWith('/favicon.ico')) {
      errors.push(`console.error: ${msg.text()}${msg.location().url ? ` (${msg.location().url})` : ''}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`page error: ${(err as Error).message ?? String(err)}`));
  page.on('requestfailed', (req) => {
    // ERR_ABORTED is a request the page itself cancelled (navigation, fetch abort), not a failure.
    const why = req.failure()?.errorText ?? '';
    if (!why.includes('ERR_ABORTED')) errors.push(`request failed: ${req.url()} (${why})`);
  });
  const res = await page.goto(url + path, { waitUntil: 'load' });
  // 304: the browser revalidated its cached copy (e.g. Vite reloading the page after optimising a dependency).
  if (!res || !(res.ok() || res.status() === 304)) throw new Error(`GET ${path}: HTTP ${res?.status()}`);
  return {
    page,
    errors,
    async screenshot(name) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const file = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}

/** Fails with a pointed message unless the page has navigator.gpu and an adapter; returns the adapter info. */
export async function expectWebGpu(page: Page): Promise<Record<string, string>> {
  const probe = await page.evaluate(async () => {
    if (!navigator.gpu) return { error: 'navigator.gpu is undefined' };
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { error: 'navigator.gpu.requestAdapter() returned null' };
    const { vendor, architecture, device, description } = adapter.info;
    return { info: { vendor, architecture, device, description } };
  });
  if ('error' in probe) {
    throw new Error(`WebGPU unavailable in headless Chromium (${browserPath()}): ${probe.error}. Flags: ${CHROME_FLAGS.join(' ')}`);
  }
  return probe.info;
}

afterAll(async () => {
  const all = [...sessions.values()];
  sessions.clear();
  for (const shared of all) await (await shared.catch(() => undefined))?.close();
});

/** Opens a sweep page (test/pages/*sweep.ts), waits for its window.__sweep and returns its results by name. */
export async function sweepPageResults<R extends { name: string }>(path: string, timeoutMs: number): Promise<Map<string, R>> {
  const { page, errors } = await openPage(path);
  await expectWebGpu(page);
  await page.waitForFunction(() => (window as { __sweep?: unknown }).__sweep !== undefined, { timeout: timeoutMs, polling: 1000 });
  const out = (await page.evaluate(() => (window as unknown as { __sweep: unknown }).__sweep)) as { results: R[]; error?: string };
  if (out.error) throw new Error(`sweep page failed: ${out.error}`);
  if (errors.length) throw new Error(`sweep page logged errors: ${errors.join('; ')}`);
  return new Map(out.results.map((r) => [r.name, r]));
}
