// The part of protobufjs/minimal that the generated ONNX decoder (onnx-proto.js) calls: a Reader with its error
// checks, and the few util helpers the generated messages use. protobufjs/minimal itself brings its Writer, RPC
// classes and the long.js package (int64 as Long objects): 10.8 KiB gzip of every page that loads an ONNX model.
// int64 values come back as numbers, rounded as protobufjs rounds them without long.js (exact below 2^53). The
// encoder (onnx-proto-encode.js, for export) keeps protobufjs.

const utf8 = new TextDecoder();
const outOfRange = (r: Reader, n = 1) => new RangeError(`index out of range: ${r.pos} + ${n} > ${r.len}`);

/** A 64-bit varint's halves as a number (protobufjs's LongBits.toNumber). */
function toNumber(lo: number, hi: number, unsigned: boolean): number {
  if (!unsigned && hi >>> 31) {
    const l = (~lo + 1) >>> 0;
    let h = ~hi >>> 0;
    if (!l) h = (h + 1) >>> 0;
    return -(l + h * 4294967296);
  }
  return lo + hi * 4294967296;
}

export class Reader {
  static recursionLimit = 100; // protoc's default
  static discardUnknown = true;
  pos = 0;
  len: number;
  discardUnknown = Reader.discardUnknown;
  private view?: DataView;

  constructor(readonly buf: Uint8Array) {
    this.len = buf.length;
  }

  static create(buffer: Uint8Array | number[]): Reader {
    if (Array.isArray(buffer)) buffer = new Uint8Array(buffer);
    if (buffer instanceof Uint8Array) return new Reader(buffer);
    throw Error('illegal buffer');
  }

  raw(start: number, end: number): Uint8Array {
    return this.buf.subarray(start, end);
  }

  /** The low 32 bits of a varint of up to 10 bytes. */
  uint32(): number {
    let v = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.len) throw outOfRange(this);
      const b = this.buf[this.pos++]!;
      if (i < 5) v = (v | ((b & 127) << (7 * i))) >>> 0;
      if (b < 128) return v;
    }
    throw Error('invalid varint encoding');
  }

  /** A varint of at most 5 bytes whose 5th byte passes `ok`. */
  private varint32(ok: (fifth: number) => boolean, what: string): number {
    const at = this.pos;
    const v = this.uint32();
    if (this.pos - at > 5 || (this.pos - at === 5 && !ok(this.buf[this.pos - 1]!))) throw Error(`invalid ${what} encoding`);
    return v;
  }

  tag(): number {
    return this.varint32((b) => (b & 112) === 0, 'tag');
  }

  size(): number {
    return this.varint32((b) => b <= 7, 'length');
  }

  int32(): number {
    return this.uint32() | 0;
  }

  private varint64(unsigned: boolean): number {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.len) throw outOfRange(this);
      const b = this.buf[this.pos++]!;
      if (i < 4) lo = (lo | ((b & 127) << (7 * i))) >>> 0;
      else if (i === 4) {
        lo = (lo | ((b & 127) << 28)) >>> 0;
        hi = (b & 127) >>> 4;
      } else hi = (hi | ((b & 127) << (7 * i - 32))) >>> 0;
      if (b < 128) return toNumber(lo, hi, unsigned);
    }
    throw Error('invalid varint encoding');
  }

  int64(): number {
    return this.varint64(false);
  }

  uint64(): number {
    return this.varint64(true);
  }

  private dv(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  float(): number {
    if (this.pos + 4 > this.len) throw outOfRange(this, 4);
    const v = this.dv().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.len) throw outOfRange(this, 8);
    const v = this.dv().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A packed field of varints, each read by `one` within the field's length. */
  private packed(one: () => number, array: number[] = []): number[] {
    const end = this.size() + this.pos;
    const len = this.len;
    if (end > len) throw outOfRange(this, end - this.pos);
    this.len = end;
    while (this.pos < end) array.push(one.call(this));
    if (this.pos !== end) throw new RangeError('index out of range');
    this.len = len;
    return array;
  }

  int32s(array?: number[]): number[] {
    return this.packed(this.int32, array);
  }

  int64s(array?: number[]): number[] {
    return this.packed(this.int64, array);
  }

  uint64s(array?: number[]): number[] {
    return this.packed(this.uint64, array);
  }

  /** A packed field of fixed-width values (4 or 8 bytes). */
  private fixed(width: 4 | 8, array: number[] = []): number[] {
    const n = this.size();
    const end = this.pos + n;
    if (end > this.len) throw outOfRange(this, n);
    const dv = this.dv();
    for (let k = 0; k < n >>> (width === 4 ? 2 : 3); k++, this.pos += width) array.push(width === 4 ? dv.getFloat32(this.pos, true) : dv.getFloat64(this.pos, true));
    if (this.pos !== end) throw outOfRange(this, width);
    return array;
  }

  floats(array?: number[]): number[] {
    return this.fixed(4, array);
  }

  doubles(array?: number[]): number[] {
    return this.fixed(8, array);
  }

  bytes(): Uint8Array {
    const n = this.size();
    const start = this.pos;
    if (start + n > this.len) throw outOfRange(this, n);
    this.pos += n;
    return this.raw(start, this.pos);
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  skip(n?: number): this {
    if (n !== undefined) {
      if (this.pos + n > this.len) throw outOfRange(this, n);
      this.pos += n;
    } else
      do if (this.pos >= this.len) throw outOfRange(this);
      while (this.buf[this.pos++]! & 128);
    return this;
  }

  skipType(wireType: number, depth = 0, fieldNumber?: number): this {
    if (depth > Reader.recursionLimit) throw Error('max depth exceeded');
    if (fieldNumber === 0) throw Error('illegal tag: field number 0');
    if (wireType === 0) return this.skip();
    if (wireType === 1) return this.skip(8);
    if (wireType === 2) return this.skip(this.size());
    if (wireType === 5) return this.skip(4);
    if (wireType !== 3) throw Error(`invalid wire type ${wireType} at offset ${this.pos}`);
    for (;;) {
      const tag = this.tag();
      const nested = tag >>> 3;
      if (!nested) throw Error('illegal tag: field number 0');
      if ((tag & 7) === 4) {
        if (fieldNumber !== undefined && nested !== fieldNumber) throw Error('invalid end group tag');
        return this;
      }
      this.skipType(tag & 7, depth + 1, nested);
    }
  }
}

const util = {
  global: globalThis,
  /** No long.js: int64 fields are numbers. */
  Long: null,
  emptyArray: Object.freeze([]),
  newBuffer: (bytes: number[]) => new Uint8Array(bytes),
  /** An own, writable property (protobufjs util.makeProp). */
  makeProp(obj: object, key: string, enumerable?: boolean): void {
    if (Object.prototype.hasOwnProperty.call(obj, key)) return;
    Object.defineProperty(obj, key, { enumerable: enumerable ?? true, configurable: true, writable: true });
  },
  /** The getter of a oneof's virtual property: the name of its member that is set. */
  oneOfGetter(names: string[]) {
    return function (this: Record<string, unknown>): string | undefined {
      const keys = Object.keys(this);
      for (let i = keys.length - 1; i > -1; --i) if (names.includes(keys[i]!) && this[keys[i]!] != null) return keys[i];
      return undefined;
    };
  },
  oneOfSetter(names: string[]) {
    return function (this: Record<string, unknown>, name: string): void {
      for (const n of names) if (n !== name) delete this[n];
    };
  },
};

export default { Reader, util, roots: {} as Record<string, unknown> };
