// The input helper bound to a model: any image source → the model's input, on the GPU straight into the
// model's own input buffer, on the CPU through a reused canvas and tensor.
import { InputError } from '../errors.js';
import type { GpuExecutor, GpuInput } from '../gpu/executor.js';
import { gpuResident } from '../gpu/loss.js';
import { physicalStrides } from '../gpu/layout.js';
import type { Model } from '../model.js';
import { shapeStr, stridesOf, type Shape, type Tensor } from '../tensor.js';
import { GpuImageInput } from './gpu-input.js';
import { maskSize, type GpuMask } from './mask.js';
import {
  logicalStrides,
  placement,
  resolveImageOptions,
  tensorShape,
  type ImageInputOptions,
  type ImageLayout,
  type Placement,
  type ResolvedImageOptions,
} from './options.js';
import { makeTaps, resampleInto, tapsKey, type Taps } from './resample.js';
import { PixelReader, sourceSize, type ImageSource } from './source.js';

/** A CPU-side image tensor; int32 images come back as Int32Array. */
export interface ImageTensor {
  readonly shape: Shape;
  readonly data: Float32Array | Int32Array;
}

/** Image → tensor on the CPU, reusing its canvas, taps and output array across calls. */
export class CpuImageInput {
  private readonly reader = new PixelReader();
  private taps?: Taps;
  readonly shape: Shape;
  private readonly out: Float32Array | Int32Array;

  constructor(
    readonly opts: ResolvedImageOptions,
    /** int32 results as Int32Array (standalone) or as integral float32 (what the engine's runtime takes). */
    intAs: 'int32' | 'float32' = 'int32',
  ) {
    this.shape = tensorShape(opts);
    const n = this.shape.reduce((a, b) => a * b, 1);
    this.out = opts.dtype === 'int32' && intAs === 'int32' ? new Int32Array(n) : new Float32Array(n);
  }

  /** The returned tensor's data is overwritten by the next call. */
  convert(source: ImageSource): { tensor: ImageTensor; placement: Placement } {
    const px = this.reader.read(source);
    const p = placement(px.width, px.height, this.opts);
    if (this.taps?.key !== tapsKey(px.width, px.height, p)) this.taps = makeTaps(px.width, px.height, p, this.opts);
    resampleInto(px, this.taps, this.opts, logicalStrides(this.opts), this.out);
    return { tensor: { shape: this.shape, data: this.out }, placement: p };
  }
}

/** One-off conversion on the CPU (allocates; for a loop keep a CpuImageInput). */
export function imageToTensor(source: ImageSource, opts: ImageInputOptions): ImageTensor & { placement: Placement } {
  const { tensor, placement: p } = new CpuImageInput(resolveImageOptions(opts)).convert(source);
  return { ...tensor, placement: p };
}

export interface ModelImageOptions extends Partial<ImageInputOptions> {
  /** Which graph input (default: the only one). */
  input?: string;
  /** WebGPU upload (see GpuImageInput): 'auto' = 'copy' on a hardware adapter, 'cpu' on a software one. */
  upload?: 'auto' | 'copy' | 'cpu';
}

/** Reads layout, size and channel count off a 4-D batch-1 input shape. */
function fromShape(name: string, shape: Shape, layout: ImageLayout | undefined): { layout: ImageLayout; width: number; height: number; c: number } {
  if (shape.length !== 4 || shape[0] !== 1)
    throw new InputError(`image input "${name}": needs a 4-D batch-1 input, the model's is ${shapeStr(shape)}`);
  const l = layout ?? (shape[3] === 1 || shape[3] === 3 ? 'nhwc' : shape[1] === 1 || shape[1] === 3 ? 'nchw' : undefined);
  if (!l) throw new InputError(`image input "${name}": cannot tell the layout of ${shapeStr(shape)} (1 or 3 channels first or last); pass layout`);
  const [h, w, c] = l === 'nhwc' ? [shape[1]!, shape[2]!, shape[3]!] : [shape[2]!, shape[3]!, shape[1]!];
  return { layout: l, width: w, height: h, c };
}

