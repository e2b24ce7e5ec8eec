// The WebGPU half of the input helper: the source goes into a texture (SourceTexture: copyExternalImageToTexture,
// writeTexture for pixels in memory) or is imported as an external texture (video), then one compute pass writes the
// model's input buffer. Texture, uniform, pipelines and bind groups are made once and reused while the source size
// stays. A second pass may sample the same frame (frameTexture → another input's writeAffineFrom).
import imageInputWgsl from '../../shaders/image_input.wgsl?raw';
import { UNIFORM } from '../gpu/memory.js';
import { defineParams } from '../gpu/params.js';
import { compileModule, shader } from '../gpu/shader.js';
import { GREY_WEIGHTS, placement, type Placement, type ResolvedImageOptions } from './options.js';
import type { Strides } from './resample.js';
import { isVideo, sourceSize, type ImageSource } from './source.js';
import { SourceTexture } from './source-texture.js';

const params = defineParams([
  ['outW', 'u32'],
  ['outH', 'u32'],
  ['srcW', 'u32'],
  ['srcH', 'u32'],
  ['dstX', 'f32'],
  ['dstY', 'f32'],
  ['dstW', 'f32'],
  ['dstH', 'f32'],
  ['srcX', 'f32'],
  ['srcY', 'f32'],
  ['srcScaleX', 'f32'],
  ['srcScaleY', 'f32'],
  ['strideY', 'u32'],
  ['strideX', 'u32'],
  ['strideC', 'u32'],
  ['offset', 'u32'],
  ['gain0', 'f32'],
  ['gain1', 'f32'],
  ['gain2', 'f32'],
  ['bias0', 'f32'],
  ['bias1', 'f32'],
  ['bias2', 'f32'],
  ['pad', 'f32'],
  ['greyR', 'f32'],
  ['greyG', 'f32'],
  ['greyB', 'f32'],
  ['m00', 'f32'],
  ['m01', 'f32'],
  ['m02', 'f32'],
  ['m10', 'f32'],
  ['m11', 'f32'],
  ['m12', 'f32'],
]);
const WG = 8;
const TEXTURE = shader('image_input', imageInputWgsl, params, 'main');
const EXTERNAL = shader('image_input', imageInputWgsl, params, 'main_external');
const AFFINE = shader('image_input', imageInputWgsl, params, 'main_affine');

/** Output pixel centre (x, y) → source continuous coordinates: (m00·x + m01·y + m02, m10·x + m11·y + m12). */
export type Affine = readonly [m00: number, m01: number, m02: number, m10: number, m11: number, m12: number];
const NO_AFFINE: Affine = [0, 0, 0, 0, 0, 0];
/** Byte offset of m00 … m12 in the uniform (writeAffineFrom copies a matrix there). */
const AFFINE_BYTES = 4 * params.fields.findIndex(([n]) => n === 'm00');

/** Where the pass writes: a storage buffer and the element strides of (y, x, c) in it. */
export interface GpuTarget {
  readonly buffer: GPUBuffer;
  readonly strides: Strides;
  /** Element offset of pixel (0, 0), channel 0. */
  readonly offset?: number;
}

export class GpuImageInput {
  private module?: Promise<GPUShaderModule>;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly uniform: GPUBuffer;
  private paramsKey = '';
  /** Bind groups per sampled texture and entry point ('auto' layouts differ per pipeline), made once each. */
  private readonly groups = new WeakMap<GPUTexture, Map<string, GPUBindGroup>>();
  /** Compute passes encoded so far (one per write). */
  passes = 0;
  /** Whether the last write imported a video frame as an external texture (the source texture then holds an older frame). */
  private external = false;
  private externalRefused = false;
  /** Where the sources go (copyExternalImageToTexture / writeTexture), reused across frames. */
  readonly source: SourceTexture;

  constructor(
    readonly device: GPUDevice,
    readonly opts: ResolvedImageOptions,
    readonly target: GpuTarget,
    /**
     * 'copy': copyExternalImageToTexture / importExternalTexture, the image never leaves the GPU. 'cpu': read
     * the pixels through a canvas and writeTexture them: on a software adapter (SwiftShader) "GPU" memory is
     * CPU memory, and copyExternalImageToTexture costs ~5× more than that (see test/vision-browser.test.ts).
     */
    upload: 'copy' | 'cpu' = 'copy',
  ) {
    this.uniform = device.createBuffer({ size: params.byteSize, usage: UNIFORM, label: 'image input params' });
    this.source = new SourceTexture(device, upload);
  }

  get upload(): 'copy' | 'cpu' {
    return this.source.upload;
  }

  /**
   * How video sources were read: importExternalTexture (zero-copy); where the adapter refuses that, a texture
   * copy; where it refuses that too (SwiftShader in headless Chromium), createImageBitmap then a copy.
   */
  get video(): 'external' | 'copy' | 'bitmap' | undefined {
    return this.external ? 'external' : this.source.video;
  }

  /** The texture holding the last frame written, for other passes to sample; undefined after an external video frame. */
  get frameTexture(): GPUTexture | undefined {
    return this.external ? undefined : this.source.texture;
  }

  /** Compiles both pipelines ahead of the first frame (otherwise the first write does). */
  async prepare(): Promise<void> {
    await Promise.all([this.pipeline(TEXTURE), this.pipeline(EXTERNAL)]);
  }

  private pipeline(def: typeof TEXTURE): Promise<GPUComputePipeline> {
    const key = def.entryPoint!;
    let p = this.pipelines.get(key);
    if (!p) {
      this.module ??= compileModule(this.device, def);
      const { c, channels, dtype } = this.opts;
      p = this.module.then((module) =>
        this.device.createComputePipelineAsync({
          label: `image input (${key})`,
          layout: 'auto',
          compute: { module, entryPoint: key, constants: { WG_X: WG, WG_Y: WG, CHANNELS: c, BGR: channels === 'bgr' ? 1 : 0, INT: dtype === 'int32' ? 1 : 0 } },
        }),
      );
      this.pipelines.set(key, p);
    }
    return p;
  }

