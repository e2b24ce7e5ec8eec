// Bundles a worker_threads entry (default src/cpu/worker-node.ts) into one plain-JavaScript file (Node cannot run
// the TypeScript sources in a worker), once per entry and process, under node_modules/.cache.
import { builtinModules } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const built = new Map<string, Promise<URL>>();

/** `root`: the repository (default: two levels above this file); `entry`: relative to it. */
export function nodeWorkerUrl(root = ROOT, entry = 'src/cpu/worker-node.ts'): Promise<URL> {
  const key = join(root, entry);
  const name = basename(entry).replace(/\.ts$/, '.js');
  let url = built.get(key);
  if (url) return url;
  url = (async () => {
    const outDir = join(root, 'node_modules', '.cache', `sepconv-node-worker-${process.pid}-${name.replace(/\.js$/, '')}`);
    await build({
      configFile: false,
      root,
      logLevel: 'warn',
      publicDir: false,
      ssr: { noExternal: true, target: 'node' },
      build: {
        ssr: key,
        outDir,
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        rolldownOptions: {
          external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
          output: { format: 'es', entryFileNames: name, codeSplitting: false },
        },
      },
    });
    return pathToFileURL(join(outDir, name));
  })();
  built.set(key, url);
  return url;
}
