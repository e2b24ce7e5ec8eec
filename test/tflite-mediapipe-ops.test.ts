// MediaPipe's custom ops of the attention face mesh, TransformTensorBilinear and Landmarks2TransformMatrix
// (version 2), on small .tflite models built here, CPU and WebGPU (Node/Dawn), against float64 forms written
// from MediaPipe's source (mediapipe/util/tflite/operations/*.cc): LiteRT.js's wasm build has no resolver for
// MediaPipe's custom ops ("Encountered unresolved custom op"), so these are the references.
// Tolerance: max |y − ref| ≤ 1e-4 · max(1, max |ref|).
import { describe, expect, it } from 'vitest';
import { encode } from 'flatbuffers/mjs/flexbuffers.js';
import { load } from '../src/model.js';
import { loadTflite } from '../src/tflite/import.js';
import { getTestDevice } from './support/gpu.js';
import { flexMap } from './support/flexbuffer.js';
import { buildTflite, type ModelSpec } from './support/tflite-build.js';

function rand(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

/** transform_tensor_bilinear.cc v2, in float64: x NHWC [1, H, W, C], m row-major 4×4. */
function transformTensorRef(x: ArrayLike<number>, [h, w, c]: number[], m: ArrayLike<number>, oh: number, ow: number): Float64Array {
  const xt = [m[0]!, m[1]!, m[2]!, m[3]!];
  const yt = [m[4]!, m[5]!, m[6]!, m[7]!];
  xt[3] += xt[0]! * 0.5 + xt[1]! * 0.5 - 0.5;
  yt[3] += yt[0]! * 0.5 + yt[1]! * 0.5 - 0.5;
  const out = new Float64Array(oh * ow * c);
  const read = (r: number, q: number, z: number) => (r < 0 || q < 0 || r >= h || q >= w ? 0 : x[(r * w + q) * c + z]!);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const tx = xt[0]! * ox + xt[1]! * oy + xt[3]!;
      const ty = yt[0]! * ox + yt[1]! * oy + yt[3]!;
      if (tx < 0 || tx > w - 1 || ty < 0 || ty > h - 1) continue;
      const [fx, fy] = [Math.floor(tx), Math.floor(ty)];
      const [rc, lc] = [tx - fx, ty - fy];
      for (let z = 0; z < c; z++) {
        const upper = (1 - rc) * read(fy, fx, z) + rc * read(fy, fx + 1, z);
        const lower = (1 - rc) * read(fy + 1, fx, z) + rc * read(fy + 1, fx + 1, z);
        out[(oy * ow + ox) * c + z] = lc * lower + (1 - lc) * upper;
      }
    }
  return out;
}

interface L2M {
  left_rotation_idx: number;
  right_rotation_idx: number;
  output_width: number;
  output_height: number;
  scale_x: number;
  scale_y: number;
  target_rotation_radians?: number;
  subset_idxs: number[];
}