  /**
   * The rotated crop: output pixel centre (x, y) samples the pixels at affine·(x, y, 1) in continuous coordinates,
   * bilinear, edges clamped (no pad, no resize mode). Submitted like write.
   */
  async writeAffine(px: ImageSource, affine: Affine): Promise<void> {
    const tex = await this.source.put(px);
    this.writeParams(tex.width, tex.height, placement(tex.width, tex.height, this.opts), affine);
    const pipeline = await this.pipeline(AFFINE);
    this.dispatch(pipeline, this.textureGroup(pipeline, tex, 'affine'));
  }

  /**
   * writeAffine from `frame` (a texture holding the image: this input's `source.put`, or another input's
   * frameTexture) with the matrix in a GPU buffer (six f32 at `byteOffset`: m00 m01 m02 m10 m11 m12), copied into
   * the pass's uniform on the queue: a crop whose ROI a kernel computed, read back by no one.
   */
  async writeAffineFrom(frame: GPUTexture, matrix: GPUBuffer, byteOffset: number): Promise<void> {
    const { width, height } = frame;
    this.writeParams(width, height, placement(width, height, this.opts), NO_AFFINE);
    const pipeline = await this.pipeline(AFFINE);
    this.dispatch(pipeline, this.textureGroup(pipeline, frame, 'affine'), (enc) => enc.copyBufferToBuffer(matrix, byteOffset, this.uniform, AFFINE_BYTES, 24));
  }

  /** Encodes the upload and the pass and submits them; the target holds the image once the queue gets there. */
  async write(source: ImageSource): Promise<Placement> {
    const { width, height } = sourceSize(source);
    const p = placement(width, height, this.opts);
    this.writeParams(width, height, p);
    let ext: GPUExternalTexture | undefined;
    if (isVideo(source) && this.upload === 'copy' && !this.externalRefused) {
      try {
        ext = this.device.importExternalTexture({ source: source as HTMLVideoElement | VideoFrame });
      } catch {
        // Some adapters (SwiftShader among them) refuse video frames, for import and for copy alike.
        this.externalRefused = true;
      }
    }
    this.external = !!ext;
    const pipeline = await this.pipeline(ext ? EXTERNAL : TEXTURE);
    let group: GPUBindGroup;
    if (ext) {
      // An external texture lives until the end of this task: its bind group cannot outlive the frame.
      group = this.device.createBindGroup({
        label: 'image input (video)',
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniform } },
          { binding: 1, resource: { buffer: this.target.buffer } },
          { binding: 3, resource: ext },
        ],
      });
    } else group = this.textureGroup(pipeline, await this.source.put(source), 'main');
    this.dispatch(pipeline, group);
    return p;
  }

  private textureGroup(pipeline: GPUComputePipeline, tex: GPUTexture, key: string): GPUBindGroup {
    let byKey = this.groups.get(tex);
    if (!byKey) this.groups.set(tex, (byKey = new Map()));
    let group = byKey.get(key);
    if (!group) {
      group = this.device.createBindGroup({
        label: 'image input',
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniform } },
          { binding: 1, resource: { buffer: this.target.buffer } },
          { binding: 2, resource: tex.createView() },
        ],
      });
      byKey.set(key, group);
    }
    return group;
  }

  private dispatch(pipeline: GPUComputePipeline, group: GPUBindGroup, before?: (enc: GPUCommandEncoder) => void): void {
    const enc = this.device.createCommandEncoder({ label: 'image input' });
    before?.(enc);
    const pass = enc.beginComputePass({ label: 'image input' });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.ceil(this.opts.width / WG), Math.ceil(this.opts.height / WG));
    pass.end();
    this.device.queue.submit([enc.finish()]);
    this.passes++;
  }

  private writeParams(srcW: number, srcH: number, p: Placement, affine = NO_AFFINE): void {
    const key = `${srcW}x${srcH}:${JSON.stringify(p)}:${affine.join()}`;
    if (key === this.paramsKey) return;
    this.paramsKey = key;
    const o = this.opts;
    const g = (i: number) => o.gain[Math.min(i, o.c - 1)]!;
    const b = (i: number) => o.bias[Math.min(i, o.c - 1)]!;
    const packed = params.pack({
      outW: o.width,
      outH: o.height,
      srcW,
      srcH,
      dstX: p.dst.x,
      dstY: p.dst.y,
      dstW: p.dst.w,
      dstH: p.dst.h,
      srcX: p.src.x,
      srcY: p.src.y,
      srcScaleX: p.src.w / p.dst.w,
      srcScaleY: p.src.h / p.dst.h,
      strideY: this.target.strides.y,
      strideX: this.target.strides.x,
      strideC: this.target.strides.c,
      offset: this.target.offset ?? 0,
      gain0: g(0),
      gain1: g(1),
      gain2: g(2),
      bias0: b(0),
      bias1: b(1),
      bias2: b(2),
      pad: o.padValue,
      greyR: GREY_WEIGHTS[0],
      greyG: GREY_WEIGHTS[1],
      greyB: GREY_WEIGHTS[2],
      m00: affine[0],
      m01: affine[1],
      m02: affine[2],
      m10: affine[3],
      m11: affine[4],
      m12: affine[5],
    });
    this.device.queue.writeBuffer(this.uniform, 0, packed);
  }

  dispose(): void {
    this.source.dispose();
    this.uniform.destroy();
  }
}
