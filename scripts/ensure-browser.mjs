#!/usr/bin/env node
// Finds a Chrome/Chromium for the headless WebGPU tests, installing Debian's chromium when running as root
// on a machine without one, and records the choice in node_modules/.cache/sepconv-browser.json. Also makes sure
// clang and wasm-ld (Debian's lld) are there: test/arena-wasm.test.ts rebuilds the CPU kernels to check the
// committed module is current.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE_FILE = join(root, 'node_modules', '.cache', 'sepconv-browser.json');
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function fromEnv() {
  for (const name of ['SEPCONV_CHROME', 'PUPPETEER_EXECUTABLE_PATH']) {
    const p = process.env[name];
    if (!p) continue;
    if (!existsSync(p)) throw new Error(`${name}=${p} does not exist; point it at a Chrome/Chromium binary or unset it.`);
    return { path: p, source: `env ${name}` };
  }
  return undefined;
}

async function fromPuppeteer() {
  try {
    const { default: puppeteer } = await import('puppeteer');
    const p = puppeteer.executablePath();
    if (p && existsSync(p)) return { path: p, source: "puppeteer's downloaded browser" };
  } catch {
    // No download (PUPPETEER_SKIP_DOWNLOAD) or puppeteer missing: fall through to the system browser.
  }
  return undefined;
}

function fromSystem() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  for (const name of SYSTEM_NAMES) {
    for (const dir of dirs) {
      const p = join(dir, name);
      if (existsSync(p)) return { path: p, source: 'system' };
    }
  }
  return undefined;
}

function hasAptGet() {
  try {
    execSync('command -v apt-get', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function version(path) {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim();
  } catch {
    return 'unknown version';
  }
}

async function findBrowser({ install = true } = {}) {
  const found = fromEnv() ?? (await fromPuppeteer()) ?? fromSystem();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (install && isRoot && hasAptGet()) {
    console.log('[ensure-browser] no Chrome/Chromium found; installing Debian chromium with apt-get');
    execSync('apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium', { stdio: 'inherit' });
    const installed = fromSystem();
    if (installed) return { ...installed, source: 'apt-get install chromium' };
  }
  return undefined;
}

/** Installs the Debian packages behind missing commands (as root with apt), else says what to install. */
function ensureTools(tools) {
  const missing = tools.filter(([cmd]) => {
    try {
      execSync(`command -v ${cmd}`, { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (!missing.length) return;
  const pkgs = missing.map(([, pkg]) => pkg).join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !hasAptGet()) {
    console.error(`[ensure-browser] missing ${missing.map(([c]) => c).join(', ')}: install the Debian packages ${pkgs} (sudo apt-get install -y ${pkgs})`);
    process.exit(1);
  }
  console.log(`[ensure-browser] installing ${pkgs} with apt-get`);
  execSync(`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${pkgs}`, { stdio: 'inherit' });
}

async function main() {
  ensureTools([['clang', 'clang'], ['wasm-ld', 'lld']]);
  let found;
  try {
    found = await findBrowser();
  } catch (e) {
    console.error(`[ensure-browser] ${e.message}`);
    process.exit(1);
  }
  if (!found) {
    console.error(
      [
        '[ensure-browser] No Chrome/Chromium found for the WebGPU browser tests. Do one of:',
        '  - Debian/Ubuntu: sudo apt-get install -y chromium   (the package also provides the SwiftShader Vulkan ICD used for WebGPU without a GPU)',
        '  - set SEPCONV_CHROME=/path/to/chrome (or PUPPETEER_EXECUTABLE_PATH)',
        '  - or let Puppeteer download its browser: npx puppeteer browsers install chrome',
      ].join('\n'),
    );
    process.exit(1);
  }
  const record = { path: found.path, source: found.source, version: version(found.path) };
  mkdirSync(dirname(CACHE_FILE), { recursive: true });
  writeFileSync(CACHE_FILE, JSON.stringify(record, null, 2) + '\n');
  console.log(`[ensure-browser] using ${record.path} (${record.version}; from ${record.source})`);
}

await main();
