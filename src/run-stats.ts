/**
 * Who answered a model's run() and profile() calls (and an image input's runToGpu / runOnGpu), so callers (and
 * tests) can tell a GPU answer from a CPU one.
 */
export interface RunStats {
  /** Answered by the WebGPU executor (a runToGpu / runOnGpu call: submitted on a live device). */
  gpu: number;
  /** Answered by the CPU path: every call of a CPU model; a GPU model's calls after a device loss or a counted GPU error. */
  cpu: number;
  /** Of `cpu`: calls a GPU model answered on the CPU because its device was lost. */
  deviceLost: number;
  /** Of `cpu`: calls whose GPU run failed on a live device and that `onGpuError: 'cpu'` answered on the CPU. */
  gpuErrors: number;
  /** runToGpu / runOnGpu calls (not in `gpu` or `cpu`) refused with GpuError 'DEVICE_LOST': the device was lost. */
  lostGpuOutputs: number;
}

export const noRuns = (): RunStats => ({ gpu: 0, cpu: 0, deviceLost: 0, gpuErrors: 0, lostGpuOutputs: 0 });
