/**
 * .task bundle (zip) fuzzer. Mutates zips of the TFLite fuzzer's small seed models (stored and deflated, with a
 * metadata entry beside them): the zip records' fields (declared and compressed sizes, local offsets, entry
 * count, directory size and offset, method, flags, name lengths, CRCs) set to edge values, and byte-level edits
 * (bit flips, truncation, insertions). Each case opens the bundle as load() does (tfliteFromTask), and when a model
 * comes out runs it like a TFLite fuzz case. Every case must end in a model or a SepconvError, in bounded time and
 * memory (a declared size never drives an allocation past what the data inflates to).
 *
 *   FUZZ_CASES=10000 npx vitest run test/zip-fuzz.test.ts     (npm run fuzz runs it beside the other fuzzers)
 */
import { tfliteFromTask } from '../src/task-bundle.js';
import { SepconvError } from '../src/errors.js';
import { buildZip, type ZipLayout } from '../test/support/zip-build.js';
import { applyByteMutators, int, pick, memNow, newReport, pickSeed, recordCase, rng, type CaseResult, type FuzzReport, type Seed } from './fuzz-onnx.js';
import { runTfliteCase, tfliteSeeds } from './fuzz-tflite.js';

type Rand = () => number;

export interface ZipSeed extends Seed {
  layout: ZipLayout;
}

/** Bundles of the TFLite seeds: one model stored, one deflated, and one with two models (entry named). */
export function zipSeeds(root: string): ZipSeed[] {
  const [a, b] = tfliteSeeds(root, false);
  const meta = { name: 'metadata.json', data: new TextEncoder().encode('{"labels": ["a", "b"]}') };
  const seeds: [string, ZipLayout][] = [
    ['stored', buildZip([meta, { name: 'model.tflite', data: a!.bytes }])],
    ['deflated', buildZip([{ name: 'model.tflite', data: b!.bytes, method: 'deflate' }, { ...meta, method: 'deflate' }])],
    ['two-models', buildZip([{ name: 'model.tflite', data: a!.bytes, method: 'deflate' }, { name: 'other.tflite', data: b!.bytes }, meta])],
  ];
  return seeds.map(([name, layout]) => ({ name, layout, bytes: layout.bytes }));
}

const EDGE = [0, 1, 2, 30, 46, 0xffff, 0x7fffffff, 0xffffffff, 2 ** 24, 2 ** 30];
const value = (r: Rand, old: number) => (r() < 0.4 ? pick(r, EDGE) : Math.max(0, old + int(r, 201) - 100));

/** Field offsets (from the record's start) and widths, per zip record. */
const CENTRAL_FIELDS: [number, 2 | 4][] = [[8, 2], [10, 2], [16, 4], [20, 4], [24, 4], [28, 2], [30, 2], [32, 2], [42, 4]];
const LOCAL_FIELDS: [number, 2 | 4][] = [[0, 4], [8, 2], [18, 4], [22, 4], [26, 2], [28, 2]];
const EOCD_FIELDS: [number, 2 | 4][] = [[4, 2], [8, 2], [10, 2], [12, 4], [16, 4], [20, 2]];

function setField(b: Uint8Array, at: number, width: 2 | 4, r: Rand): void {
  if (at + width > b.length) return;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const old = width === 2 ? v.getUint16(at, true) : v.getUint32(at, true);
  const x = value(r, old);
  if (width === 2) v.setUint16(at, x & 0xffff, true);
  else v.setUint32(at, x >>> 0, true);
}

type ZipMutator = (b: Uint8Array, z: ZipLayout, r: Rand) => void;
const ZIP_MUTATORS: Record<string, ZipMutator> = {
  central(b, z, r) {
    const [o, w] = pick(r, CENTRAL_FIELDS);
    setField(b, pick(r, z.entries).central + o, w, r);
  },
  local(b, z, r) {
    const [o, w] = pick(r, LOCAL_FIELDS);
    setField(b, pick(r, z.entries).local + o, w, r);
  },
  endRecord(b, z, r) {
    const [o, w] = pick(r, EOCD_FIELDS);
    setField(b, z.eocd + o, w, r);
  },
  /** Two directory records pointing at one local header (overlapping entries). */
  overlap(b, z, r) {
    const [x, y] = [pick(r, z.entries), pick(r, z.entries)];
    b.copyWithin(y.central + 42, x.central + 42, x.central + 46);
  },
  entryData(b, z, r) {
    const e = pick(r, z.entries);
    const n = 1 + int(r, 8);
    for (let i = 0; i < n; i++) {
      const at = e.local + 30 + int(r, 256);
      if (at < z.cdOffset) b[at] = int(r, 256);
    }
  },
};

/** One mutant: 1–3 zip-field edits (60%), 1–3 byte-level ones (30%), or both (10%). */
export function mutateZip(seed: ZipSeed, r: Rand): { bytes: Uint8Array; mutators: string[] } {
  const used: string[] = [];
  let bytes: Uint8Array = seed.bytes.slice();
  const mode = r();
  if (mode < 0.7) {
    const k = 1 + int(r, 3);
    for (let i = 0; i < k; i++) {
      const name = pick(r, Object.keys(ZIP_MUTATORS));
      ZIP_MUTATORS[name]!(bytes, seed.layout, r);
      used.push(name);
    }
  }
  if (mode >= 0.6) {
    bytes = applyByteMutators(bytes, r, used);
  }
  return { bytes, mutators: used };
}

/** Opens a mutant as load() does; a model that comes out is run as a TFLite fuzz case. */
export async function runZipCase(bytes: Uint8Array, r: Rand): Promise<CaseResult> {
  const mem0 = memNow();
  const t0 = performance.now();
  let model: Uint8Array;
  try {
    model = await tfliteFromTask(bytes, r() < 0.5 ? 'model.tflite' : undefined);
  } catch (e) {
    const base = { loadMs: performance.now() - t0, runMs: 0, memDelta: memNow() - mem0 };
    return e instanceof SepconvError ? { outcome: 'rejected-load', code: e.code, ...base } : { outcome: 'FAILED', error: e, ...base };
  }
  const openMs = performance.now() - t0;
  const res = runTfliteCase(model, r);
  return { ...res, loadMs: res.loadMs + openMs, memDelta: memNow() - mem0 };
}

export async function fuzzZip(opts: { seeds: readonly ZipSeed[]; cases: number; seed?: number }): Promise<FuzzReport> {
  const r = rng(opts.seed ?? 1);
  const rep = newReport();
  const start = performance.now();
  for (let k = 0; k < opts.cases; k++) {
    const seed = pickSeed(opts.seeds, r) as ZipSeed;
    const { bytes, mutators } = mutateZip(seed, r);
    recordCase(rep, k, { seed: seed.name, mutators, bytes }, await runZipCase(bytes, r));
  }
  rep.totalMs = performance.now() - start;
  return rep;
}
