// The .tflite models of the @mediapipe solution packages (devDependencies; tests, benches and the demo): plain
// files, or entries of the emscripten packed assets (`<pkg>_solution_packed_assets.data`), located by the loader's metadata ("filename", "start", "end").
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// no import of test/support/browser.js: the demo's Vite plugin and the benches load this outside vitest
const dir = (pkg: string) => fileURLToPath(new URL(`../node_modules/@mediapipe/${pkg}/`, import.meta.url));

/** The entries of a package's packed assets: file name (without its folder) → [start, end) in the .data file. */
export function packedEntries(pkg: string): Map<string, [number, number]> {
  const loader = readFileSync(join(dir(pkg), `${pkg}_solution_packed_assets_loader.js`), 'utf8');
  const out = new Map<string, [number, number]>();
  for (const m of loader.matchAll(/"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)/g))
    out.set(m[1]!.slice(m[1]!.lastIndexOf('/') + 1), [Number(m[2]), Number(m[3])]);
  return out;
}

/** A model of package `pkg` by file name: the plain file when there is one, else the packed assets' entry. */
export function mediapipeModel(pkg: string, name: string): Uint8Array {
  const plain = join(dir(pkg), name);
  if (existsSync(plain)) return new Uint8Array(readFileSync(plain));
  const at = packedEntries(pkg).get(name);
  if (!at) throw new Error(`@mediapipe/${pkg} has no ${name} (packed entries: ${[...packedEntries(pkg).keys()].join(', ')})`);
  const data = readFileSync(join(dir(pkg), `${pkg}_solution_packed_assets.data`));
  if (at[1] > data.length || at[0] > at[1]) throw new Error(`@mediapipe/${pkg}: ${name} spans [${at[0]}, ${at[1]}) of a ${data.length}-byte .data file`);
  return new Uint8Array(data.subarray(at[0], at[1]));
}

export const poseDetectorBytes = () => mediapipeModel('pose', 'pose_detection.tflite');
export const poseLandmarkBytes = (variant: 'lite' | 'full' | 'heavy') => mediapipeModel('pose', `pose_landmark_${variant}.tflite`);
