// LiteRT.js (wasm, XNNPACK and TFLite's builtin kernels) on a .tflite model a Node test built and sends here
// as base64, with its inputs; every output comes back as float32 (uint8 outputs as their integers).
import { loadAndCompile, loadLiteRt, Tensor } from '@litertjs/core';

const WASM_DIR = '/node_modules/@litertjs/core/wasm/';
let ready: Promise<unknown> | undefined;

const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
function toB64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface RunInput {
  /** float32 little-endian bytes, or uint8 values, as base64. */
  data: string;
  dtype: 'float32' | 'uint8';
  shape: number[];
}

export async function runTflite(model: string, inputs: RunInput[]): Promise<{ name: string; shape: number[]; data: string }[]> {
  ready ??= loadLiteRt(WASM_DIR);
  await ready;
  const compiled = await loadAndCompile(fromB64(model), { accelerator: 'wasm' });
  try {
    const xs = inputs.map((i) => {
      const raw = fromB64(i.data);
      return new Tensor(i.dtype === 'uint8' ? raw : new Float32Array(raw.buffer), i.shape);
    });
    const outs = await compiled.run(xs);
    for (const x of xs) x.delete();
    const result = [];
    for (const [k, o] of outs.entries()) {
      const host = await o.moveTo('wasm');
      result.push({
        name: compiled.getOutputDetails()[k]!.name,
        shape: Array.from(host.type.layout.dimensions as ArrayLike<number>),
        data: toB64(Float32Array.from(host.toTypedArray() as ArrayLike<number>)),
      });
      host.delete();
    }
    return result;
  } finally {
    compiled.delete();
  }
}
