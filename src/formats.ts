// Which format a model source is, told from its content, and reading a source's bytes; kept apart from the
// importers so that load() can import only the one a model needs.
import { FetchError, ModelFormatError } from './errors.js';

/** The flatbuffer file identifier of TFLite models (bytes 4..8). */
export const TFLITE_IDENTIFIER = 'TFL3';

export function hasTfliteIdentifier(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== TFLITE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/** Signatures of a zip's local file header and end-of-central-directory record (little-endian words). */
export const ZIP_LOCAL = 0x04034b50;
export const ZIP_EOCD = 0x06054b50;

/** A zip archive (a MediaPipe .task bundle): a local file header first or, when empty, the end record. */
export function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  return sig === ZIP_LOCAL || sig === ZIP_EOCD;
}

/** The first byte after blanks (and a UTF-8 byte order mark) in the first 64, or -1. */
function firstNonBlank(bytes: Uint8Array): number {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b;
  }
  return -1;
}

/** A JSON document (a TF.js model.json) rather than protobuf bytes: its first non-blank byte is '{'. */
export function looksLikeJson(bytes: Uint8Array): boolean {
  return firstNonBlank(bytes) === 0x7b;
}

/**
 * An HTML or XML page (a server's error or fallback page where a model was expected): its first non-blank byte is
 * '<', which no ONNX file starts with (field 7, wire type 4).
 */
export function looksLikeMarkup(bytes: Uint8Array): boolean {
  return firstNonBlank(bytes) === 0x3c;
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

export type ProgressFn = (loadedBytes: number, totalBytes: number) => void;

/**
 * A model file's bytes: fetched in browsers and for URLs, read from the file system in Node. A URL's body is read
 * as a stream, `onProgress` told of every chunk (total: Content-Length, or 0 when the server sends none); an HTTP
 * error status, a failed request or a body shorter or longer than its Content-Length is a FetchError naming the URL.
 */
export async function readLocation(loc: string, onProgress?: ProgressFn): Promise<Uint8Array> {
  const isUrl = /^(https?|blob|data):/i.test(loc) || typeof (globalThis as { process?: unknown }).process === 'undefined';
  if (isUrl) return fetchBytes(loc, onProgress);
  const { readFile } = await import('node:fs/promises');
  const path = loc.startsWith('file://') ? (await import('node:url')).fileURLToPath(loc) : loc;
  try {
    const b = await readFile(path);
    onProgress?.(b.byteLength, b.byteLength);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new ModelFormatError(`cannot read "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function fetchBytes(url: string, onProgress?: ProgressFn): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FetchError(url, (e as Error).message);
  }
  if (!res.ok) throw new FetchError(url, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, res.status);
  // a compressed transfer's Content-Length counts the compressed bytes, not the body fetch hands over
  const header = res.headers.get('content-length');
  const declared = header !== null && !res.headers.get('content-encoding') && /^\d+$/.test(header) ? Number(header) : undefined;
  const chunks: Uint8Array[] = [];
  let got = 0;
  onProgress?.(0, declared ?? 0);
  if (res.body) {
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        got += value.byteLength;
        if (declared !== undefined && got > declared) throw new FetchError(url, `the body is longer than its Content-Length of ${declared} bytes`);
        onProgress?.(got, declared ?? 0);
      }
    } catch (e) {
      reader.cancel().catch(() => {});
      if (e instanceof FetchError) throw e;
      throw new FetchError(url, `the download broke off after ${got}${declared !== undefined ? ` of ${declared}` : ''} bytes (${(e as Error).message})`);
    }
  }
  if (declared !== undefined && got !== declared) throw new FetchError(url, `truncated download: ${got} of ${declared} bytes (Content-Length)`);
  return concatBytes(chunks);
}

/** Chunks of a stream as one array (the chunk itself when there is one). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
