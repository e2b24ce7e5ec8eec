// One API over three browser engines, so a test body runs in each: Chromium (support/browser.ts's Puppeteer
// launcher), Firefox ESR (Puppeteer over WebDriver BiDi) and WebKitGTK's MiniBrowser (WebKitWebDriver, spoken to
// with plain WebDriver HTTP through fetch, on an Xvfb display this module starts). A missing browser fails; nothing
// here skips.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { ARTIFACTS, freePort, launchBrowser } from './browser.js';

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

export const FIREFOX = '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';

export interface XPage {
  readonly engine: EngineName;
  goto(url: string): Promise<void>;
  /** Runs `fn` in the page (serialised: it must not close over test variables) and returns its JSON result. */
  evaluate<T, A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T>;
  /** Polls `fn` in the page until it returns truthy. */
  waitFor(fn: () => unknown, timeoutMs: number): Promise<void>;
  /** Console errors and uncaught errors seen (Chromium and Firefox; WebKit's WebDriver has no log channel: empty). */
  readonly errors: string[];
  /** Sets the window width and saves a full-page PNG into test-artifacts/<name>.png (the viewport keeps that width). */
  screenshot(name: string, width: number): Promise<string>;
  close(): Promise<void>;
}

export interface XBrowser {
  readonly engine: EngineName;
  /** What the browser says it is (for reports), e.g. "firefox/153.8". */
  readonly version: string;
  newPage(): Promise<XPage>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

function saveShot(name: string, png: Uint8Array): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  writeFileSync(file, png);
  return file;
}

// ---------- Chromium and Firefox: Puppeteer ----------

