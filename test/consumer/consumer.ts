// Type-checked by test/consumer.test.ts against the shipped .d.ts (tsc --strict, nodenext and bundler).
import { GpuError, load, type LoadOptions, type Model, type Tensor } from 'sepconv';

export async function classify(bytes: Uint8Array, data: Float32Array): Promise<{ backend: 'webgpu' | 'cpu'; logits: Float32Array }> {
  const opts: LoadOptions = { backend: 'auto', inputShapes: { input: [1, 3, 64, 64] } };
  const model: Model = await load(bytes, opts);
  try {
    const input: Tensor = { shape: [1, 3, 64, 64], data };
    const out = await model.run({ input });
    const first = out.values().next().value;
    if (!first) throw new GpuError('no output', 'GPU_UNAVAILABLE');
    return { backend: model.backend, logits: first.data };
  } finally {
    model.dispose();
  }
}

import { createFaceDetector, type FaceDetection, type FaceDetectorOptions } from 'sepconv';

/** The vision task layer through the shipped types: boxes and keypoints in the image's pixels. */
export async function faces(bytes: Uint8Array, image: { data: Uint8Array; width: number; height: number }): Promise<FaceDetection[]> {
  const opts: FaceDetectorOptions = { backend: 'cpu', minScore: 0.5 };
  const detector = await createFaceDetector(bytes, opts);
  try {
    const found = await detector.detect(image);
    return found.filter((f) => f.box.width > 0 && f.keypoints.every((k) => Number.isFinite(k.x)));
  } finally {
    detector.dispose();
  }
}

import { createHandLandmarker, type HandLandmarkerOptions, type HandResult } from 'sepconv';

/** The hand landmarker through the shipped types: 21 landmarks in the image's pixels, handedness. */
export async function hands(palm: Uint8Array, landmark: Uint8Array, image: { data: Uint8Array; width: number; height: number }): Promise<HandResult[]> {
  const opts: HandLandmarkerOptions = { backend: 'cpu', numHands: 2 };
  const task = await createHandLandmarker({ detector: palm, landmarker: landmark }, opts);
  try {
    const found = await task.detectForVideo(image, 0);
    return found.filter((h) => h.landmarks.length === 21 && (h.handedness.label === 'Left' || h.handedness.label === 'Right'));
  } finally {
    task.dispose();
  }
}
