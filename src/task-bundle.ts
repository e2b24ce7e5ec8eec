// MediaPipe Tasks' .task bundles: a zip of .tflite models and metadata; load() runs one of the .tflite files.
import { ModelFormatError } from './errors.js';
import { hasTfliteIdentifier } from './formats.js';
import { zipEntries, zipExtract } from './zip.js';

const isTflite = (name: string) => /\.tflite$/i.test(name);

/**
 * The .tflite model inside a .task bundle: the one named `entry` (a path inside the archive), else the only
 * .tflite entry; with several and none named, the error lists them. `what` names the bundle in errors.
 */
export async function tfliteFromTask(bytes: Uint8Array, entry?: string, what = 'the .task bundle'): Promise<Uint8Array> {
  const entries = (() => {
    try {
      return zipEntries(bytes);
    } catch (e) {
      throw e instanceof ModelFormatError ? new ModelFormatError(`${what}: ${e.message}`) : e;
    }
  })();
  const list = (names: string[]) => names.map((n) => `"${n}"`).join(', ') || 'none';
  let chosen;
  if (entry !== undefined) {
    chosen = entries.find((e) => e.name === entry);
    if (!chosen) throw new ModelFormatError(`${what} has no entry "${entry}"; its entries: ${list(entries.map((e) => e.name))}`);
  } else {
    const models = entries.filter((e) => isTflite(e.name));
    if (models.length === 0) throw new ModelFormatError(`${what} holds no .tflite model; its entries: ${list(entries.map((e) => e.name))}`);
    if (models.length > 1)
      throw new ModelFormatError(`${what} holds ${models.length} .tflite models (${list(models.map((e) => e.name))}); name one with the taskEntry option`);
    chosen = models[0]!;
  }
  const model = await zipExtract(bytes, chosen).catch((e: Error) => {
    throw new ModelFormatError(`${what}: ${e.message}`);
  });
  if (!hasTfliteIdentifier(model)) throw new ModelFormatError(`${what}: entry "${chosen.name}" is not a .tflite model (no TFL3 identifier)`);
  return model;
}
