// LiteRT.js outputs for a .tflite model built by a test (test/pages/tflite-run.ts in headless Chromium).
import { openPage } from './browser.js';
import type { RunInput } from '../pages/tflite-run.js';

export interface RefOutput {
  name: string;
  shape: number[];
  data: Float32Array;
}

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** Runs each model (with its inputs: Float32Array as float32, Uint8Array as uint8) in LiteRT.js. */
export async function liteRtOutputs(models: { bytes: Uint8Array; inputs: { shape: number[]; data: Float32Array | Uint8Array }[] }[]): Promise<RefOutput[][]> {
  const { page, errors } = await openPage('/test/pages/tflite-run.html');
  await page.waitForFunction(() => (window as unknown as { __tfliteRun?: unknown }).__tfliteRun !== undefined, { timeout: 120_000 });
  const out: RefOutput[][] = [];
  for (const m of models) {
    const inputs: RunInput[] = m.inputs.map((i) => ({
      shape: i.shape,
      dtype: i.data instanceof Uint8Array ? 'uint8' : 'float32',
      data: b64(i.data instanceof Uint8Array ? i.data : new Uint8Array(i.data.buffer, i.data.byteOffset, i.data.byteLength)),
    }));
    const raw = await page.evaluate(
      (model, ins) => (window as unknown as { __tfliteRun: typeof import('../pages/tflite-run.js') }).__tfliteRun.runTflite(model, ins),
      b64(m.bytes),
      inputs,
    );
    out.push(raw.map((o) => {
      const b = Buffer.from(o.data, 'base64');
      return { name: o.name, shape: o.shape, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
    }));
  }
  // the flatbuffers object API writes an empty custom_options vector on every op, which TFLite logs and ignores
  const fatal = errors.filter((e) => !/INFO: |WARNING: |with custom options|litert_wasm_internal\.js\)$/.test(e) || /ERROR: (?!Found builtin operator)/.test(e));
  await page.close();
  if (fatal.length) throw new Error(`the LiteRT.js page reported errors:\n${fatal.join('\n')}`);
  return out;
}
