// What the WebGPU task chains share: the ROI record the kernels pass between them (declared once here, the WGSL
// struct generated from it), a small compute kernel (pipeline, uniform and bind group made once), and the kernel
// that turns ssd_decode's result into the second stage's ROIs and crop matrices (shaders/detection_roi.wgsl), so
// that a detection frame reads nothing back before the landmarks.
import detectionRoiWgsl from '../../shaders/detection_roi.wgsl?raw';
import roiWgslFunctions from '../../shaders/roi.wgsl?raw';
import { GpuError } from '../errors.js';
import { READBACK, STORAGE, UNIFORM } from '../gpu/memory.js';
import { defineParams, type ParamsLayout } from '../gpu/params.js';
import { compileModule, shader } from '../gpu/shader.js';
import type { ImageInput } from '../vision/input.js';
import type { ImageSource } from '../vision/source.js';
import type { GpuSsdDecoder } from './gpu-decode.js';
import { roiAffine, type Roi } from './roi.js';

/** One ROI record, f32 each: see shaders/roi.wgsl. */
export const ROI_FIELDS = ['x', 'y', 'size', 'rotation', 'cos', 'sin', 'valid', 'overflow', 'm00', 'm01', 'm02', 'm10', 'm11', 'm12', 'flag', 'extra'] as const;
type RoiField = (typeof ROI_FIELDS)[number];
export const ROI_RECORD = ROI_FIELDS.length;
export const ROI_BYTES = 4 * ROI_RECORD;
const at = (f: RoiField) => ROI_FIELDS.indexOf(f);
/** Byte offset of the crop matrix (m00 … m12) in a record. */
export const MATRIX_OFFSET = 4 * at('m00');
/** Byte offset of `valid` in a record: the landmark model's run is gated on it (GpuExecutor.runInPlace). */
export const VALID_OFFSET = 4 * at('valid');

/** `struct Roi`, and with `store` the function store_roi(o, r) writing a record to the kernel's `res`. */
function roiWgsl(store: boolean): string {
  const struct = `struct Roi {\n${ROI_FIELDS.map((f) => `  ${f}: f32,`).join('\n')}\n}\n`;
  if (!store) return struct;
  return `${struct}fn store_roi(o: u32, r: Roi) {\n${ROI_FIELDS.map((f, k) => `  res[o + ${k}u] = r.${f};`).join('\n')}\n}\n`;
}

/** A task kernel's ShaderDef: its source after the generated Roi declarations and shaders/roi.wgsl. */
export const roiShader = (name: string, source: string, params: ParamsLayout, store: boolean) => shader(name, `${roiWgsl(store)}\n${roiWgslFunctions}\n${source}`, params);

/** A tracked ROI as a record (valid, its cos and sin, the crop matrix for a size×size crop). */
export function roiRecord(r: Roi, size: number, into = new Float32Array(ROI_RECORD)): Float32Array {
  const m = roiAffine(r, size);
  const v: Partial<Record<RoiField, number>> = { x: r.x, y: r.y, size: r.size, rotation: r.rotation, cos: Math.cos(r.rotation), sin: Math.sin(r.rotation), valid: 1 };
  ROI_FIELDS.forEach((f, k) => (into[k] = v[f] ?? 0));
  into.set(m, at('m00'));
  return into;
}

export interface RoiRead {
  readonly roi: Roi;
  readonly valid: boolean;
  /** The detector found more candidates than its kernel keeps: this frame must be decoded on the CPU. */
  readonly overflow: boolean;
  readonly flag: number;
  readonly extra: number;
}

export function readRoi(res: Float32Array, o: number): RoiRead {
  const f = (n: RoiField) => res[o + at(n)]!;
  return {
    roi: { x: f('x'), y: f('y'), size: f('size'), rotation: f('rotation') },
    valid: f('valid') === 1,
    overflow: f('overflow') === 1,
    flag: f('flag'),
    extra: f('extra'),
  };
}

/**
 * A compute kernel with its uniform and bind group (binding 0 the uniform, then the buffers), made once; `copies`
 * uniform + bind group pairs share the pipeline (one per slot where only the params differ).
 */
export class GpuKernel<F extends string> {
  private groups: GPUBindGroup[] = [];
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly params: ParamsLayout<F>,
    private readonly uniforms: readonly GPUBuffer[],
  ) {}

  static async create<F extends string>(device: GPUDevice, def: ReturnType<typeof roiShader>, params: ParamsLayout<F>, constants: Record<string, number>, buffers: readonly GPUBuffer[], copies = 1): Promise<GpuKernel<F>> {
    const module = await compileModule(device, def);
    const pipeline = await device.createComputePipelineAsync({ label: def.name, layout: 'auto', compute: { module, entryPoint: 'main', constants } });
    const uniforms = Array.from({ length: copies }, () => device.createBuffer({ label: `${def.name} params`, size: params.byteSize, usage: UNIFORM }));
    const kernel = new GpuKernel(device, pipeline, params, uniforms);
    kernel.bind(buffers);
    return kernel;
  }

  /** Rebinds (a buffer was replaced, e.g. an output that follows the source size). */
  bind(buffers: readonly GPUBuffer[]): void {
    this.groups = this.uniforms.map((u) => {
      const entries = [u, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } }));
      return this.device.createBindGroup({ label: this.pipeline.label, layout: this.pipeline.getBindGroupLayout(0), entries });
    });
  }

  write(values: Readonly<Record<F, number>>, copy = 0): void {
    this.device.queue.writeBuffer(this.uniforms[copy]!, 0, this.params.pack(values));
  }

  encode(enc: GPUCommandEncoder, x = 1, y = 1, copy = 0): void {
    const pass = enc.beginComputePass({ label: this.pipeline.label });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.groups[copy]!);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  dispose(): void {
    for (const u of this.uniforms) u.destroy();
  }
}

