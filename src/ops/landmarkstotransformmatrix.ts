import type { Value } from '../graph/ir.js';
import { shapeStr } from '../tensor.js';
import { asFloat, defineOp } from './types.js';

export interface LandmarksToMatrixAttrs {
  left: number;
  right: number;
  /** cos and sin of target_rotation_radians. */
  cosT: number;
  sinT: number;
  /** scale_x / output_width, scale_y / output_height. */
  kx: number;
  ky: number;
  /** The −output_width/2, −output_height/2 shift. */
  hx: number;
  hy: number;
  /** Landmark indices whose rotated bounding box sets the crop. */
  subset: number[];
}

/**
 * MediaPipe's Landmarks2TransformMatrix (version 2, mediapipe/util/tflite/operations/landmarks_to_transform_matrix.cc):
 * from landmarks [1, N, 3], the 4×4 matrix (row-major, [1, 4, 4]) that maps a crop's pixels to the landmarks'
 * space: rotation r = target − atan2(y_R − y_L, x_R − x_L); the subset rotated by r, its bounding box's centre
 * rotated back is the crop centre; t = shift(centre) · rot(−r) · scale(scale·box / output size) · shift(−output / 2).
 * Written in closed form: cos/sin of r from the left–right vector without trigonometry.
 */
export const Landmarks2TransformMatrix = defineOp<LandmarksToMatrixAttrs>({
  op: 'Landmarks2TransformMatrix',
  parse(ctx) {
    const ls = ctx.shape(0);
    if (ls.length !== 3 || ls[0] !== 1 || ls[2]! < 2) throw ctx.error(`landmarks ${shapeStr(ls)} must be [1, N, ≥ 2]`);
    const n = ls[1]!;
    const left = ctx.int('left_rotation_idx', -1)!;
    const right = ctx.int('right_rotation_idx', -1)!;
    const subset = ctx.ints('subset_idxs', [])!;
    const outW = ctx.int('output_width', 0)!;
    const outH = ctx.int('output_height', 0)!;
    const sx = ctx.float('scale_x', 0)!;
    const sy = ctx.float('scale_y', 0)!;
    const t = ctx.float('target_rotation_radians', 0)!;
    for (const [what, i] of [['left_rotation_idx', left], ['right_rotation_idx', right], ...subset.map((v, k) => [`subset_idxs[${k}]`, v] as const)] as const)
      if (!(Number.isInteger(i) && i >= 0 && i < n)) throw ctx.error(`${what} = ${i} is not a landmark index in [0, ${n})`);
    if (subset.length === 0) throw ctx.error('subset_idxs is empty');
    if (!(outW > 0 && outH > 0 && sx > 0 && sy > 0 && Number.isFinite(t)))
      throw ctx.error(`output ${outW}×${outH}, scale ${sx}×${sy} must be positive and target_rotation_radians (${t}) finite`);
    return { left, right, cosT: Math.cos(t), sinT: Math.sin(t), kx: sx / outW, ky: sy / outH, hx: -outW / 2, hy: -outH / 2, subset };
  },
  outputShapes: () => [[1, 4, 4]],
  reference(inputs: readonly Value[], a) {
    const l = asFloat(inputs[0]);
    const d = l.shape[2]!;
    const px = (i: number) => l.data[i * d]!;
    const py = (i: number) => l.data[i * d + 1]!;
    const dx = px(a.right) - px(a.left);
    const dy = py(a.right) - py(a.left);
    const len = Math.hypot(dx, dy);
    const [ca, sa] = len > 0 ? [dx / len, dy / len] : [1, 0];
    // r = target − atan2(dy, dx)
    const c = a.cosT * ca + a.sinT * sa;
    const s = a.sinT * ca - a.cosT * sa;
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const i of a.subset) {
      const rx = c * px(i) - s * py(i);
      const ry = s * px(i) + c * py(i);
      [minX, maxX, minY, maxY] = [Math.min(minX, rx), Math.max(maxX, rx), Math.min(minY, ry), Math.max(maxY, ry)];
    }
    const mx = (minX + maxX) / 2;
    const my = (minY + maxY) / 2;
    const cx = c * mx + s * my;
    const cy = -s * mx + c * my;
    const scx = a.kx * (maxX - minX);
    const scy = a.ky * (maxY - minY);
    // rot(−r) = [[c, s], [−s, c]]
    const m = [c * scx, s * scy, 0, c * scx * a.hx + s * scy * a.hy + cx, -s * scx, c * scy, 0, -s * scx * a.hx + c * scy * a.hy + cy, 0, 0, 1, 0, 0, 0, 0, 1];
    return [{ shape: [1, 4, 4], data: Float32Array.from(m) }];
  },
});