function puppeteerPage(engine: EngineName, page: Page): XPage {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url?.endsWith('/favicon.ico')) errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${(err as Error).message ?? String(err)}`));
  return {
    engine,
    errors,
    async goto(url) {
      const res = await page.goto(url, { waitUntil: 'load' });
      if (res && !res.ok() && res.status() !== 304) throw new Error(`${engine}: GET ${url}: HTTP ${res.status()}`);
    },
    evaluate: (fn, ...args) => page.evaluate(fn as never, ...(args as unknown as never[])) as never,
    async waitFor(fn, timeoutMs) {
      await page.waitForFunction(fn, { timeout: timeoutMs, polling: 250 });
    },
    async screenshot(name, width) {
      await page.setViewport({ width, height: 900 });
      const png = await page.screenshot({ fullPage: true });
      return saveShot(name, png);
    },
    close: () => page.close(),
  };
}

async function launchPuppeteer(engine: 'chromium' | 'firefox'): Promise<XBrowser> {
  let browser: Browser;
  let close: () => Promise<void>;
  if (engine === 'chromium') {
    const b = await launchBrowser();
    browser = b.browser;
    close = b.close;
  } else {
    if (!existsSync(FIREFOX)) throw new Error(`Firefox ESR is missing (${FIREFOX}); install the Debian package firefox-esr`);
    browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: 120_000 });
    close = () => browser.close().catch(() => undefined);
  }
  return {
    engine,
    version: await browser.version(),
    newPage: async () => puppeteerPage(engine, await browser.newPage()),
    close,
  };
}

// ---------- WebKit: WebKitWebDriver + Xvfb ----------

async function startXvfb(): Promise<{ display: string; proc: ChildProcess }> {
  if (!existsSync(XVFB)) throw new Error(`Xvfb is missing (${XVFB}); install the Debian package xvfb`);
  // A display number nobody else holds: Xvfb refuses a taken one, so try a few.
  for (let attempt = 0; attempt < 8; attempt++) {
    const n = 100 + Math.floor(Math.random() * 800);
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const proc = spawn(XVFB, [`:${n}`, '-screen', '0', '1400x8000x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    let exited = false;
    proc.once('exit', () => (exited = true));
    try {
      await poll(`Xvfb :${n}`, 10_000, async () => {
        if (exited) throw new Error('exited');
        return existsSync(`/tmp/.X11-unix/X${n}`);
      });
      return { display: `:${n}`, proc };
    } catch {
      proc.kill();
    }
  }
  throw new Error('could not start Xvfb on a free display');
}

async function launchWebKit(): Promise<XBrowser> {
  if (!existsSync(WEBKIT_DRIVER)) throw new Error(`WebKitWebDriver is missing (${WEBKIT_DRIVER}); install the Debian package webkit2gtk-driver`);
  const x = await startXvfb();
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], { env: { ...process.env, DISPLAY: x.display }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  driver.stderr!.on('data', (d) => (stderr += String(d)));
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    driver.kill();
    x.proc.kill();
  };
  async function wd<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as { value: T & { error?: string; message?: string } };
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}${stderr ? `\n${stderr}` : ''}`);
    return json.value;
  }
  try {
    await poll('WebKitWebDriver', 15_000, async () => (await fetch(`${base}/status`)).ok);
    const created = await wd<{ sessionId: string; capabilities: { browserName: string; browserVersion: string } }>('POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { args: ['--automation'] } } },
    });
    const sid = created.sessionId;
    const s = `/session/${sid}`;
    let open = false;
    const page: XPage = {
      engine: 'webkit',
      errors: [],
      async goto(url) {
        await wd('POST', `${s}/url`, { url });
      },
      async evaluate(fn, ...args) {
        // The async script gets its callback last; the function's value (or error) goes back through it.
        const script = `const done = arguments[arguments.length - 1];
          Promise.resolve().then(() => (${String(fn)})(...Array.prototype.slice.call(arguments, 0, -1)))
            .then((v) => done({ ok: v === undefined ? 'null' : JSON.stringify(v) }), (e) => done({ err: String((e && e.stack) || e) }));`;
        // Through JSON in the page, as Puppeteer does: undefined members vanish instead of turning into null.
        const r = await wd<{ ok?: string; err?: string }>('POST', `${s}/execute/async`, { script, args });
        if (r.err !== undefined) throw new Error(`webkit: ${r.err}`);
        return JSON.parse(r.ok!) as never;
      },
      async waitFor(fn, timeoutMs) {
        await poll(`${String(fn)} in WebKit`, timeoutMs, async () => !!(await page.evaluate(fn)));
      },
      async screenshot(name, width) {
        // WebDriver shoots the viewport only: the window is made as tall as the page (Xvfb's screen is 8000 px
        // tall). MiniBrowser will not go narrower than its toolbar (447 px): the page then gets that width.
        await wd('POST', `${s}/window/rect`, { width, height: 900 });
        const size = () => page.evaluate(() => [innerWidth, document.documentElement.scrollHeight, outerHeight - innerHeight]);
        let last = await size();
        await poll(`the ${width} px resize`, 5_000, async () => {
          await sleep(150);
          const now = await size();
          const settled = now[0] === width || now[0] === last[0];
          last = now;
          return settled;
        });
        await wd('POST', `${s}/window/rect`, { width, height: Math.min(last[1]! + last[2]!, 8000) });
        await sleep(300);
        const b64 = await wd<string>('GET', `${s}/screenshot`);
        return saveShot(name, Buffer.from(b64, 'base64'));
      },
      async close() {
        open = false;
      },
    };
    return {
      engine: 'webkit',
      version: `${created.capabilities.browserName}/${created.capabilities.browserVersion}`,
      async newPage() {
        // One WebDriver session is one window: pages are opened one after another.
        if (open) throw new Error('webkit: one page at a time (close the previous one first)');
        open = true;
        return page;
      },
      async close() {
        await wd('DELETE', s).catch(() => undefined);
        stop();
      },
    };
  } catch (e) {
    stop();
    throw e;
  }
}

export async function launch(engine: EngineName): Promise<XBrowser> {
  return engine === 'webkit' ? launchWebKit() : launchPuppeteer(engine);
}

