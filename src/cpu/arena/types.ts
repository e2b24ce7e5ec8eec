/**
 * What the CPU engine's planner (plan.ts) and its op kernels (ops/*.ts, registered in kernels.ts) agree on.
 *
 * Every float tensor lives at a byte offset in one wasm memory (the arena). A 4-D tensor of logical shape
 * [N, C, H, W] is stored either NHWC ('nhwc') or row-major ('plain'); every other rank is plain. The planner gives
 * each op its inputs in the layouts it asks for (inserting conversions), packs constants at load, and replays the
 * calls each op's `build` returned at every run.
 */
import type { ResolvedNode } from '../../graph/resolve.js';
import type { FusedActivation } from '../../ops/activation.js';

export type Layout = 'nhwc' | 'plain';

export interface Slot {
  /** Byte offset in the arena (16-aligned); 16 readable bytes follow the tensor's end. */
  offset: number;
  /** Logical shape (the graph's: NCHW for 4-D). */
  shape: readonly number[];
  layout: Layout;
}

/** One wasm call a step makes at every run. */
export interface Call {
  /** The kernel module's export. */
  fn: string;
  /** i32 (byte offsets, sizes) or f32 arguments, as the export declares them. */
  args: number[];
  /**
   * The call computes `tiles` independent work units (rows, channel blocks…): the export takes two more i32
   * arguments, the first and one past the last unit, and a team of threads splits [0, tiles) among its members.
   * Results must be bitwise the same however the range is split.
   */
  tiles?: number;
  /** Argument `arg` is scratch of `bytes` each thread needs for itself (the planner gives each thread its own). */
  scratch?: { arg: number; bytes: number };
}

/** What a kernel's builder sees of one node while the planner compiles it (once, at load). */
export interface BuildCtx {
  readonly node: ResolvedNode;
  /** Input i as the arena holds it (in the layout `layouts` asked for); undefined for a constant or absent input. */
  input(i: number): Slot | undefined;
  output(i: number): Slot;
  /** A constant input's values (logical layout, row-major; integers as floats), e.g. weights; undefined when not constant. */
  constant(i: number): Float32Array | undefined;
  /** Copies `data` (packed by the builder as its kernel wants) into the read-only region; its byte offset. */
  weights(data: Float32Array): number;
}

export interface ArenaKernel {
  /**
   * The layouts this op takes its non-constant float inputs in (undefined: no such input, or any layout) and gives
   * its outputs in, given the layouts its inputs have now (undefined for constants); undefined when this node
   * cannot run here (the planner runs the op's reference kernel in JavaScript instead). `wanted` says which layout
   * the planner would rather have an output in (a graph output no node reads: 'plain'); a kernel may ignore it.
   */
  layouts(
    rn: ResolvedNode, have: readonly (Layout | undefined)[], wanted?: readonly (Layout | undefined)[],
  ): { inputs: (Layout | undefined)[]; outputs: Layout[] } | undefined;
  build(ctx: BuildCtx): Call[];
}

/** Physical shape of a slot: [N, H, W, C] for nhwc, the logical shape for plain. */
export function physical(s: Pick<Slot, 'shape' | 'layout'>): number[] {
  const d = s.shape;
  return s.layout === 'nhwc' ? [d[0]!, d[2]!, d[3]!, d[1]!] : [...d];
}

/** The (kind, a, b) triple the kernels' act4() in c/sc.h reads for a fused activation. */
export function actArgs(act: FusedActivation | undefined): [number, number, number] {
  switch (act?.kind ?? 'none') {
    case 'none': return [0, -Infinity, Infinity];
    case 'relu': return [0, 0, Infinity];
    case 'clip': { const a = act as { min: number; max: number }; return [0, a.min, a.max]; }
    case 'sigmoid': return [1, 0, 0];
    case 'hardsigmoid': { const a = act as { alpha: number; beta: number }; return [2, a.alpha, a.beta]; }
    case 'hardswish': return [3, (act as { gain?: number }).gain ?? 1, 0];
  }
  throw new Error(`unknown activation ${JSON.stringify(act)}`);
}