type Feed = Record<string, Tensor | GpuInput>;

export interface ImageInput {
  readonly name: string;
  readonly shape: Shape;
  readonly options: ResolvedImageOptions;
  /** Where the last frame went: 'gpu' (one pass into the model's input buffer) or 'cpu'. */
  readonly path: 'gpu' | 'cpu';
  /** On the GPU path: how the image reaches the GPU ('copy': copyExternalImageToTexture/importExternalTexture). */
  readonly upload?: 'copy' | 'cpu';
  /** On the GPU path, how video frames were read (see GpuImageInput.video). */
  readonly video?: 'external' | 'copy' | 'bitmap';
  /** Where the last source landed in the model input (to map boxes and keypoints back). */
  readonly placement?: Placement;
  /**
   * On the GPU path: the texture holding the last frame, for another pass to sample until the next one (a task's
   * second-stage crop); undefined on the CPU path and after a video frame imported as an external texture.
   */
  readonly frameTexture?: GPUTexture;
  /** The model inputs for this frame; pass them to model.run (typed for it by run()). */
  feed(source: ImageSource): Promise<Feed>;
  run(source: ImageSource): Promise<Map<string, Tensor>>;
  /**
   * WebGPU only: runs and leaves the outputs in the model's own output buffers (for drawing without readback).
   * After a device loss it rejects with GpuError 'DEVICE_LOST' (see gpu/loss.ts gpuResident); run() still answers.
   */
  runOnGpu(source: ImageSource): Promise<void>;
  /** WebGPU only: GpuExecutor.runToGpu on this frame (outputs in buffers the model reuses, see there); loss: as runOnGpu. */
  runToGpu(source: ImageSource): Promise<Map<string, { buffer: GPUBuffer; shape: Shape }>>;
  dispose(): void;
}

/** The model's GPU executor while it runs on WebGPU. */
export const executorOf = (m: Model): GpuExecutor | undefined => (m.backend === 'webgpu' ? (m as { executor?: GpuExecutor }).executor : undefined);

/**
 * Element strides of (y, x, c) of a 4-D edge in the model's GPU buffer: the device layout of its logical shape
 * (layout.ts), or row-major where the executor moves that edge raw (a TF model's NHWC boundary, gpu/boundary.ts).
 */
export function deviceStrides(shape: Shape, layout: ImageLayout, raw = false): { y: number; x: number; c: number } {
  const s = raw ? stridesOf(shape) : physicalStrides(shape);
  return layout === 'nhwc' ? { y: s[1]!, x: s[2]!, c: s[3]! } : { y: s[2]!, x: s[3]!, c: s[1]! };
}

/** Whether the executor moves graph edge `name` raw (no layout conversion), see gpu/boundary.ts. */
const isRaw = (exec: GpuExecutor, name: string): boolean => exec.isRaw(name);

/**
 * Binds the helper to a model's image input. Size, layout and channel count come from the input's shape; the
 * rest (resize, channel order, scale/mean/std, dtype) from `opts`.
 */
