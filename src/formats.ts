// Which format a model source is, told from its content, and reading a source's bytes; kept apart from the
// importers so that load() can import only the one a model needs.
import { ModelFormatError } from './errors.js';

/** The flatbuffer file identifier of TFLite models (bytes 4..8). */
export const TFLITE_IDENTIFIER = 'TFL3';

export function hasTfliteIdentifier(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== TFLITE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/** A JSON document (a TF.js model.json) rather than protobuf bytes: its first non-blank byte is '{'. */
export function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b;
  }
  return false;
}

export type Bytes = ArrayBuffer | Uint8Array;

/** A TF.js graph model held in memory: its model.json and the weight bytes (one buffer, or one per shard path). */
export interface TfjsInMemory {
  modelJson: string | object | Uint8Array;
  weights?: Bytes | readonly Bytes[];
}

export function isTfjsInMemory(v: unknown): v is TfjsInMemory {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof ArrayBuffer) && 'modelJson' in v;
}

/** A model file's bytes: fetched in browsers and for URLs, read from the file system in Node. */
export async function readLocation(loc: string): Promise<Uint8Array> {
  const isUrl = /^(https?|blob|data):/i.test(loc) || typeof (globalThis as { process?: unknown }).process === 'undefined';
  if (isUrl) {
    let res: Response;
    try {
      res = await fetch(loc);
    } catch (e) {
      throw new ModelFormatError(`cannot fetch "${loc}": ${(e as Error).message}`);
    }
    if (!res.ok) throw new ModelFormatError(`cannot fetch "${loc}": HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const { readFile } = await import('node:fs/promises');
  const path = loc.startsWith('file://') ? (await import('node:url')).fileURLToPath(loc) : loc;
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new ModelFormatError(`cannot read "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