type Mat = number[][];
const mul = (a: Mat, b: Mat): Mat => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const rot4 = (r: number): Mat => [[Math.cos(r), -Math.sin(r), 0, 0], [Math.sin(r), Math.cos(r), 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
const shift4 = (x: number, y: number): Mat => [[1, 0, 0, x], [0, 1, 0, y], [0, 0, 1, 0], [0, 0, 0, 1]];

/** landmarks_to_transform_matrix.cc v2 (atan2, explicit matrix products), in float64: landmarks [N, 3]. */
function landmarksToMatrixRef(l: ArrayLike<number>, p: L2M): number[] {
  const [lx, ly, rx, ry] = [l[p.left_rotation_idx * 3]!, l[p.left_rotation_idx * 3 + 1]!, l[p.right_rotation_idx * 3]!, l[p.right_rotation_idx * 3 + 1]!];
  const r = (p.target_rotation_radians ?? 0) - Math.atan2(ry - ly, rx - lx);
  const pts = p.subset_idxs.map((i) => [l[i * 3]!, l[i * 3 + 1]!]).map(([x, y]) => [Math.cos(r) * x! - Math.sin(r) * y!, Math.sin(r) * x! + Math.cos(r) * y!]);
  const [maxX, maxY, minX, minY] = [Math.max(...pts.map((q) => q[0]!)), Math.max(...pts.map((q) => q[1]!)), Math.min(...pts.map((q) => q[0]!)), Math.min(...pts.map((q) => q[1]!))];
  const [mx, my] = [(maxX + minX) / 2, (maxY + minY) / 2];
  const [cx, cy] = [Math.cos(-r) * mx - Math.sin(-r) * my, Math.sin(-r) * mx + Math.cos(-r) * my];
  const sx = (p.scale_x * (maxX - minX)) / p.output_width;
  const sy = (p.scale_y * (maxY - minY)) / p.output_height;
  const scale: Mat = [[sx, 0, 0, 0], [0, sy, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  return mul(mul(mul(shift4(cx, cy), rot4(-r)), scale), shift4(-p.output_width / 2, -p.output_height / 2)).flat();
}

function expectClose(got: Float32Array, ref: ArrayLike<number>, what: string): number {
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  expect(got.length, what).toBe(ref.length);
  expect(maxAbs, what).toBeLessThanOrEqual(1e-4 * Math.max(1, maxRef));
  return maxAbs;
}

const BACKENDS = ['cpu', 'webgpu'] as const;
const opts = async (backend: (typeof BACKENDS)[number]) => (backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });

/** A random affine sampling matrix (4×4, rows 0 and 1 used) mapping the output grid over and past the input. */
function samplingMatrix(seed: number, h: number, w: number, oh: number, ow: number): Float64Array {
  const r = rand(6, seed);
  const a = r[0]! * Math.PI;
  const s = (1 + 0.5 * r[1]!) * Math.max(h / oh, w / ow);
  const m = new Float64Array(16);
  [m[0], m[1], m[4], m[5]] = [s * Math.cos(a), -s * Math.sin(a) * (1 + 0.3 * r[2]!), s * Math.sin(a), s * Math.cos(a)];
  m[3] = w / 2 + r[3]! * w * 0.4 - (m[0]! * ow + m[1]! * oh) / 2;
  m[7] = h / 2 + r[4]! * h * 0.4 - (m[4]! * ow + m[5]! * oh) / 2;
  [m[10], m[15]] = [1, 1];
  m[2] = r[5]!; // column 2 is multiplied by z = 0: any value must be ignored
  return m;
}

describe('TransformTensorBilinear (version 2)', () => {
  const cases: [number, number, number, number, number][] = [
    // [H, W, C, outH, outW]
    [48, 48, 32, 16, 16],
    [7, 11, 5, 6, 9],
    [13, 4, 1, 17, 3],
    [1, 9, 3, 2, 2],
    [9, 10, 33, 1, 1],
  ];
  for (const [h, w, c, oh, ow] of cases) {
    it(`[1, ${h}, ${w}, ${c}] → [1, ${oh}, ${ow}, ${c}], matrices that sample in and past the edges (CPU and WebGPU)`, async () => {
      const spec: ModelSpec = {
        tensors: [{ name: 'x', shape: [1, h, w, c] }, { name: 'm', shape: [1, 4, 4] }, { name: 'y', shape: [1, oh, ow, c] }],
        ops: [{ op: 'TransformTensorBilinear', inputs: [0, 1], outputs: [2], version: 2, custom: encode({ output_height: oh, output_width: ow }) }],
        inputs: [0, 1],
        outputs: [2],
      };
      const x = Float32Array.from(rand(h * w * c, h * 131 + w));
      for (const backend of BACKENDS) {
        const model = await load(buildTflite(spec), await opts(backend));
        try {
          for (let k = 0; k < 3; k++) {
            const m = Float32Array.from(samplingMatrix(h * 7 + w * 3 + c + k, h, w, oh, ow));
            const y = (await model.run({ x: { shape: [1, h, w, c], data: x }, m: { shape: [1, 4, 4], data: m } })).get('y')!;
            expect(y.shape).toEqual([1, oh, ow, c]);
            expectClose(y.data, transformTensorRef(x, [h, w, c], m, oh, ow), `${backend} matrix ${k}`);
          }
          // the identity samples pixel centres exactly: the output is the input's top-left corner
          const id = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
          const y = (await model.run({ x: { shape: [1, h, w, c], data: x }, m: { shape: [1, 4, 4], data: id } })).get('y')!;
          expectClose(y.data, transformTensorRef(x, [h, w, c], id, oh, ow), `${backend} identity`);
        } finally {
          model.dispose();
        }
      }
    }, 120_000);
  }

  it('refuses version 1, missing options and a non-4-D input with typed errors', () => {
    const spec = (version: number, custom: Uint8Array, xShape = [1, 4, 4, 2]): ModelSpec => ({
      tensors: [{ name: 'x', shape: xShape }, { name: 'm', shape: [1, 4, 4] }, { name: 'y', shape: [1, 2, 2, 2] }],
      ops: [{ op: 'TransformTensorBilinear', inputs: [0, 1], outputs: [2], version, custom }],
      inputs: [0, 1],
      outputs: [2],
    });
    expect(() => loadTflite(buildTflite(spec(1, encode({ output_height: 2, output_width: 2 }))))).toThrow(/TransformTensorBilinear.*version 1 is not supported/);
    expect(() => loadTflite(buildTflite(spec(2, encode({ output_height: 2 }))))).toThrow(/TransformTensorBilinear.*output_width is missing/);
    expect(() => loadTflite(buildTflite(spec(2, new Uint8Array([7, 1, 200]))))).toThrow(/TransformTensorBilinear.*(flexbuffer|output_height)/);
    expect(() => loadTflite(buildTflite(spec(2, encode({ output_height: 2, output_width: 2 }), [4, 4, 2])))).toThrow(/TransformTensorBilinear.*must be 4-D/);
  });
});

describe('Landmarks2TransformMatrix (version 2)', () => {
  const mesh: L2M = {
    left_rotation_idx: 61, right_rotation_idx: 291, output_width: 16, output_height: 16, scale_x: 1.5, scale_y: 1.5,
    subset_idxs: [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0],
  };
  const cases: [string, number, L2M][] = [
    ['the face mesh lips crop (N = 468)', 468, mesh],
    ['odd subset, target rotation 0.6875, non-square output, unequal scales (N = 13)', 13, {
      left_rotation_idx: 12, right_rotation_idx: 3, output_width: 24, output_height: 10, scale_x: 2.25, scale_y: 0.75,
      target_rotation_radians: 0.6875, subset_idxs: [0, 5, 12, 3, 7, 7, 9, 1, 11],
    }],
    ['one landmark pair, target −1.5 (N = 2)', 2, {
      left_rotation_idx: 0, right_rotation_idx: 1, output_width: 5, output_height: 7, scale_x: 1, scale_y: 3,
      target_rotation_radians: -1.5, subset_idxs: [0, 1],
    }],
  ];
  for (const [what, n, p] of cases) {
    it(`${what} (CPU and WebGPU)`, async () => {
      const spec: ModelSpec = {
        tensors: [{ name: 'l', shape: [1, n, 3] }, { name: 'm', shape: [1, 4, 4] }],
        ops: [{ op: 'Landmarks2TransformMatrix', inputs: [0], outputs: [1], version: 2, custom: encode(p) }],
        inputs: [0],
        outputs: [1],
      };
      for (const backend of BACKENDS) {
        const model = await load(buildTflite(spec), await opts(backend));
        try {
          for (let k = 0; k < 3; k++) {
            // landmarks in pixels of a 192-pixel crop, the left–right pair in any direction
            const l = Float32Array.from(rand(n * 3, n * 17 + k * 5 + p.subset_idxs.length), (v) => 96 + 90 * v);
            const m = (await model.run({ l: { shape: [1, n, 3], data: l } })).get('m')!;
            expect(m.shape).toEqual([1, 4, 4]);
            expectClose(m.data, landmarksToMatrixRef(l, p), `${backend} landmarks ${k}`);
          }
        } finally {
          model.dispose();
        }
      }
    }, 120_000);
  }

  it('refuses an out-of-range landmark index and a missing scale with typed errors', () => {
    const spec = (p: Partial<L2M>): ModelSpec => ({
      tensors: [{ name: 'l', shape: [1, 10, 3] }, { name: 'm', shape: [1, 4, 4] }],
      ops: [{ op: 'Landmarks2TransformMatrix', inputs: [0], outputs: [1], version: 2, custom: encode(p) }],
      inputs: [0],
      outputs: [1],
    });
    const ok = { left_rotation_idx: 0, right_rotation_idx: 1, output_width: 4, output_height: 4, scale_x: 1, scale_y: 1, subset_idxs: [0, 1] };
    expect(() => loadTflite(buildTflite(spec({ ...ok, subset_idxs: [0, 10] })))).toThrow(/Landmarks2TransformMatrix.*subset_idxs\[1\] = 10 is not a landmark index in \[0, 10\)/);
    const { scale_y: _, ...noScaleY } = ok;
    expect(() => loadTflite(buildTflite(spec(noScaleY)))).toThrow(/Landmarks2TransformMatrix.*scale_y is missing/);
  });

  it('reads options written with every value, length and offset 1, 2, 4 or 8 bytes wide, 64-bit floats included (CPU)', async () => {
    const p: L2M = { left_rotation_idx: 7, right_rotation_idx: 2, output_width: 9, output_height: 6, scale_x: 1.1, scale_y: 0.7, target_rotation_radians: 0.3, subset_idxs: [0, 2, 4, 7, 8] };
    const n = 10;
    const floats = { scale_x: { float: p.scale_x }, scale_y: { float: p.scale_y }, target_rotation_radians: { float: p.target_rotation_radians! } };
    const writers: [string, Uint8Array][] = [
      // the flatbuffers package's writer: 1.1 needs 64 bits, so every value and offset of the map is 8 bytes wide
      ['flatbuffers encode', encode(p)],
      ...([1, 2, 4, 8] as const).map((w): [string, Uint8Array] => [`width ${w}`, flexMap({ ...p, ...floats }, w)]),
    ];
    const l = Float32Array.from(rand(n * 3, 99), (v) => 96 + 90 * v);
    for (const [what, custom] of writers) {
      const spec: ModelSpec = {
        tensors: [{ name: 'l', shape: [1, n, 3] }, { name: 'm', shape: [1, 4, 4] }],
        ops: [{ op: 'Landmarks2TransformMatrix', inputs: [0], outputs: [1], version: 2, custom }],
        inputs: [0],
        outputs: [1],
      };
      const model = await load(buildTflite(spec), { backend: 'cpu' });
      try {
        const m = (await model.run({ l: { shape: [1, n, 3], data: l } })).get('m')!;
        // float32 options (width 1, 2, 4) round the scales and the angle: compare with the reference on the same values
        const f = (v: number) => (what === 'width 8' || what === 'flatbuffers encode' ? v : Math.fround(v));
        expectClose(m.data, landmarksToMatrixRef(l, { ...p, scale_x: f(p.scale_x), scale_y: f(p.scale_y), target_rotation_radians: f(p.target_rotation_radians!) }), what);
      } finally {
        model.dispose();
      }
    }
    // 64-bit integers read as numbers: output sizes past 2^32 reach the shape check as themselves
    const big = flexMap({ output_height: 2 ** 33, output_width: 4 }, 8);
    const tspec: ModelSpec = {
      tensors: [{ name: 'x', shape: [1, 4, 4, 2] }, { name: 'm', shape: [1, 4, 4] }, { name: 'y', shape: [1, 4, 4, 2] }],
      ops: [{ op: 'TransformTensorBilinear', inputs: [0, 1], outputs: [2], version: 2, custom: big }],
      inputs: [0, 1],
      outputs: [2],
    };
    expect(() => loadTflite(buildTflite(tspec))).toThrow(/TransformTensorBilinear.*8589934592/);
  });
});
