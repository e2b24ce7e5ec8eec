import { InputError } from '../errors.js';

/** detectForVideo's timestamps: finite and increasing, as MediaPipe Tasks requires. */
export class VideoClock {
  private last = -Infinity;
  constructor(private readonly task: string) {}

  tick(ms: number): void {
    if (!Number.isFinite(ms)) throw new InputError(`${this.task}: timestamp ${ms} is not a finite number of milliseconds`);
    if (ms <= this.last) throw new InputError(`${this.task}: timestamp ${ms} ms is not after the previous frame's ${this.last} ms`);
    this.last = ms;
  }
}
