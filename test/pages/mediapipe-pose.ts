// MediaPipe's own pose solution (@mediapipe/pose, its wasm + WebGL graph pose_web.binarypb) on an RGB image the Node
// test sends: one fresh solution per image, one frame (its first frame runs the detector; no tracking, no smoothing
// state), landmarks back in source pixels.
interface MpLandmark { x: number; y: number; z: number; visibility?: number }
interface MpPose {
  setOptions(o: Record<string, unknown>): void;
  onResults(f: (r: { poseLandmarks?: MpLandmark[] }) => void): void;
  initialize(): Promise<void>;
  send(i: { image: HTMLCanvasElement }): Promise<void>;
  close(): Promise<void>;
}
declare const Pose: new (c: { locateFile: (f: string) => string }) => MpPose;

export async function mediapipePose(b64: string, width: number, height: number, modelComplexity: 0 | 1 | 2): Promise<number[][] | null> {
  const rgb = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [width, height];
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    img.data.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const pose = new Pose({ locateFile: (f) => `/node_modules/@mediapipe/pose/${f}` });
  pose.setOptions({ modelComplexity, smoothLandmarks: true, enableSegmentation: false, selfieMode: false });
  let got: MpLandmark[] | undefined;
  pose.onResults((r) => {
    got = r.poseLandmarks;
  });
  await pose.initialize();
  await pose.send({ image: canvas });
  await pose.close();
  return got ? got.map((l) => [l.x * width, l.y * height, l.z * width, l.visibility ?? 0]) : null;
}
