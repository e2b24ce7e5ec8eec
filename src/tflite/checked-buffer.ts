import * as flatbuffers from 'flatbuffers';

/** A read that falls outside the file: caught by the reader and reported as a ModelFormatError with context. */
export class OutOfBounds extends Error {}

/**
 * The flatbuffers runtime's ByteBuffer with every read bounds-checked. The generated accessors trust their
 * offsets (an out-of-range read yields undefined → 0, i.e. a garbage graph, and typed-array views throw a
 * RangeError or read past the view into the rest of its ArrayBuffer); every read of theirs goes through the
 * three primitives below, __string or __vector, so checking those makes a hostile file fail cleanly.
 */
export class CheckedByteBuffer extends flatbuffers.ByteBuffer {
  private readonly size: number;

  constructor(bytes: Uint8Array) {
    super(bytes);
    this.size = bytes.length;
  }

  /** Throws unless [offset, offset + n) lies inside the file. */
  check(offset: number, n: number, what = 'read'): void {
    if (!(Number.isInteger(offset) && offset >= 0 && n >= 0 && offset + n <= this.size))
      throw new OutOfBounds(`${what} of ${n} byte(s) at offset ${offset} is outside the ${this.size}-byte file`);
  }

  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }

  override __offset(bbPos: number, vtableOffset: number): number {
    const vtable = bbPos - this.readInt32(bbPos);
    const vtSize = this.readUint16(vtable);
    if (vtSize < 4 || vtSize % 2 !== 0) throw new OutOfBounds(`table at offset ${bbPos} has a malformed vtable (size ${vtSize})`);
    this.check(vtable, vtSize, 'vtable');
    return super.__offset(bbPos, vtableOffset);
  }

  override __string(offset: number, encoding?: flatbuffers.Encoding): string | Uint8Array {
    const start = offset + this.readInt32(offset);
    const length = this.readInt32(start);
    this.check(start + 4, length, 'string');
    return super.__string(offset, encoding);
  }

  override __vector(offset: number): number {
    // The length word must be readable; callers check the elements with vectorBytes().
    this.__vector_len(offset);
    return super.__vector(offset);
  }

  /** Throws unless `view` (from a generated `…Array()` accessor) lies inside the file. */
  checkView(view: Uint8Array, what: string): Uint8Array {
    const bytes = this.bytes();
    const start = view.byteOffset - bytes.byteOffset;
    if (view.buffer !== bytes.buffer) throw new OutOfBounds(`${what} is not inside the file`);
    this.check(start, view.length, what);
    return view;
  }
}
