#!/usr/bin/env node
// A bench/arena-<family>.ts in headless Chromium (relaxed SIMD: the multiply-add is f32x4.relaxed_madd there), through
// bench/arena-<family>.html, which sets window.__arenaMain to the bench's browserMain (bench/support/line-bench.ts).
//   node bench/run-arena-page.mjs conv [arguments of the bench]
import puppeteer from 'puppeteer';
import { browserPath, CHROME_FLAGS, startBenchServer } from './browser.mjs';

const [family, ...args] = process.argv.slice(2);
const server = await startBenchServer({ cacheName: `.vite-bench-arena-${family}`, optimizeDeps: { entries: [`bench/arena-${family}.html`] } });
const browser = await puppeteer.launch({ executablePath: browserPath(), headless: true, args: CHROME_FLAGS, protocolTimeout: 1_800_000 });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/bench/arena-${family}.html`, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForFunction(() => window.__arenaMain !== undefined, { timeout: 120_000 });
  console.log(`${await browser.version()}\n${await page.evaluate((argv) => window.__arenaMain(argv), args)}`);
} finally {
  await browser.close();
  await server.close();
}