/**
 * Encodes with `build` and submits inside a validation error scope (opened and closed without an await between, so
 * no other user of the device lands in it); the promise rejects with a GpuError naming `label` if the GPU refused.
 */
export function submitChecked(device: GPUDevice, label: string, build: (enc: GPUCommandEncoder) => void): Promise<void> {
  device.pushErrorScope('validation');
  const enc = device.createCommandEncoder({ label });
  build(enc);
  device.queue.submit([enc.finish()]);
  const checked = device.popErrorScope().then((e) => {
    if (e) throw new GpuError(`${label}: ${e.message}`, 'GPU_RUN');
  });
  // handled here too: a frame that fails earlier never awaits it (its caller's await still sees the error)
  checked.catch(() => undefined);
  return checked;
}

/** Maps `bytes` of `staging` for reading once the `checks` (submitChecked) settle; a refused submission rejects with its error, the buffer left unmapped. */
export async function mapChecked(staging: GPUBuffer, checks: readonly Promise<void>[], bytes = staging.size): Promise<void> {
  const [mapped] = await Promise.allSettled([staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes), ...checks]);
  await Promise.all(checks).catch((e: unknown) => {
    if (mapped.status === 'fulfilled') staging.unmap();
    throw e;
  });
  if (mapped.status === 'rejected') throw mapped.reason;
}

/** A storage buffer of `bytes`, 16-byte aligned size. */
export const storageBuffer = (device: GPUDevice, label: string, bytes: number) => device.createBuffer({ label, size: Math.ceil(bytes / 16) * 16, usage: STORAGE });
export const readbackBuffer = (device: GPUDevice, label: string, bytes: number) => device.createBuffer({ label, size: Math.ceil(bytes / 16) * 16, usage: READBACK });

const roiParams = defineParams([
  ['modelW', 'f32'],
  ['modelH', 'f32'],
  ['dstX', 'f32'],
  ['dstY', 'f32'],
  ['srcX', 'f32'],
  ['srcY', 'f32'],
  ['kx', 'f32'],
  ['ky', 'f32'],
  ['scale', 'f32'],
  ['shiftX', 'f32'],
  ['shiftY', 'f32'],
  ['cosT', 'f32'],
  ['sinT', 'f32'],
  ['targetAngle', 'f32'],
  ['cropSize', 'f32'],
  ['minSimilarity', 'f32'],
  ['startKeypoint', 'u32'],
  ['endKeypoint', 'u32'],
  ['tracked', 'u32'],
  ['maxDet', 'u32'],
]);
const DETECTION_ROI = roiShader('detection_roi', detectionRoiWgsl, roiParams, false);

export interface DetectionRoiOptions {
  /** alignmentRoi (pose: centre at the start keypoint) or detectionRoi (hand: the box, shifted). */
  readonly box: boolean;
  readonly startKeypoint: number;
  readonly endKeypoint: number;
  readonly targetAngle: number;
  readonly scale: number;
  readonly shiftX?: number;
  readonly shiftY?: number;
  /** The crop's side in model-input pixels. */
  readonly cropSize: number;
  /** IoU of the ROIs' squares above which a detection is the same object as a tracked ROI. */
  readonly minSimilarity?: number;
}

/** ssd_decode's result → `slots` ROI records in `rois` (after the `tracked` ones the caller wrote). */
export class GpuDetectionRoi {
  private constructor(
    private readonly device: GPUDevice,
    private readonly decoder: GpuSsdDecoder,
    private readonly kernel: GpuKernel<(typeof roiParams.fields)[number][0]>,
    private readonly o: DetectionRoiOptions,
  ) {}

  static async create(device: GPUDevice, decoder: GpuSsdDecoder, rois: GPUBuffer, slots: number, o: DetectionRoiOptions): Promise<GpuDetectionRoi> {
    const constants = { KP: decoder.keypoints, SLOTS: slots, BOX: o.box ? 1 : 0 };
    return new GpuDetectionRoi(device, decoder, await GpuKernel.create(device, DETECTION_ROI, roiParams, constants, [decoder.result, rois]), o);
  }

  /**
   * Runs the detector on `image` through its `input`, then submits the decode and the ROI pass (records after the
   * `tracked` ones); `checked` is the submission's validation check (see submitChecked), left for the caller to await
   * with its readback (wrapped: awaiting detect must not wait for it).
   */
  async detect(input: ImageInput, image: ImageSource, tracked: number, label: string): Promise<{ checked: Promise<void> }> {
    await input.runOnGpu(image);
    const [p, model, o] = [input.placement!, input.options, this.o];
    this.kernel.write({
      modelW: model.width, modelH: model.height, dstX: p.dst.x, dstY: p.dst.y, srcX: p.src.x, srcY: p.src.y, kx: p.src.w / p.dst.w, ky: p.src.h / p.dst.h,
      scale: o.scale, shiftX: o.shiftX ?? 0, shiftY: o.shiftY ?? 0, cosT: Math.cos(o.targetAngle), sinT: Math.sin(o.targetAngle), targetAngle: o.targetAngle,
      cropSize: o.cropSize, minSimilarity: o.minSimilarity ?? 1, startKeypoint: o.startKeypoint, endKeypoint: o.endKeypoint, tracked, maxDet: this.decoder.maxOut,
    });
    const checked = submitChecked(this.device, label, (enc) => {
      this.decoder.encode(enc);
      this.kernel.encode(enc);
    });
    return { checked };
  }

  dispose(): void {
    this.kernel.dispose();
  }
}
