// LiteRT.js outputs for small .tflite models built by the tests (test/pages/tflite-op-ref.ts in headless
// Chromium), cached under node_modules/.cache/sepconv-tflite-op-ref keyed by the model's and the inputs' bytes
// and the page's source; all missing cases of one call are computed in one page.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, openPage } from './browser.js';

export interface OpCase {
  model: Uint8Array;
  inputs: { shape: number[]; data: Float32Array }[];
}

export interface OpOutput {
  shape: number[];
  data: Float32Array;
}

const CACHE = join(ROOT, 'node_modules', '.cache', 'sepconv-tflite-op-ref');
const b64 = (a: Uint8Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const f32Of = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

function key(c: OpCase): string {
  const h = createHash('sha256');
  h.update(c.model);
  for (const i of c.inputs) h.update(JSON.stringify(i.shape)).update(new Uint8Array(i.data.buffer, i.data.byteOffset, i.data.byteLength));
  h.update(readFileSync(join(ROOT, 'test/pages/tflite-op-ref.ts')));
  return h.digest('hex').slice(0, 24);
}

type Raw = { shape: number[]; data: string }[] | { error: string };

/** LiteRT.js's outputs per case (or the error it gave), in the model's output order. */
export async function opReferences(cases: OpCase[]): Promise<(OpOutput[] | { error: string })[]> {
  mkdirSync(CACHE, { recursive: true });
  const raws: (Raw | undefined)[] = cases.map((c) => {
    const f = join(CACHE, `${key(c)}.json`);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Raw) : undefined;
  });
  const missing = cases.flatMap((c, i) => (raws[i] ? [] : [i]));
  if (missing.length) {
    const { page, errors } = await openPage('/test/pages/tflite-op-ref.html');
    await page.waitForFunction(() => (window as unknown as { __tfliteOpRef?: unknown }).__tfliteOpRef !== undefined, { timeout: 120_000 });
    for (const i of missing) {
      const c = cases[i]!;
      const before = errors.length;
      let raw = (await page.evaluate(
        (model, inputs) => (window as unknown as { __tfliteOpRef: typeof import('../pages/tflite-op-ref.js') }).__tfliteOpRef.runBytes(model, inputs),
        b64(c.model),
        c.inputs.map((x) => ({ shape: x.shape, data: b64(x.data) })),
      )) as Raw;
      // What LiteRT.js logged while failing on this model belongs to its error; a log beside a success is fatal.
      const logged = errors.splice(before).filter((e) => !/INFO: |WARNING: /.test(e));
      if ('error' in raw) raw = { error: [raw.error, ...logged].join('\n') };
      else if (logged.length) throw new Error(`LiteRT.js logged errors on case ${i}:\n${logged.join('\n')}`);
      writeFileSync(join(CACHE, `${key(c)}.json`), JSON.stringify(raw));
      raws[i] = raw;
    }
    const fatal = errors.filter((e) => !/INFO: |WARNING: /.test(e));
    if (fatal.length) throw new Error(`the LiteRT.js page reported errors:\n${fatal.join('\n')}`);
    await page.close();
  }
  return raws.map((r) => ('error' in r! ? r! : (r as { shape: number[]; data: string }[]).map((o) => ({ shape: o.shape, data: f32Of(o.data) }))));
}
