/** Creates and destroys buffers, counting what is live so leaks are measurable (tests compare to a baseline). */
export class BufferTracker {
  private readonly live = new Map<GPUBuffer, number>();
  private bytesLive = 0;
  private made = 0;

  constructor(private readonly device: GPUDevice) {}

  create(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const aligned = Math.max(16, Math.ceil(size / 16) * 16);
    const maxBuf = this.device.limits.maxBufferSize;
    if (aligned > maxBuf) throw new RangeError(`buffer "${label}" of ${aligned} bytes exceeds maxBufferSize ${maxBuf}`);
    const buffer = this.device.createBuffer({ size: aligned, usage, label });
    this.made++;
    this.live.set(buffer, aligned);
    this.bytesLive += aligned;
    return buffer;
  }

  destroy(buffer: GPUBuffer): void {
    const size = this.live.get(buffer);
    if (size === undefined) return;
    this.live.delete(buffer);
    this.bytesLive -= size;
    buffer.destroy();
  }

  destroyAll(): void {
    for (const b of [...this.live.keys()]) this.destroy(b);
  }

  /** Buffers created so far, destroyed ones included. */
  get created(): number {
    return this.made;
  }

  get count(): number {
    return this.live.size;
  }

  get bytes(): number {
    return this.bytesLive;
  }
}

export const STORAGE = 0x80 | 0x08 | 0x04; // STORAGE | COPY_DST | COPY_SRC (GPUBufferUsage is absent in some Node set-ups before init)
export const UNIFORM = 0x40 | 0x08; // UNIFORM | COPY_DST
export const READBACK = 0x01 | 0x08; // MAP_READ | COPY_DST
