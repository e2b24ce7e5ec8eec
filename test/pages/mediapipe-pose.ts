// MediaPipe's own pose solution (@mediapipe/pose, its wasm + WebGL graph pose_web.binarypb) on an RGB image the Node
// test sends: one fresh solution per image, one frame (its first frame runs the detector; no tracking, no smoothing
// state), landmarks back in source pixels.
import { rgbCanvas } from './rgb-canvas.js';

interface MpLandmark { x: number; y: number; z: number; visibility?: number }
interface MpPose {
  setOptions(o: Record<string, unknown>): void;
  onResults(f: (r: { poseLandmarks?: MpLandmark[] }) => void): void;
  initialize(): Promise<void>;
  send(i: { image: HTMLCanvasElement }): Promise<void>;
  close(): Promise<void>;
}
declare const Pose: new (c: { locateFile: (f: string) => string }) => MpPose;

/** [x, y, z, visibility] per landmark (x, y, z in source pixels), or null when it finds no pose. */
export async function run([{ b64, width, height }]: { b64: string; width: number; height: number }[], o: { modelComplexity: 0 | 1 | 2; useCpuInference?: boolean }): Promise<number[][] | null> {
  const pose = new Pose({ locateFile: (f) => `/node_modules/@mediapipe/pose/${f}` });
  pose.setOptions({ ...o, smoothLandmarks: true, enableSegmentation: false, selfieMode: false });
  let got: MpLandmark[] | undefined;
  pose.onResults((r) => {
    got = r.poseLandmarks;
  });
  await pose.initialize();
  await pose.send({ image: rgbCanvas(b64, width, height) });
  await pose.close();
  return got ? got.map((l) => [l.x * width, l.y * height, l.z * width, l.visibility ?? 0]) : null;
}
