// A video loop through createImageInput on WebGPU in Node (Dawn): frames per second of the serialised loop (each
// frame's GPU work finished before the next frame is written) against the pipelined loop (two frames in flight),
// for run() (outputs read back) and runToGpu() (outputs left on the GPU), and the buffers each loop created.
// Run: npm run bench:video [-- --frames=60] [-- --rounds=3] [-- --model=path.onnx]   (loaded through Vite for the ?raw WGSL imports)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dawnGpu } from '../src/gpu/dawn.js';
import { requestGpu, setGpuSource } from '../src/gpu/device.js';
import type { GpuExecutor } from '../src/gpu/executor.js';
import { load } from '../src/model.js';
import { createImageInput, type ImageInput } from '../src/vision/input.js';

type Frame = { data: Uint8ClampedArray; width: number; height: number };

/** Webcam-sized RGBA frames that differ from each other. */
function frames(n: number, width = 320, height = 240): Frame[] {
  return Array.from({ length: n }, (_, f) => {
    const data = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      data[4 * i] = (i * 7 + f * 13) & 255;
      data[4 * i + 1] = (i * 3 + f * 5) & 255;
      data[4 * i + 2] = (i + f * 31) & 255;
      data[4 * i + 3] = 255;
    }
    return { data, width, height };
  });
}

/** Runs `step` on every frame with at most `depth` frames in flight; resolves when the GPU has finished them all. */
async function loop(fs: Frame[], depth: number, step: (f: Frame) => Promise<unknown>, drain: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (const f of fs) {
    inFlight.push(step(f));
    if (inFlight.length >= depth) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await drain();
  return (fs.length * 1000) / (performance.now() - t0);
}

export async function main(args: string[] = []): Promise<void> {
  const n = Number(args.find((a) => a.startsWith('--frames='))?.slice(9) ?? 60);
  const path = args.find((a) => a.startsWith('--model='))?.slice(8) ?? join(process.cwd(), 'examples', 'mobilenet_v2_035.onnx');
  setGpuSource(dawnGpu);
  const gpu = await requestGpu();
  if (!gpu) {
    console.log('no WebGPU adapter through Dawn');
    return;
  }
  const model = await load(new Uint8Array(readFileSync(path)), { backend: 'webgpu', gpu });
  const exec = (model as unknown as { executor: GpuExecutor }).executor;
  const input: ImageInput = await createImageInput(model);
  const device = gpu.device;
  const done = () => device.queue.onSubmittedWorkDone();
  const fs = frames(n);
  console.log(`${path.split('/').pop()} on ${gpu.info.description || gpu.info.device || gpu.info.vendor}${gpu.info.isSoftware ? ' (software)' : ''}; ${n} frames of 320×240 RGBA; input path ${input.path}`);
  // Warm up: pipelines, the input texture, the readback slots and runToGpu's output sets.
  await input.run(fs[0]!);
  await input.run(fs[1]!);
  await input.runToGpu(fs[0]!);
  await done();
  const modes = [
    ['run(), serialised', 1, (f: Frame) => input.run(f)],
    ['run(), pipelined (2 in flight)', 2, (f: Frame) => input.run(f)],
    // serialised on the GPU too: the next frame is written once this one's work is done
    ['runToGpu(), serialised', 1, (f: Frame) => input.runToGpu(f).then(done)],
    ['runToGpu(), pipelined (2 in flight)', 2, (f: Frame) => input.runToGpu(f)],
  ] as const;
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
  const fps: number[][] = modes.map(() => []);
  let created = 0;
  // Modes interleaved round by round, the median reported: the machine's load drifts between rounds.
  for (let r = 0; r < rounds; r++)
    for (const [k, [, depth, step]] of modes.entries()) {
      const before = exec.stats.buffersCreated;
      fps[k]!.push(await loop(fs, depth, step, done));
      created += exec.stats.buffersCreated - before;
    }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  modes.forEach(([name], k) => {
    const m = median(fps[k]!);
    console.log(`${name.padEnd(38)} ${m.toFixed(1).padStart(6)} frames/s  ${(1000 / m).toFixed(1).padStart(6)} ms/frame  (rounds: ${fps[k]!.map((v) => v.toFixed(1)).join(', ')})`);
  });
  console.log(`buffers created over all ${rounds * modes.length * n} timed frames: ${created}`);
  input.dispose();
  model.dispose();
  device.destroy();
}
