// MediaPipe's own hand solution (@mediapipe/hands, its wasm + WebGL graph hands.binarypb) on RGB images the Node
// test sends: one solution for all of them, reset before each image so that each frame runs palm detection (no
// tracking from the previous image, as static-image mode), landmarks back in source pixels.
import { rgbCanvas } from './rgb-canvas.js';

interface MpLandmark { x: number; y: number; z: number }
interface MpHands {
  setOptions(o: Record<string, unknown>): void;
  onResults(f: (r: { multiHandLandmarks?: MpLandmark[][]; multiHandedness?: { label: string; score: number }[] }) => void): void;
  initialize(): Promise<void>;
  reset(): void;
  send(i: { image: HTMLCanvasElement }): Promise<void>;
  close(): Promise<void>;
}
declare const Hands: new (c: { locateFile: (f: string) => string }) => MpHands;

/** modelComplexity 1: palm_detection_full + hand_landmark_full, 0: the lite pair; useCpuInference: TFLite on the wasm CPU instead of WebGL. */
export interface HandsOptions { modelComplexity: 0 | 1; useCpuInference: boolean }
/** landmarks: 21 × [x, y, z] in source pixels (z on x's scale). */
export interface MpHand { landmarks: number[][]; handedness: { label: string; score: number } }

export async function run(images: { b64: string; width: number; height: number }[], o: HandsOptions): Promise<MpHand[][]> {
  const hands = new Hands({ locateFile: (f) => `/node_modules/@mediapipe/hands/${f}` });
  hands.setOptions({ ...o, maxNumHands: 1, selfieMode: false });
  let got: MpHand[] = [];
  let size = [0, 0];
  hands.onResults((r) => {
    const [w, h] = size;
    got = (r.multiHandLandmarks ?? []).map((l, i) => ({
      landmarks: l.map((p) => [p.x * w!, p.y * h!, p.z * w!]),
      handedness: { label: r.multiHandedness![i]!.label, score: r.multiHandedness![i]!.score },
    }));
  });
  await hands.initialize();
  const out: MpHand[][] = [];
  for (const { b64, width, height } of images) {
    hands.reset();
    [size, got] = [[width, height], []];
    await hands.send({ image: rgbCanvas(b64, width, height) });
    out.push(got);
  }
  await hands.close();
  return out;
}
