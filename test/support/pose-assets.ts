// pose_detection.tflite lives inside @mediapipe/pose's packed assets; the loader script lists each file's byte range.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// no import of ./browser.js: the bench loads this outside vitest
const DIR = fileURLToPath(new URL('../../node_modules/@mediapipe/pose/', import.meta.url));

/** The bytes of `name` (a path suffix) from pose_solution_packed_assets.data, located by the loader's metadata. */
export function packedAsset(name: string): Uint8Array {
  const loader = readFileSync(DIR + 'pose_solution_packed_assets_loader.js', 'utf8');
  const entries = [...loader.matchAll(/\{"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)/g)];
  const hit = entries.find((m) => m[1]!.endsWith(name));
  if (!hit) throw new Error(`${name} is not in the packed assets (they list ${entries.map((m) => m[1]).join(', ')})`);
  const data = readFileSync(DIR + 'pose_solution_packed_assets.data');
  return new Uint8Array(data.subarray(Number(hit[2]), Number(hit[3])));
}

export const poseDetectorBytes = () => packedAsset('pose_detection.tflite');
export const poseLandmarkBytes = (variant: 'lite' | 'full' | 'heavy') => new Uint8Array(readFileSync(`${DIR}pose_landmark_${variant}.tflite`));
