// Bundles src/cpu/worker-node.ts into one plain-JavaScript file for worker_threads (Node cannot run the
// TypeScript sources in a worker), once per process, under node_modules/.cache.
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let built: Promise<URL> | undefined;

/** `root`: the repository (default: two levels above this file). */
export function nodeWorkerUrl(root = ROOT): Promise<URL> {
  built ??= (async () => {
    const outDir = join(root, 'node_modules', '.cache', `sepconv-node-worker-${process.pid}`);
    await build({
      configFile: false,
      root,
      logLevel: 'warn',
      publicDir: false,
      ssr: { noExternal: true, target: 'node' },
      build: {
        ssr: join(root, 'src/cpu/worker-node.ts'),
        outDir,
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        rolldownOptions: {
          external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
          output: { format: 'es', entryFileNames: 'worker-node.js', codeSplitting: false },
        },
      },
    });
    return pathToFileURL(join(outDir, 'worker-node.js'));
  })();
  return built;
}
