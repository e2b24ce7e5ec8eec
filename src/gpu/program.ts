import { GpuError } from '../errors.js';
import type { Value } from '../graph/ir.js';
import type { ResolvedNode } from '../graph/resolve.js';
import type { ElemStorage, HalfIo } from './elem-storage.js';
import type { AdapterSummary } from './device.js';
import type { ParamsLayout } from './params.js';
import { PipelineCache, type Constants } from './pipelines.js';
import type { ShaderDef } from './shader.js';
import type { KernelVariant } from './variant.js';

/** What a dispatch binds at @group(0) @binding(i): a runtime tensor of the node, or a buffer the node owns. */
export type BindingRef =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'output'; readonly index: number }
  | { readonly kind: 'buffer'; readonly buffer: GPUBuffer }
  /**
   * Made when a bind group first binds it (GpuBuildCtx.scratch, lazyConstBuffer): a GpuNodeProgram.later's when it is
   * swapped in (made at load, the conv3x3 bench's 19 MB of Winograd scratch cost ~35 ms of its first result on
   * SwiftShader, packing its Winograd weights ~7 ms before the first pipeline compile starts).
   */
  | { readonly kind: 'lazy'; readonly buffer: () => GPUBuffer };

export interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  /** bindings[i] is bound at @binding(i). */
  readonly bindings: readonly BindingRef[];
  readonly workgroups: readonly [number, number, number];
  readonly label: string;
  /**
   * A faster pipeline for the same bindings and grid whose compile would hold up the first result: the executor
   * runs `pipeline` first, starts this after the model's first call and swaps it in once compiled.
   */
  readonly upgrade?: () => Promise<GPUComputePipeline>;
  /** Pipelines this dispatch does not run but later layers or models may (the cache keeps them), compiled after the first call. */
  readonly warm?: () => Promise<unknown>;
}

/** A dispatch of GpuNodeProgram.later: its pipeline is compiled only when the executor's upgrades start. */
export interface LaterDispatch extends Omit<Dispatch, 'pipeline' | 'upgrade'> {
  readonly request: PipelineRequest;
}

/** Everything a node does at run time: fixed at compile time, replayed on every run. */
export interface GpuNodeProgram {
  readonly dispatches: readonly Dispatch[];
  /**
   * What replaces all of `dispatches` once its pipelines have compiled (the executor's upgrades, after a model's
   * first calls): a faster algorithm whose pipelines would hold up the first result, e.g. Winograd after the direct
   * conv. Its uniforms and constants are made at build, like the first dispatches'; its scratch when it is swapped
   * in.
   */
  readonly later?: readonly LaterDispatch[];
}

/** `later` as ready dispatches when the cache has all its pipelines (an earlier node or model compiled them), else undefined. */
export function laterIfCached(ctx: GpuBuildCtx, later: readonly LaterDispatch[]): Promise<Dispatch[]> | undefined {
  return later.every((d) => ctx.pipelines.has(...d.request)) ? compileLater(ctx.pipelines, later) : undefined;
}

/** `later` as ready dispatches, their pipelines compiled now. */
export function compileLater(pipelines: PipelineCache, later: readonly LaterDispatch[]): Promise<Dispatch[]> {
  return Promise.all(later.map(async ({ request, warm: _, ...d }) => ({ ...d, pipeline: await pipelines.get(...request) })));
}

/** A dispatch with the pipeline it runs. */
export type ReadyDispatch = Pick<Dispatch, 'pipeline' | 'bindings' | 'workgroups' | 'label'>;

/**
 * What a node runs alone (kernel tests, the validation harness): its first call's dispatches, or with `upgraded`
 * what the executor runs once the upgrades are in (`later`, else each dispatch's upgrade).
 */
export async function readyDispatches(prog: GpuNodeProgram, pipelines: PipelineCache, upgraded: boolean): Promise<ReadyDispatch[]> {
  if (upgraded && prog.later) return compileLater(pipelines, prog.later);
  return Promise.all(prog.dispatches.map(async (d) => ({ ...d, pipeline: upgraded && d.upgrade ? await d.upgrade() : d.pipeline })));
}

