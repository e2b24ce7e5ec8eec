#!/usr/bin/env node
// bench/arena-gemm.ts in headless Chromium (relaxed SIMD: the multiply-add is f32x4.relaxed_madd there).
//   node bench/run-arena-gemm.mjs [reps=15] [--only=substring] [--shapes=4x8ls]
import puppeteer from 'puppeteer';
import { browserPath, CHROME_FLAGS, startBenchServer } from './browser.mjs';

const server = await startBenchServer({ cacheName: '.vite-bench-arena-gemm', optimizeDeps: { entries: ['bench/arena-gemm.html'] } });
const browser = await puppeteer.launch({ executablePath: browserPath(), headless: true, args: CHROME_FLAGS, protocolTimeout: 1_800_000 });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/bench/arena-gemm.html`, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForFunction(() => window.__arenaGemm !== undefined, { timeout: 120_000 });
  console.log(`${await browser.version()}\n${await page.evaluate((argv) => window.__arenaGemm(argv), process.argv.slice(2))}`);
} finally {
  await browser.close();
  await server.close();
}
