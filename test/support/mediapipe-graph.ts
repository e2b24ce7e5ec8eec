// MediaPipe's shipped graphs, read without a schema (@mediapipe/pose by default, or @mediapipe/hands): pose_web.binarypb is the top
// CalculatorGraphConfig, and its wasm embeds each registered subgraph (PoseDetectionGpu, PoseLandmarkByRoiGpu, …) as
// a serialized CalculatorGraphConfig ending in its `type` (field 20). Options are read by extension field number.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { DetectorParams } from '../../src/tasks/params.js';

const dir = (pkg: string) => fileURLToPath(new URL(`../../node_modules/@mediapipe/${pkg}/`, import.meta.url));

/** One protobuf field: a varint, a fixed32 (as float and bits), a printable string or a nested message. */
export interface Field { f: number; v?: number; float?: number; s?: string; sub?: Field[] }

class Malformed extends Error {}

function varint(b: Uint8Array, i: number): [number, number] {
  let [r, m] = [0, 1];
  for (;;) {
    const x = b[i++];
    if (x === undefined || m > 2 ** 56) throw new Malformed();
    r += (x & 0x7f) * m;
    m *= 128;
    if (!(x & 0x80)) return [r, i];
  }
}

/** Strict: the bytes [lo, hi) must be exactly a message, or this throws. */
function parse(b: Uint8Array, lo: number, hi: number): Field[] {
  const out: Field[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = lo;
  while (i < hi) {
    let tag: number;
    [tag, i] = varint(b, i);
    const [f, wt] = [Math.floor(tag / 8), tag & 7];
    if (f === 0) throw new Malformed();
    if (wt === 0) {
      let v: number;
      [v, i] = varint(b, i);
      out.push({ f, v });
    } else if (wt === 5) {
      if (i + 4 > hi) throw new Malformed();
      out.push({ f, float: dv.getFloat32(i, true) });
      i += 4;
    } else if (wt === 1) {
      if (i + 8 > hi) throw new Malformed();
      out.push({ f, float: dv.getFloat64(i, true) });
      i += 8;
    } else if (wt === 2) {
      let n: number;
      [n, i] = varint(b, i);
      if (i + n > hi) throw new Malformed();
      const bytes = b.subarray(i, i + n);
      const text = n > 0 && bytes.every((c) => c >= 0x20 && c <= 0x7e) ? new TextDecoder().decode(bytes) : undefined;
      let sub: Field[] | undefined;
      if (text === undefined)
        try {
          sub = parse(b, i, i + n);
        } catch (e) {
          if (!(e instanceof Malformed)) throw e;
        }
      out.push({ f, s: text, sub });
      i += n;
    } else throw new Malformed();
  }
  if (i !== hi) throw new Malformed();
  return out;
}

export const topGraph = (pkg = 'pose', file = 'pose_web.binarypb'): Field[] => {
  const b = new Uint8Array(readFileSync(dir(pkg) + file));
  return parse(b, 0, b.length);
};

/** The subgraph `type` registered in the wasm: the longest strict parse ending at `type: "<name>"` that holds nodes. */
export function subgraph(type: string, pkg = 'pose'): Field[] {
  const wasm = new Uint8Array(readFileSync(`${dir(pkg)}${pkg}_solution_simd_wasm_bin.wasm`));
  const name = new TextEncoder().encode(type);
  const found: Field[][] = [];
  for (let pos = indexOf(wasm, name, 0); pos >= 0; pos = indexOf(wasm, name, pos + 1)) {
    if (wasm[pos - 1] !== name.length || wasm[pos - 2] !== 0x01 || wasm[pos - 3] !== 0xa2) continue;
    const end = pos + name.length;
    let best: Field[] | undefined;
    for (let s = end - 3; s > Math.max(0, end - 20000); s--) {
      if (wasm[s] !== 0x0a) continue;
      try {
        const m = parse(wasm, s, end);
        if (m.some((e) => e.f === 1 && e.sub)) best = m;
      } catch (e) {
        if (!(e instanceof Malformed)) throw e;
      }
    }
    if (best) found.push(best);
  }
  if (found.length !== 1) throw new Error(`subgraph ${type}: ${found.length} serialized configs in the wasm, expected 1`);
  return found[0]!;
}

function indexOf(h: Uint8Array, n: Uint8Array, from: number): number {
  outer: for (let i = from; i <= h.length - n.length; i++) {
    for (let j = 0; j < n.length; j++) if (h[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}

/** The options (CalculatorOptions extension `ext`) of the graph's nodes running `calculator`, in graph order. */
export function nodeOptions(graph: Field[], calculator: string, ext: number): Field[][] {
  return graph
    .filter((n) => n.f === 1 && n.sub?.some((e) => e.f === 2 && e.s === calculator))
    .map((n) => n.sub!.find((e) => e.f === 7)?.sub?.find((e) => e.f === ext)?.sub ?? []);
}

/** The value(s) of field `f`: numbers (varint or float), strings, or nested messages. */
export const values = (m: Field[], f: number) => m.filter((e) => e.f === f).map((e) => e.v ?? e.float ?? e.s ?? e.sub);
export const value = (m: Field[], f: number) => values(m, f)[0];

/** CalculatorOptions extension numbers (the `ext` fields of the options protos). */
export const EXT = {
  imageToTensor: 334361939,
  ssdAnchors: 247258239,
  tensorsToDetections: 335742639,
  nms: 55383100,
  detectionsToRects: 262691807,
  alignmentPointsRects: 262691807,
  rectTransformation: 262226312,
  tensorsToLandmarks: 335742640,
  tensorsToClassification: 335742638,
  refineFromHeatmap: 362281653,
  thresholding: 259990498,
  splitVector: 259438222,
  constantSidePacket: 291214597,
};

/** The options of the first node running `calc`; there must be one. */
export function firstOptions(graph: Field[], calc: string, ext: number): Field[] {
  const all = nodeOptions(graph, calc, ext);
  expect(all.length, `${calc} nodes`).toBeGreaterThan(0);
  return all[0]!;
}

const f32 = (x: number) => Math.fround(x);

/** A BlazeFace-family detection subgraph against its params: ImageToTensor (zero border), SsdAnchors, TensorsToDetections, weighted NMS. */
export function expectDetectorGraph(g: Field[], d: DetectorParams): void {
  const it2t = firstOptions(g, 'ImageToTensorCalculator', EXT.imageToTensor);
  // keep_aspect_ratio (3), border_mode (6) BORDER_ZERO = 1
  expect([value(it2t, 1), value(it2t, 2), value(it2t, 3), value(it2t, 6)]).toEqual([d.anchors.inputWidth, d.anchors.inputHeight, d.resize === 'letterbox' ? 1 : 0, 1]);
  const range = value(it2t, 4) as Field[];
  expect([value(range, 1) ?? 0, value(range, 2)]).toEqual([...d.range]);
  const a = firstOptions(g, 'SsdAnchorsCalculator', EXT.ssdAnchors);
  expect([1, 2, 3, 4, 5, 6].map((f) => value(a, f))).toEqual([d.anchors.inputWidth, d.anchors.inputHeight, f32(d.anchors.minScale), f32(d.anchors.maxScale), d.anchors.anchorOffsetX, d.anchors.anchorOffsetY]);
  expect(values(a, 10)).toEqual([...d.anchors.strides]);
  expect(value(a, 7)).toBe(d.anchors.strides.length);
  expect(values(a, 11)).toEqual([...d.anchors.aspectRatios]);
  // interpolated_scale_aspect_ratio (13) unset: its default 1.0
  expect([value(a, 13) ?? 1, value(a, 14) === 1]).toEqual([d.anchors.interpolatedScaleAspectRatio, d.anchors.fixedAnchorSize]);
  const t = firstOptions(g, 'TensorsToDetectionsCalculator', EXT.tensorsToDetections);
  const dec = d.decode;
  expect([2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 16, 19].map((f) => value(t, f) ?? 0)).toEqual(
    [dec.numBoxes, dec.numCoords, dec.xScale, dec.yScale, dec.wScale, dec.hScale, dec.keypointCoordOffset, dec.numKeypoints, dec.numValuesPerKeypoint, dec.boxCoordOffset, dec.scoreClippingThresh, dec.minScoreThresh]);
  // reverse_output_order (14) and sigmoid_score (15) set
  expect([value(t, 14), value(t, 15)]).toEqual([1, 1]);
  const nms = firstOptions(g, 'NonMaxSuppressionCalculator', EXT.nms);
  // min_suppression_threshold, overlap_type INTERSECTION_OVER_UNION (3), algorithm WEIGHTED (1)
  expect([value(nms, 3), value(nms, 4), value(nms, 7)]).toEqual([f32(d.nmsIou), 3, 1]);
}
