// A small zip writer for tests and the fuzzer: .task bundles (MediaPipe Tasks' zip of .tflite files), stored or
// deflated, with the offsets of every record so that tests can corrupt them field by field.
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/zip.js';

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** 'store' (as MediaPipe writes .task files) or 'deflate'. */
  method?: 'store' | 'deflate';
}

export interface ZipLayout {
  bytes: Uint8Array;
  /** Per entry: its local header's and central directory record's offsets. */
  entries: { local: number; central: number }[];
  cdOffset: number;
  eocd: number;
}

export function buildZip(files: ZipInput[]): ZipLayout {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  const entries: { local: number; central: number }[] = [];
  let at = 0;
  let cdAt = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const deflate = f.method === 'deflate';
    const body = deflate ? new Uint8Array(deflateRawSync(f.data)) : f.data;
    const crc = crc32(f.data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, deflate ? 8 : 0, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, f.data.length, true);
    local.setUint16(26, name.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, 20, true);
    cd.setUint16(6, 20, true);
    cd.setUint16(10, deflate ? 8 : 0, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, body.length, true);
    cd.setUint32(24, f.data.length, true);
    cd.setUint16(28, name.length, true);
    cd.setUint32(42, at, true);
    entries.push({ local: at, central: cdAt });
    parts.push(new Uint8Array(local.buffer), name, body);
    central.push(new Uint8Array(cd.buffer), name);
    at += 30 + name.length + body.length;
    cdAt += 46 + name.length;
  }
  const cdOffset = at;
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, files.length, true);
  eocd.setUint16(10, files.length, true);
  eocd.setUint32(12, cdAt, true);
  eocd.setUint32(16, cdOffset, true);
  const all = [...parts, ...central, new Uint8Array(eocd.buffer)];
  const bytes = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of all) {
    bytes.set(p, k);
    k += p.length;
  }
  return { bytes, entries: entries.map((e) => ({ local: e.local, central: cdOffset + e.central })), cdOffset, eocd: cdOffset + cdAt };
}