/** Services the executor gives a GPU program while the model is compiled. */
export interface GpuBuildCtx {
  readonly device: GPUDevice;
  readonly info: AdapterSummary;
  readonly limits: Readonly<Record<string, number>>;
  readonly pipelines: PipelineCache;
  /** Weights of the hardware-path GEMM / depthwise kernels are stored as f16 (weightsF16(), src/gpu/precision.ts). */
  readonly weightsF16?: boolean;
  pipeline(def: ShaderDef, constants?: Constants): Promise<GPUComputePipeline>;
  /** Uploads constant data (weights, packed in whatever order the kernel wants) once; owned by the model. */
  constBuffer(data: Float32Array | Uint32Array, label: string): BindingRef;
  /** constBuffer(data()), packed and uploaded when a bind group first binds it (a GpuNodeProgram.later's weights). */
  lazyConstBuffer(data: () => Float32Array | Uint32Array, label: string): BindingRef;
  /** Creates and fills a params uniform from its declared layout. */
  uniform<F extends string>(layout: ParamsLayout<F>, values: Readonly<Record<F, number>>, label: string): BindingRef;
  /** A scratch storage buffer private to this node (not shared with other nodes). */
  scratch(bytes: number, label: string): BindingRef;
  /**
   * How many nodes of the graph share this node's op, shapes and attributes (1: none but itself): the layers one
   * kernel with bound weights would serve, which a kernel baking its weights in (kernels/baked.ts) would not.
   */
  twins(): number;
  /** The value of input i of the node when it is known at load time (weights, folded constants). */
  constant(i: number): Value | undefined;
  /**
   * How the tensor a binding names is stored (src/gpu/act-storage.ts): 'f16' / 'packed' only for inputs and outputs
   * the program's halfIo offered and the executor's policy chose; absent or 'f32' for everything else.
   */
  storageOf?(ref: BindingRef): ElemStorage;
}

/** The storage of a binding through ctx.storageOf, 'f32' where the context has none (kernel tests, tools). */
export function storageOf(ctx: GpuBuildCtx, ref: BindingRef | undefined): ElemStorage {
  return ref && ctx.storageOf ? ctx.storageOf(ref) : 'f32';
}

/**
 * The storage of a kernel's input x, output y and residual r (storageOf). f16 activations are the tiled variant's
 * path alone: on another `variant`, any of them f16 is a GPU_UNSUPPORTED GpuError naming `what`.
 */
export function ioStorage(
  ctx: GpuBuildCtx, variant: KernelVariant, what: string, x: BindingRef, y: BindingRef, r?: BindingRef,
): { x: ElemStorage; y: ElemStorage; r: ElemStorage } {
  const st = { x: storageOf(ctx, x), y: storageOf(ctx, y), r: storageOf(ctx, r) };
  if (variant !== 'tiled' && (st.x !== 'f32' || st.y !== 'f32' || st.r !== 'f32'))
    throw new GpuError(`${what}: f16 activations are a tiled-kernel path; the ${variant} variant reads f32`, 'GPU_UNSUPPORTED');
  return st;
}

/** The GPU half of an op: plans its dispatches for one resolved node. Inputs/outputs follow src/gpu/layout.ts. */
export interface GpuProgram {
  build(rn: ResolvedNode, ctx: GpuBuildCtx): Promise<GpuNodeProgram>;
  /** The runtime inputs / outputs this node's dispatches can bind as f16 on `variant` (act-storage.ts); absent: none. */
  halfIo?(rn: ResolvedNode, variant: KernelVariant): HalfIo;
}

/**
 * Splits a 1-D count of workgroups over x and y so no dimension exceeds maxComputeWorkgroupsPerDimension.
 * Shaders rebuild the linear index as `wid.x + wid.y * nwg.x` and return when it is >= the real count.
 */
export function grid(count: number, limits: Readonly<Record<string, number>>): [number, number, number] {
  const max = limits.maxComputeWorkgroupsPerDimension ?? 65535;
  if (count <= max) return [Math.max(1, count), 1, 1];
  const y = Math.ceil(count / max);
  if (y > max) throw new RangeError(`dispatch of ${count} workgroups exceeds ${max}² (maxComputeWorkgroupsPerDimension)`);
  return [Math.ceil(count / y), y, 1];
}

/** A shader and its override constants: one pipeline. */
export type PipelineRequest = readonly [ShaderDef, Constants];

/**
 * A dispatch's first pipeline and its Dispatch.upgrade: `exact` at once when the cache has it (an earlier layer or
 * model compiled it), else `first` (a kernel that compiles faster), `exact` swapped in after the first call.
 */
export function firstThenExact(
  ctx: GpuBuildCtx,
  exact: PipelineRequest,
  first: PipelineRequest,
): { pipeline: Promise<GPUComputePipeline>; upgrade?: () => Promise<GPUComputePipeline> } {
  if (ctx.pipelines.has(...exact) || PipelineCache.key(...exact) === PipelineCache.key(...first)) return { pipeline: ctx.pipeline(...exact) };
  return { pipeline: ctx.pipeline(...first), upgrade: () => ctx.pipeline(...exact) };
}
