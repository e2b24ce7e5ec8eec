// load(url) for .onnx, .tflite and .task files from a local HTTP server: the same model as from bytes, progress
// reported per chunk up to Content-Length, and a 404, a refused connection or a truncated body as a FetchError
// naming the URL.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError } from '../src/errors.js';
import { load } from '../src/model.js';
import { ROOT } from './support/fixtures.js';
import { TFLITE_MODELS, modelBytes } from './support/tflite-ref.js';
import { buildZip } from './support/zip-build.js';

const CHUNK = 4 * 1024;
const files: Record<string, Uint8Array> = {
  '/m.onnx': new Uint8Array(readFileSync(join(ROOT, 'examples/seed_regular_3x128_k3_7x7.onnx'))),
  '/m.tflite': modelBytes(TFLITE_MODELS[0]!),
};
files['/fallback.onnx'] = new TextEncoder().encode('\n<!doctype html><html><body>Not here</body></html>');
files['/m.task'] = buildZip([{ name: 'metadata.json', data: new Uint8Array(8) }, { name: 'model.tflite', data: files['/m.tflite']!, method: 'deflate' }]).bytes;

let server: Server;
let base = '';

/** Writes a body in CHUNK-sized pieces, each after the previous one drained, so the client sees several chunks. */
async function send(res: import('node:http').ServerResponse, body: Uint8Array, stopAt = body.length) {
  for (let at = 0; at < stopAt; at += CHUNK) {
    if (!res.write(body.subarray(at, Math.min(at + CHUNK, stopAt)))) await new Promise((r) => res.once('drain', r));
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const [path, query] = (req.url ?? '').split('?');
    const body = files[path!];
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    if (query === 'truncate') {
      res.writeHead(200, { 'Content-Length': body.length });
      await send(res, body, body.length >> 1);
      res.destroy();
      return;
    }
    // ?chunked: no Content-Length (the total is unknown)
    res.writeHead(200, query === 'chunked' ? {} : { 'Content-Length': body.length });
    await send(res, body);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const input = (m: Awaited<ReturnType<typeof load>>) => {
  const shape = m.inputs[0]!.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  return { [m.inputs[0]!.name]: { shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)) } };
};

describe('load(url)', () => {
  it.each(['/m.onnx', '/m.tflite', '/m.task'])('%s: the same model as from bytes, with progress up to Content-Length', async (path) => {
    const calls: [number, number][] = [];
    const m = await load(base + path, { backend: 'cpu', onProgress: (got, total) => calls.push([got, total]) });
    const bytes = path.endsWith('.task') ? files['/m.tflite']! : files[path]!;
    const ref = await load(bytes, { backend: 'cpu' });
    expect(m.format).toBe(path.endsWith('.onnx') ? 'onnx' : 'tflite');
    const x = input(ref);
    const [a, b] = [await ref.run(x), await m.run(x)];
    for (const [k, v] of a) expect(b.get(k)!.data).toEqual(v.data);
    m.dispose();
    ref.dispose();
    const size = files[path]!.length;
    expect(calls[0]).toEqual([0, size]);
    expect(calls.at(-1)).toEqual([size, size]);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
  });

  it('without Content-Length the total is reported as 0 and the model loads', async () => {
    const calls: [number, number][] = [];
    const m = await load(`${base}/m.tflite?chunked`, { backend: 'cpu', onProgress: (got, total) => calls.push([got, total]) });
    expect(m.format).toBe('tflite');
    m.dispose();
    expect(calls.every(([, t]) => t === 0)).toBe(true);
    expect(calls.at(-1)![0]).toBe(files['/m.tflite']!.length);
  });

  it('a 404 is a FetchError naming the URL and the status', async () => {
    const url = `${base}/missing.tflite`;
    const err = await load(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).status).toBe(404);
    expect((err as FetchError).url).toBe(url);
    expect((err as Error).message).toBe(`cannot fetch "${url}": HTTP 404 Not Found`);
  });

  it.each(['/m.onnx', '/m.tflite', '/m.task'])('%s cut off halfway through its Content-Length is a FetchError naming the URL', async (path) => {
    const url = `${base}${path}?truncate`;
    const err = await load(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot fetch "${url.replace(/[.?]/g, '\\$&')}": (the download broke off after \\d+ of ${files[path]!.length} bytes|truncated download)`));
  });

  it('an HTML page served where a model was expected (an SPA fallback) says so', async () => {
    await expect(load(`${base}/fallback.onnx`)).rejects.toThrow(`"${base}/fallback.onnx" is an HTML or XML page, not a model`);
  });

  it('a refused connection is a FetchError naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/m.onnx`;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(load(url)).rejects.toThrow(new RegExp(`^cannot fetch "${url.replace(/\./g, '\\.')}"`));
    await expect(load(url)).rejects.toBeInstanceOf(FetchError);
  });
});
