// Node: frames per second of each vision task on the astronaut photo (the hand landmarker: the hand photo), per backend (CPU engine on the caller's
// thread; WebGPU through Dawn, SwiftShader on a machine without a GPU: compare rows of one run, never absolute
// times), with the bytes each frame read back. Run through Vite's SSR loader (the decode kernel's WGSL):
//
//   npm run bench:tasks [-- frames=30]
import { readFileSync } from 'node:fs';
import { acquireGpu } from '../src/gpu/device.js';
import { createFaceDetector, createHandLandmarker, createImageSegmenter, createPoseLandmarker } from '../src/tasks/index.js';
import { decodePng } from '../test/support/photo.js';
import { mediapipeModel, poseDetectorBytes, poseLandmarkBytes } from '../scripts/mediapipe-assets.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function main(args: string[]): Promise<void> {
  const frames = Number(args.find((a) => a.startsWith('frames='))?.slice(7) ?? 30);
  await import('../src/node.js');
  const png = (f: string) => {
    const p = decodePng(readFileSync(f));
    return { data: p.rgb, width: p.width, height: p.height };
  };
  const photo = png('fixtures/photos/astronaut.png');
  const handPhoto = png('fixtures/photos/hand.png');
  const mp = (f: string) => new Uint8Array(readFileSync(`node_modules/@mediapipe/${f}`));
  const gpu = await acquireGpu().catch((e: Error) => e.message);
  console.log(`vision tasks, ${frames} frames of ${photo.width}×${photo.height} (hands: ${handPhoto.width}×${handPhoto.height}); WebGPU: ${typeof gpu === 'string' ? gpu : gpu.info.description || gpu.info.device}`);
  console.log('task                       backend  where             median ms   frames/s   bytes read back / frame');
  for (const backend of ['cpu', 'webgpu'] as const) {
    if (backend === 'webgpu' && typeof gpu === 'string') continue;
    const opts = backend === 'cpu' ? { backend } : { backend, gpu: gpu as Exclude<typeof gpu, string> };
    const tasks = [
      ['face detector (short)', () => createFaceDetector(mp('face_detection/face_detection_short_range.tflite'), opts)],
      ['face detector (full)', () => createFaceDetector(mp('face_detection/face_detection_full_range.tflite'), opts)],
      ['pose landmarker (full)', () => createPoseLandmarker({ detector: poseDetectorBytes(), landmarker: poseLandmarkBytes('full') }, opts)],
      ['image segmenter (selfie)', () => createImageSegmenter(mp('selfie_segmentation/selfie_segmentation.tflite'), opts)],
      ['hand landmarker (full)', () => createHandLandmarker({ detector: mediapipeModel('hands', 'palm_detection_full.tflite'), landmarker: mediapipeModel('hands', 'hand_landmark_full.tflite') }, opts)],
    ] as const;
    for (const [name, make] of tasks) {
      const task = await make();
      const model = 'model' in task ? task.model : task.landmarker;
      if (model.backend !== backend) throw new Error(`${name}: asked for ${backend}, got ${model.backend} (${model.reason}): row refused`);
      const image = name.startsWith('hand') ? handPhoto : photo;
      const step = 'detect' in task ? () => task.detect(image) : () => task.segment(image);
      await step();
      const times: number[] = [];
      for (let k = 0; k < frames; k++) {
        const t = performance.now();
        await step();
        times.push(performance.now() - t);
      }
      const m = median(times);
      const detector = (s: { bytesReadBack: number; frames: number; gpuDecoded: number }) => `${Math.round(s.bytesReadBack / s.frames)}${s.gpuDecoded ? ' (decoded on the GPU)' : ''}`;
      const landmarks = (s: { bytesReadBack: number; frames: number; readbacks: number; gpuDecoded: number }) =>
        backend === 'webgpu' ? `${Math.round(s.bytesReadBack / s.frames)} in ${s.readbacks / s.frames} readback(s): the final results` : `detector ${detector(s)} + the landmark model's outputs (detect: detector every frame)`;
      const bytes = !('stats' in task) ? 'mask of the model' : 'model' in task ? detector(task.stats) : landmarks(task.stats);
      const where = backend === 'cpu' ? (model.reason.includes('worker') ? 'worker' : "caller's thread") : 'GPU';
      console.log(`${name.padEnd(26)} ${backend.padEnd(8)} ${where.padEnd(17)} ${m.toFixed(1).padStart(9)} ${(1000 / m).toFixed(1).padStart(10)}   ${bytes}`);
      task.dispose();
    }
  }
  if (typeof gpu !== 'string') gpu.device.destroy();
}
