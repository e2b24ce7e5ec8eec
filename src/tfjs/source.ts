import { ModelFormatError } from '../errors.js';
import { readLocation, type Bytes, type ProgressFn } from '../formats.js';
export { isTfjsInMemory, readLocation, type Bytes, type TfjsInMemory, type ProgressFn } from '../formats.js';
import { parseModelJson, type ModelJson } from './model-json.js';
import { groupBytes } from './weights.js';


const u8 = (b: Bytes) => (b instanceof Uint8Array ? b : new Uint8Array(b));


/**
 * Assigns in-memory weight bytes to the manifest's shards: an array is one buffer per path (manifest order);
 * a single buffer is every group's bytes back to back (tf.io.fromMemory's weightData), split by the manifest.
 */
export function shardsFromMemory(m: ModelJson, weights: Bytes | readonly Bytes[] | undefined): Uint8Array[][] {
  if (weights === undefined) {
    if (m.manifest.some((g) => g.weights.length)) throw new ModelFormatError('the model has a weights manifest but no weight bytes were given');
    return m.manifest.map(() => []);
  }
  if (Array.isArray(weights)) {
    const flat = (weights as readonly Bytes[]).map(u8);
    let k = 0;
    return m.manifest.map((g) => g.paths.map(() => flat[k++]!).filter((b) => b !== undefined));
  }
  const all = u8(weights as Bytes);
  let off = 0;
  return m.manifest.map((g) => {
    const n = groupBytes(g);
    const part = all.subarray(off, Math.min(off + n, all.byteLength));
    off += n;
    return [part];
  });
}

/** Resolves a shard path against the model.json location (URL or file path). */
export function shardLocation(modelUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(modelUrl)) return new URL(path, modelUrl).href;
  const slash = Math.max(modelUrl.lastIndexOf('/'), modelUrl.lastIndexOf('\\'));
  return slash < 0 ? path : modelUrl.slice(0, slash + 1) + path;
}

/** Reads a URL with fetch, or a file path (Node) with fs; errors name what could not be read. */

/**
 * Fetches a model.json and its shards (relative to it, all in parallel), reporting progress in bytes as
 * the manifest sizes them. `check` runs on the parsed model.json before any shard is fetched.
 */
export async function fetchTfjs(modelUrl: string, onProgress?: ProgressFn, check?: (m: ModelJson) => void, jsonBytes?: Uint8Array): Promise<{ model: ModelJson; shards: Uint8Array[][] }> {
  const model = parseModelJson(jsonBytes ?? (await readLocation(modelUrl)));
  check?.(model);
  const total = model.manifest.reduce((n, g) => n + groupBytes(g), 0);
  let loaded = 0;
  onProgress?.(0, total);
  const shards = await Promise.all(
    model.manifest.map((g) =>
      Promise.all(
        g.paths.map(async (p) => {
          const bytes = await readLocation(shardLocation(modelUrl, p)).catch((e: Error) => {
            throw new ModelFormatError(`shard "${p}" of ${modelUrl} is missing: ${e.message}`);
          });
          loaded += bytes.byteLength;
          onProgress?.(Math.min(loaded, total), total);
          return bytes;
        }),
      ),
    ),
  );
  return { model, shards };
}
