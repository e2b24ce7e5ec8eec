// A bounded zip reader for MediaPipe's .task bundles: the central directory is parsed with every field checked
// against the file, and one entry is extracted at a time (stored, or deflate through DecompressionStream), never
// past its declared size. Anything hostile (sizes beyond the file or beyond deflate's ratio, overlapping or
// encrypted entries, ZIP64, a truncated directory, a CRC mismatch) is a ModelFormatError naming the entry.
import { ModelFormatError } from './errors.js';
import { concatBytes, ZIP_EOCD as EOCD, ZIP_LOCAL as LOCAL } from './formats.js';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the local header; the data follows it. */
  readonly localOffset: number;
}

const CENTRAL = 0x02014b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT = 0xffff;
/** Deflate cannot expand more than 1032:1 (RFC 1951: 258 bytes per 2-bit match at best). */
const DEFLATE_MAX_RATIO = 1032;
/** Largest entry extracted (a .tflite flatbuffer is below 2 GiB; bigger ones use external buffers anyway). */
export const MAX_ZIP_ENTRY_BYTES = 2 ** 30;

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

const fail = (msg: string) => new ModelFormatError(`zip archive: ${msg}`);

/** The archive's entries from its central directory, each checked to lie inside the file without overlap. */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const n = bytes.length;
  let eocd = -1;
  for (let at = n - EOCD_BYTES; at >= Math.max(0, n - EOCD_BYTES - MAX_COMMENT); at--) {
    if (u32(bytes, at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw fail(`no end-of-central-directory record in the last ${Math.min(n, EOCD_BYTES + MAX_COMMENT)} bytes (truncated, or not a zip)`);
  const [disk, cdDisk, here, count] = [4, 6, 8, 10].map((o) => u16(bytes, eocd + o)) as [number, number, number, number];
  const cdSize = u32(bytes, eocd + 12);
  const cdOffset = u32(bytes, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw fail('ZIP64 archives are not supported');
  if (disk !== 0 || cdDisk !== 0 || here !== count) throw fail('multi-disk archives are not supported');
  if (cdOffset + cdSize > eocd) throw fail(`the central directory (bytes ${cdOffset}..${cdOffset + cdSize}) runs past its end record at byte ${eocd}`);
  if (count * CENTRAL_BYTES > cdSize) throw fail(`${count} entries cannot fit in a ${cdSize}-byte central directory`);

  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let at = cdOffset;
  const end = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_BYTES > end || u32(bytes, at) !== CENTRAL) throw fail(`central directory entry #${i} at byte ${at} is truncated or has a bad signature`);
    const nameLen = u16(bytes, at + 28);
    const skip = nameLen + u16(bytes, at + 30) + u16(bytes, at + 32);
    if (at + CENTRAL_BYTES + skip > end) throw fail(`central directory entry #${i} runs past the directory`);
    const name = decoder.decode(bytes.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLen));
    const entry: ZipEntry = {
      name,
      method: u16(bytes, at + 10),
      crc32: u32(bytes, at + 16),
      compressedSize: u32(bytes, at + 20),
      size: u32(bytes, at + 24),
      localOffset: u32(bytes, at + 42),
    };
    const flags = u16(bytes, at + 8);
    const where = `entry "${name}"`;
    if (flags & 1) throw fail(`${where} is encrypted`);
    if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff) throw fail(`${where} uses ZIP64 sizes, which are not supported`);
    entries.push(entry);
    at += CENTRAL_BYTES + skip;
  }
  // entries in file order: each one's local header and data must end before the next begins, and before the directory
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  byOffset.forEach((e, k) => {
    const limit = byOffset[k + 1]?.localOffset ?? cdOffset;
    const dataEnd = dataStart(bytes, e, cdOffset) + e.compressedSize;
    if (dataEnd > limit)
      throw fail(`entry "${e.name}" (bytes ${e.localOffset}..${dataEnd}) overlaps ${k + 1 < byOffset.length ? `entry "${byOffset[k + 1]!.name}"` : 'the central directory'}`);
  });
  return entries;
}

/** Where an entry's data begins, after its local header (checked to be inside `[0, limit)`). */
function dataStart(bytes: Uint8Array, e: ZipEntry, limit: number): number {
  const h = e.localOffset;
  if (h + LOCAL_BYTES > limit || u32(bytes, h) !== LOCAL) throw fail(`entry "${e.name}": no local header at byte ${h}`);
  return h + LOCAL_BYTES + u16(bytes, h + 26) + u16(bytes, h + 28);
}

/** One entry's bytes, decompressed, of exactly its declared size and CRC-32. */
export async function zipExtract(bytes: Uint8Array, e: ZipEntry): Promise<Uint8Array> {
  const where = `entry "${e.name}"`;
  if (e.size > MAX_ZIP_ENTRY_BYTES) throw fail(`${where} declares ${e.size} bytes, more than the ${MAX_ZIP_ENTRY_BYTES} sepconv extracts`);
  const start = dataStart(bytes, e, bytes.length);
  if (start + e.compressedSize > bytes.length) throw fail(`${where} data runs past the end of the file`);
  const raw = bytes.subarray(start, start + e.compressedSize);
  let out: Uint8Array;
  if (e.method === 0) {
    if (e.compressedSize !== e.size) throw fail(`${where} is stored, but its sizes differ (${e.compressedSize} stored, ${e.size} declared)`);
    out = raw;
  } else if (e.method === 8) {
    if (e.size > e.compressedSize * DEFLATE_MAX_RATIO + 64) throw fail(`${where} declares ${e.size} bytes from ${e.compressedSize} deflated, beyond deflate's 1032:1 ratio`);
    out = await inflateBounded(raw, e.size, where);
  } else throw fail(`${where} uses compression method ${e.method}; only stored (0) and deflate (8) are read`);
  const crc = crc32(out);
  if (crc !== e.crc32) throw fail(`${where} has CRC-32 ${hex(crc)}, the directory says ${hex(e.crc32)} (corrupt)`);
  return out;
}

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

/**
 * Raw deflate of exactly `size` bytes: more output than declared aborts at once, less is an error. Memory follows
 * the output as it arrives, not the declared size (a bomb declaring its true size is stopped at MAX_ZIP_ENTRY_BYTES).
 */
async function inflateBounded(raw: Uint8Array, size: number, where: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  const stream = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (got + value.length > size) throw fail(`${where} inflates to more than its declared ${size} bytes`);
      chunks.push(value);
      got += value.length;
    }
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw fail(`${where} is not valid deflate data (${(e as Error).message})`);
  } finally {
    reader.cancel().catch(() => {});
  }
  if (got !== size) throw fail(`${where} inflates to ${got} bytes; the directory declares ${size}`);
  return concatBytes(chunks);
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as zip uses). */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
