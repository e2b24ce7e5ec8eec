// LiteRT.js (wasm: XNNPACK, with TFLite's builtin kernels for what XNNPACK leaves) as the reference for the
// TFLite importer's per-builtin tests: runs a model given as bytes on given float32 inputs; float32 arrays
// travel as base64 both ways.
import { loadAndCompile, loadLiteRt, Tensor } from '@litertjs/core';

const WASM_DIR = '/node_modules/@litertjs/core/wasm/';
let ready: Promise<unknown> | undefined;

const fromB64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

function toB64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface OpRefOutput {
  shape: number[];
  /** float32 values (int outputs are converted), base64. */
  data: string;
}

export async function runBytes(model: string, inputs: { shape: number[]; data: string }[]): Promise<OpRefOutput[] | { error: string }> {
  ready ??= loadLiteRt(WASM_DIR);
  await ready;
  let compiled;
  try {
    compiled = await loadAndCompile(fromB64(model), { accelerator: 'wasm' });
  } catch (e) {
    return { error: String(e) };
  }
  try {
    const xs = inputs.map((i) => new Tensor(new Float32Array(fromB64(i.data).buffer), i.shape));
    const outs = await compiled.run(xs);
    for (const x of xs) x.delete();
    const result: OpRefOutput[] = [];
    for (const o of outs) {
      const host = await o.moveTo('wasm');
      const values = Float32Array.from(host.toTypedArray() as ArrayLike<number>);
      result.push({ shape: Array.from(host.type.layout.dimensions as ArrayLike<number>), data: toB64(new Uint8Array(values.buffer)) });
      host.delete();
    }
    return result;
  } catch (e) {
    return { error: String(e) };
  } finally {
    compiled.delete();
  }
}