export async function createImageInput(model: Model, opts: ModelImageOptions = {}): Promise<ImageInput> {
  const names = [...model.graph.inputShapes.keys()];
  const name = opts.input ?? (names.length === 1 ? names[0]! : undefined);
  if (!name || !model.graph.inputShapes.has(name))
    throw new InputError(`image input: choose one of the model's inputs (${names.map((n) => `"${n}"`).join(', ')}) with opts.input`);
  const shape = model.graph.inputShapes.get(name)!;
  const s = fromShape(name, shape, opts.layout);
  const channels = opts.channels ?? (s.c === 1 ? 'grey' : 'rgb');
  if ((channels === 'grey') !== (s.c === 1)) throw new InputError(`image input "${name}": channels "${channels}" does not fit ${s.c} channel(s) in ${shapeStr(shape)}`);
  const options = resolveImageOptions({ ...opts, layout: s.layout, width: s.width, height: s.height, channels });
  const cpu = new CpuImageInput(options, 'float32');
  const exec = executorOf(model);
  const buffer = exec?.edgeBuffer(name);
  const upload = opts.upload === 'copy' || opts.upload === 'cpu' ? opts.upload : exec?.gpu.info.isSoftware ? 'cpu' : 'copy';
  const gpu = exec && buffer ? new GpuImageInput(exec.gpu.device, options, { buffer, strides: deviceStrides(shape, s.layout, isRaw(exec, name)) }, upload) : undefined;
  await gpu?.prepare();
  let path: 'gpu' | 'cpu' = gpu ? 'gpu' : 'cpu';
  let last: Placement | undefined;
  let turn: Promise<unknown> = Promise.resolve();
  /**
   * Calls that feed and then run take turns up to the run's call (not its result): a frame is written only after
   * the runs called before it have been called, so concurrent calls pipeline and each reads its own frame.
   */
  const inTurn = <T>(start: () => Promise<{ result: Promise<T> }>): Promise<T> => {
    const started = turn.then(start);
    turn = started.catch(() => undefined);
    return started.then((s) => s.result);
  };
  const self: ImageInput = {
    name,
    shape,
    options,
    get path() {
      return path;
    },
    get placement() {
      return last;
    },
    upload: gpu?.upload,
    get video() {
      return gpu?.video;
    },
    get frameTexture() {
      return path === 'gpu' ? gpu?.frameTexture : undefined;
    },
    async feed(source) {
      // A model that lost its device runs on the CPU from then on; so does its input.
      if (gpu && exec && model.backend === 'webgpu') {
        path = 'gpu';
        // The pass writes the model's input buffer: runs already called must have submitted (read their frame) first.
        await exec.submitted();
        last = await gpu.write(source);
        return { [name]: { buffer: gpu.target.buffer, shape } };
      }
      path = 'cpu';
      const { tensor, placement: p } = cpu.convert(source);
      last = p;
      return { [name]: tensor as Tensor };
    },
    run(source) {
      // GpuModel.run accepts GPU-resident inputs (GpuExecutor.run); Model's signature names host tensors only.
      return inTurn(async () => ({ result: (model.run as (x: Feed) => Promise<Map<string, Tensor>>)(await self.feed(source)) }));
    },
    runOnGpu(source) {
      if (!exec) return Promise.reject(new InputError('image input: runOnGpu needs a model running on WebGPU'));
      return gpuResident('runOnGpu', model, exec.gpu.device, () => inTurn(async () => ({ result: exec.runInPlace(await self.feed(source)) })));
    },
    runToGpu(source) {
      if (!exec) return Promise.reject(new InputError('image input: runToGpu needs a model running on WebGPU'));
      return gpuResident('runToGpu', model, exec.gpu.device, () => inTurn(async () => ({ result: exec.runToGpu(await self.feed(source)) })));
    },
    dispose() {
      gpu?.dispose();
    },
  };
  return self;
}


/** WebGPU only: a one-channel output of the model ([1, H, W, 1] or [1, 1, H, W]) as a GpuMask, for GpuMaskRenderer. */
export function outputMask(model: Model, output: string): GpuMask {
  const exec = executorOf(model);
  const buffer = exec?.edgeBuffer(output);
  const shape = model.graph.shapes.get(output);
  if (!exec || !buffer || !shape) throw new InputError(`mask: output "${output}" is not a GPU output of this model (backend ${model.backend})`);
  const { width, height } = maskSize(shape);
  const strides = deviceStrides(shape, shape.length === 4 && shape[3] === 1 ? 'nhwc' : 'nchw', isRaw(exec, output));
  return { buffer, width, height, strides };
}
