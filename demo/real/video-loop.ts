// A frame loop done right: one frame in flight at most (the next is asked for only when this one is finished),
// requestVideoFrameCallback where the browser has it (else requestAnimationFrame), fixed-size timing ring,
// nothing allocated per frame here, and stop() that waits for the frame in flight.

export interface LoopStats {
  frames: number;
  /** Frames per second over the last RING frames (wall clock between frame starts). */
  fps: number;
  /** Median time of one frame (input + model + outputs) over the last RING frames. */
  latencyMs: number;
  running: boolean;
}

const RING = 30;

type VideoWithRvfc = HTMLVideoElement & {
  requestVideoFrameCallback?(cb: () => void): number;
  cancelVideoFrameCallback?(h: number): void;
};

export class VideoLoop {
  private running = false;
  private handle = 0;
  private inFlight: Promise<void> | undefined;
  private frames = 0;
  private readonly latency = new Float64Array(RING);
  private readonly starts = new Float64Array(RING);
  private readonly sorted = new Float64Array(RING);

  constructor(
    private readonly video: VideoWithRvfc,
    private readonly step: () => Promise<void>,
    private readonly on: { maxFrames?: number; onFrame(s: LoopStats): void; onError(e: unknown): void; onStop(): void },
  ) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    const cb = () => {
      this.inFlight = this.tick();
    };
    this.handle = this.video.requestVideoFrameCallback ? this.video.requestVideoFrameCallback(cb) : requestAnimationFrame(cb);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    const t0 = performance.now();
    try {
      await this.step();
    } catch (e) {
      this.running = false;
      this.on.onError(e);
      this.on.onStop();
      return;
    }
    const k = this.frames % RING;
    this.latency[k] = performance.now() - t0;
    this.starts[k] = t0;
    this.frames++;
    this.on.onFrame(this.stats());
    if (this.on.maxFrames !== undefined && this.frames >= this.on.maxFrames) {
      this.running = false;
      this.on.onStop();
      return;
    }
    this.schedule();
  }

  private stats(): LoopStats {
    const n = Math.min(this.frames, RING);
    this.sorted.fill(Infinity);
    this.sorted.set(this.latency.subarray(0, n));
    this.sorted.sort();
    const newest = this.starts[(this.frames - 1) % RING]!;
    const oldest = this.starts[this.frames >= RING ? this.frames % RING : 0]!;
    return { frames: this.frames, fps: n > 1 ? ((n - 1) * 1000) / (newest - oldest) : 0, latencyMs: this.sorted[Math.floor((n - 1) / 2)]!, running: this.running };
  }

  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.video.cancelVideoFrameCallback) this.video.cancelVideoFrameCallback(this.handle);
    else cancelAnimationFrame(this.handle);
    await this.inFlight;
    if (wasRunning) this.on.onStop();
  }
}
