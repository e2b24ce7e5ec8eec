// src/onnx/pb-reader.ts (what the generated ONNX decoder runs on in place of protobufjs/minimal) against protobufjs's
// own Reader: every method the decoder calls, on seeded random bytes and on valid encodings, gives the same value
// and the same position, or both throw. Whole models: decoding with either reader gives the same message.
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader } from '../src/onnx/pb-reader.js';
import { int64ToNumber, type Int64 } from '../src/onnx/proto.js';
import { onnx } from '../src/onnx/onnx-proto.js';
import { ROOT } from './support/browser.js';

type Method = 'tag' | 'size' | 'int32' | 'int64' | 'uint64' | 'float' | 'double' | 'bytes' | 'string' | 'int32s' | 'int64s' | 'uint64s' | 'floats' | 'doubles';
const METHODS: Method[] = ['tag', 'size', 'int32', 'int64', 'uint64', 'float', 'double', 'bytes', 'string', 'int32s', 'int64s', 'uint64s', 'floats', 'doubles'];

/** A method's result in comparable form (Longs and numbers as numbers, bytes as arrays), or the fact that it threw. */
function outcome(read: () => unknown, pos: () => number): { value?: unknown; pos?: number; threw?: true } {
  const norm = (v: unknown): unknown =>
    v instanceof Uint8Array ? [...v] : Array.isArray(v) ? v.map(norm) : typeof v === 'object' && v !== null ? int64ToNumber(v as Int64) : v;
  try {
    return { value: norm(read()), pos: pos() };
  } catch {
    return { threw: true };
  }
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

/** Bytes that are mostly varint-shaped: runs of continuation bytes, small lengths, and plain noise. */
function bytesFor(rand: () => number): Uint8Array {
  const n = Math.floor(rand() * 24);
  return Uint8Array.from({ length: n }, () => {
    const r = rand();
    return r < 0.35 ? 0x80 | Math.floor(rand() * 128) : r < 0.7 ? Math.floor(rand() * 16) : Math.floor(rand() * 256);
  });
}

describe('pb-reader', () => {
  it('each method equals protobufjs Reader (value, position, or a throw) on 20,000 random byte strings', () => {
    const rand = seeded(21);
    const mismatches: string[] = [];
    let values = 0;
    for (let k = 0; k < 20000; k++) {
      const bytes = bytesFor(rand);
      const m = METHODS[k % METHODS.length]!;
      const theirs = protobuf.Reader.create(bytes) as unknown as Record<Method, () => unknown> & { pos: number };
      const ours = Reader.create(bytes);
      const a = outcome(() => theirs[m](), () => theirs.pos);
      const b = outcome(() => ours[m](), () => ours.pos);
      if (!a.threw) values++;
      if (JSON.stringify(a) !== JSON.stringify(b) && mismatches.length < 5) mismatches.push(`${m}([${[...bytes]}]): protobufjs ${JSON.stringify(a)}, ours ${JSON.stringify(b)}`);
    }
    expect(mismatches).toEqual([]);
    expect(values).toBeGreaterThan(5000); // the byte mix reaches past the error paths
  });

  it('skipType of every wire type, nested groups included, stops where protobufjs stops', () => {
    const rand = seeded(7);
    const mismatches: string[] = [];
    for (let k = 0; k < 5000; k++) {
      const bytes = bytesFor(rand);
      const wire = k % 6;
      const skip = (r: { skipType(w: number): unknown; pos: number }) => outcome(() => (r.skipType(wire), r.pos), () => r.pos);
      const a = skip(protobuf.Reader.create(bytes) as never);
      const b = skip(Reader.create(bytes));
      if (JSON.stringify(a) !== JSON.stringify(b) && mismatches.length < 5) mismatches.push(`skipType(${wire}) [${[...bytes]}]: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('int64 extremes round as protobufjs rounds them (INT64_MIN, INT64_MAX, -1, 2^53 + 1)', () => {
    const w = protobuf.Writer.create();
    const Long = protobuf.util.Long as unknown as { fromString(s: string): number };
    for (const v of ['-9223372036854775808', '9223372036854775807', '-1', '9007199254740993']) w.int64(Long.fromString(v));
    const bytes = w.finish();
    const theirs = protobuf.Reader.create(bytes);
    const ours = Reader.create(bytes);
    for (let i = 0; i < 4; i++) expect(ours.int64()).toBe(int64ToNumber(theirs.int64() as unknown as Int64));
  });

  it('decodes the bundled MobileNet to the same message as protobufjs/minimal', () => {
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'examples/mobilenet_v2_035.onnx')));
    const decode = onnx.ModelProto.decode as (r: unknown) => unknown;
    const ours = decode(bytes);
    // the same generated decoder reading through protobufjs's Reader: its state and methods on an object that passes
    // the decoder's instanceof check
    const via = Object.assign(Object.create(Reader.prototype) as object, protobuf.Reader.create(bytes));
    const proto = protobuf.Reader.prototype as unknown as Record<string, unknown>;
    for (const k of [...METHODS, 'uint32', 'raw', 'skip', 'skipType']) (via as Record<string, unknown>)[k] = proto[k];
    const theirs = decode(via);
    const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? [...x.subarray(0, 64), x.length] : typeof x === 'object' && x !== null && 'low' in x ? int64ToNumber(x as Int64) : x)));
    expect(plain(ours)).toEqual(plain(theirs));
  });
});
