import puppeteer from 'puppeteer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserPath, CHROME_FLAGS, startBenchServer } from './browser.mjs';
const server = await startBenchServer({ cacheName: '.vite-trace', optimizeDeps: { noDiscovery: true, entries: [] } });
const browser = await puppeteer.launch({ executablePath: browserPath(), headless: true, args: [...CHROME_FLAGS, `--user-data-dir=${mkdtempSync(join(tmpdir(), 'cc-'))}`] });
const page = await browser.newPage();
await page.goto(server.url + '/bench/browsers.html');
const r = await page.evaluate(async () => {
  const { registerGemmShader } = await import('/src/gpu/kernels/gemm.ts');
  const { registerDepthwiseShader } = await import('/src/gpu/kernels/depthwise.ts');
  const { fullSource } = await import('/src/gpu/shader.ts');
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter.requestDevice();
  const defs = {
    'gemm 8x8': [registerGemmShader({ TM: 8, TN4: 2, RES: false, CB: true, RF: false, RN: false }), { ACT: 2, HAS_C: 1 }],
    'gemm 4x8': [registerGemmShader({ TM: 4, TN4: 2, RES: false, CB: true, RF: false, RN: false }), { ACT: 2, HAS_C: 1 }],
    'gemm 4x4': [registerGemmShader({ TM: 4, TN4: 1, RES: false, CB: true, RF: false, RN: false }), { ACT: 2, HAS_C: 1 }],
    'gemm 2x4': [registerGemmShader({ TM: 2, TN4: 1, RES: false, CB: true, RF: false, RN: false }), { ACT: 2, HAS_C: 1 }],
    'dw b2x7 kw3': [registerDepthwiseShader({ RW: 7, RH: 2, KW: 3, SX: 1, DX: 1, UKH: 0, VEC: true }), { ACT: 2, KH: 3 }],
    'dw b1x7 kw3': [registerDepthwiseShader({ RW: 7, RH: 1, KW: 3, SX: 1, DX: 1, UKH: 0, VEC: true }), { ACT: 2, KH: 3 }],
    'dw b1x4 kw3': [registerDepthwiseShader({ RW: 4, RH: 1, KW: 3, SX: 1, DX: 1, UKH: 0, VEC: true }), { ACT: 2, KH: 3 }],
    'dw b2x7 k3': [registerDepthwiseShader({ RW: 7, RH: 2, KW: 3, SX: 1, DX: 1, UKH: 3, VEC: true }), { ACT: 2 }],
  };
  const out = {};
  for (let rep = 0; rep < 3; rep++)
    for (const [name, [def, c]] of Object.entries(defs)) {
      const code = fullSource(def);
      const t = performance.now();
      const module = device.createShaderModule({ code: code + `\n// ${rep}` });
      await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants: c } });
      const ms = performance.now() - t;
      out[name] = Math.min(out[name] ?? 1e9, ms);
    }
  return out;
});
for (const [k, v] of Object.entries(r)) console.log(k.padEnd(14), v.toFixed(0), 'ms');
await browser.close(); await server.close();
