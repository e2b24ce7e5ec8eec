// The WebGPU half of the input helper: the source goes into a texture (copyExternalImageToTexture, writeTexture
// for pixels in memory) or is imported as an external texture (video), then one compute pass writes the model's
// input buffer. Texture, uniform, pipelines and bind group are made once and reused while the source size stays.
import imageInputWgsl from '../../shaders/image_input.wgsl?raw';
import { UNIFORM } from '../gpu/memory.js';
import { defineParams } from '../gpu/params.js';
import { compileModule, shader } from '../gpu/shader.js';
import { GREY_WEIGHTS, placement, type Placement, type ResolvedImageOptions } from './options.js';
import type { Strides } from './resample.js';
import { isPixels, isVideo, PixelReader, sourceSize, type ImageSource } from './source.js';

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

// GPUTextureUsage: COPY_DST | TEXTURE_BINDING | RENDER_ATTACHMENT (copyExternalImageToTexture needs the last).
const TEXTURE_USAGE = 0x02 | 0x04 | 0x10;

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
  private texture?: GPUTexture;
  private textureGroup?: GPUBindGroup;
  private affineGroup?: GPUBindGroup;
  private rgba?: Uint8Array;
  /** Compute passes encoded so far (one per write). */
  passes = 0;
  /**
   * How video sources are read: importExternalTexture (zero-copy); where the adapter refuses that, a texture
   * copy; where it refuses that too (SwiftShader in headless Chromium), createImageBitmap then a copy.
   */
  video: 'external' | 'copy' | 'bitmap' | undefined;

  private readonly reader = new PixelReader();

  constructor(
    readonly device: GPUDevice,
    readonly opts: ResolvedImageOptions,
    readonly target: GpuTarget,
    /**
     * 'copy': copyExternalImageToTexture / importExternalTexture, the image never leaves the GPU. 'cpu': read
     * the pixels through a canvas and writeTexture them: on a software adapter (SwiftShader) "GPU" memory is
     * CPU memory, and copyExternalImageToTexture costs ~5× more than that (see test/vision-browser.test.ts).
     */
    readonly upload: 'copy' | 'cpu' = 'copy',
  ) {
    this.uniform = device.createBuffer({ size: params.byteSize, usage: UNIFORM, label: 'image input params' });
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
  async writeAffine(px: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }, affine: Affine): Promise<void> {
    const { width, height } = px;
    this.writeParams(width, height, placement(width, height, this.opts), affine);
    const pipeline = await this.pipeline(AFFINE);
    const tex = this.textureFor(width, height);
    this.writePixels(px, tex);
    this.affineGroup ??= this.textureBindGroup(pipeline, tex);
    this.dispatch(pipeline, this.affineGroup);
  }

  /**
   * writeAffine with the matrix in a GPU buffer (six f32 at `byteOffset`: m00 m01 m02 m10 m11 m12), copied into the
   * pass's uniform on the queue: a crop whose ROI a kernel computed, read back by no one. `upload` false reuses the
   * pixels of the previous write (several crops of one frame).
   */
  async writeAffineFrom(px: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }, matrix: GPUBuffer, byteOffset: number, upload = true): Promise<void> {
    const { width, height } = px;
    this.writeParams(width, height, placement(width, height, this.opts), NO_AFFINE);
    const pipeline = await this.pipeline(AFFINE);
    const tex = this.textureFor(width, height);
    if (upload) this.writePixels(px, tex);
    this.affineGroup ??= this.textureBindGroup(pipeline, tex);
    this.dispatch(pipeline, this.affineGroup, (enc) => enc.copyBufferToBuffer(matrix, byteOffset, this.uniform, AFFINE_BYTES, 24));
  }

  /** Encodes the upload and the pass and submits them; the target holds the image once the queue gets there. */
  async write(source: ImageSource): Promise<Placement> {
    if (this.upload === 'cpu' && !isPixels(source)) source = this.reader.read(source);
    const { width, height } = sourceSize(source);
    const p = placement(width, height, this.opts);
    this.writeParams(width, height, p);
    let ext: GPUExternalTexture | undefined;
    let bitmap: ImageBitmap | undefined;
    if (isVideo(source)) {
      if (this.video === undefined || this.video === 'external') {
        try {
          ext = this.device.importExternalTexture({ source: source as HTMLVideoElement | VideoFrame });
          this.video = 'external';
        } catch {
          // Some adapters (SwiftShader among them) refuse video frames, for import and for copy alike.
          this.video = 'copy';
        }
      }
      if (this.video === 'bitmap') bitmap = await createImageBitmap(source as HTMLVideoElement | VideoFrame);
    }
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
    } else {
      const tex = this.textureFor(width, height);
      if (isPixels(source)) this.writePixels(source, tex);
      else if (bitmap) {
        this.copy(bitmap, tex, width, height);
        bitmap.close();
      } else if (this.video === 'copy' && isVideo(source)) {
        try {
          this.copy(source, tex, width, height);
        } catch {
          this.video = 'bitmap';
          const b = await createImageBitmap(source as HTMLVideoElement | VideoFrame);
          this.copy(b, tex, width, height);
          b.close();
        }
      } else this.copy(source as GPUCopyExternalImageSource, tex, width, height);
      this.textureGroup ??= this.textureBindGroup(pipeline, tex);
      group = this.textureGroup;
    }
    this.dispatch(pipeline, group);
    return p;
  }

  // 'auto' layouts differ per pipeline: main and main_affine each keep their own group.
  private textureBindGroup(pipeline: GPUComputePipeline, tex: GPUTexture): GPUBindGroup {
    return this.device.createBindGroup({
      label: 'image input',
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.uniform } },
        { binding: 1, resource: { buffer: this.target.buffer } },
        { binding: 2, resource: tex.createView() },
      ],
    });
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

  private copy(source: GPUCopyExternalImageSource, texture: GPUTexture, width: number, height: number): void {
    this.device.queue.copyExternalImageToTexture({ source }, { texture, premultipliedAlpha: false }, [width, height]);
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

  private textureFor(width: number, height: number): GPUTexture {
    if (this.texture && this.texture.width === width && this.texture.height === height) return this.texture;
    this.texture?.destroy();
    this.textureGroup = undefined;
    this.affineGroup = undefined;
    this.texture = this.device.createTexture({ label: 'image input source', size: [width, height], format: 'rgba8unorm', usage: TEXTURE_USAGE });
    return this.texture;
  }

  private writePixels(px: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }, tex: GPUTexture): void {
    const n = px.width * px.height;
    let data = px.data;
    if (data.length === n * 3) {
      if (this.rgba?.length !== n * 4) this.rgba = new Uint8Array(n * 4);
      const out = this.rgba;
      for (let i = 0; i < n; i++) {
        out[4 * i] = data[3 * i]!;
        out[4 * i + 1] = data[3 * i + 1]!;
        out[4 * i + 2] = data[3 * i + 2]!;
        out[4 * i + 3] = 255;
      }
      data = out;
    }
    this.device.queue.writeTexture({ texture: tex }, data as Uint8Array<ArrayBuffer>, { bytesPerRow: px.width * 4, rowsPerImage: px.height }, [px.width, px.height]);
  }

  dispose(): void {
    this.texture?.destroy();
    this.texture = undefined;
    this.textureGroup = undefined;
    this.affineGroup = undefined;
    this.uniform.destroy();
  }
}
