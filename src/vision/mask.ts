// Output helpers for masks (selfie segmentation and the like): probabilities → a coloured, translucent overlay,
// as ImageData on the CPU or straight onto a WebGPU canvas from the model's output buffer (no readback).
import maskWgsl from '../../shaders/mask_overlay.wgsl?raw';
import { InputError } from '../errors.js';
import { UNIFORM } from '../gpu/memory.js';
import { defineParams } from '../gpu/params.js';
import { compileModule, shader } from '../gpu/shader.js';
import { shapeStr, type Shape, type Tensor } from '../tensor.js';
import type { Placement, Rect } from './options.js';

export interface MaskStyle {
  /** Hard edge: alpha where mask ≥ threshold, else 0. Without it the overlay follows the probability. */
  threshold?: number;
  /** Opacity of a certain pixel, 0–1 (default 0.5). */
  alpha?: number;
  /** 0–255 (default a blue, [30, 120, 255]). */
  color?: readonly [number, number, number];
}

const DEFAULT_COLOR = [30, 120, 255] as const;

function style(s: MaskStyle): { threshold?: number; alpha: number; color: readonly [number, number, number] } {
  const alpha = s.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`mask: alpha must be in 0..1, got ${alpha}`);
  if (s.threshold !== undefined && !Number.isFinite(s.threshold)) throw new InputError(`mask: threshold must be finite, got ${s.threshold}`);
  const color = s.color ?? DEFAULT_COLOR;
  if (color.length !== 3 || color.some((c) => !(c >= 0 && c <= 255))) throw new InputError(`mask: color must be three values in 0..255`);
  return { threshold: s.threshold, alpha, color };
}

/** Height and width of a mask tensor: [H, W], [1, H, W], [1, H, W, 1] (NHWC) or [1, 1, H, W] (NCHW). */
export function maskSize(shape: Shape): { height: number; width: number } {
  const dims = shape.length === 4 ? (shape[3] === 1 ? [shape[1], shape[2]] : shape[1] === 1 ? [shape[2], shape[3]] : []) : shape.length === 3 && shape[0] === 1 ? [shape[1], shape[2]] : shape.length === 2 ? shape : [];
  if (dims.length !== 2 || shape.filter((d) => d !== 1).length > 2) throw new InputError(`mask: expected a one-channel mask ([H, W], [1, H, W, 1] or [1, 1, H, W]), got ${shapeStr(shape)}`);
  return { height: dims[0]!, width: dims[1]! };
}

/** Mask probabilities → RGBA overlay (unpremultiplied, mask resolution); `into` is reused when it fits. */
export function maskToImageData(mask: Tensor, s: MaskStyle = {}, into?: ImageData): ImageData {
  const { width, height } = maskSize(mask.shape);
  const { threshold, alpha, color } = style(s);
  const out = into && into.width === width && into.height === height ? into : new ImageData(width, height);
  const d = out.data;
  for (let i = 0; i < width * height; i++) {
    const m = mask.data[i]!;
    const a = threshold === undefined ? Math.min(1, Math.max(0, m)) * alpha : m >= threshold ? alpha : 0;
    d[4 * i] = color[0];
    d[4 * i + 1] = color[1];
    d[4 * i + 2] = color[2];
    d[4 * i + 3] = Math.round(a * 255);
  }
  return out;
}

/**
 * The part of a mask (in mask pixels) that covers the whole source image, given where the source was placed in
 * the model input: what a canvas showing the source should sample.
 */
export function maskRegion(p: Placement, srcW: number, srcH: number, model: { width: number; height: number }, mask: { width: number; height: number }): Rect {
  const kx = p.dst.w / p.src.w;
  const ky = p.dst.h / p.src.h;
  const sx = mask.width / model.width;
  const sy = mask.height / model.height;
  return { x: (p.dst.x - p.src.x * kx) * sx, y: (p.dst.y - p.src.y * ky) * sy, w: srcW * kx * sx, h: srcH * ky * sy };
}

/** Draws a mask over a 2-D canvas (CPU path): one reused ImageData and OffscreenCanvas, scaled by drawImage. */
export class MaskPainter {
  private image?: ImageData;
  private canvas?: OffscreenCanvas;

  draw(ctx: CanvasRenderingContext2D, mask: Tensor, region: Rect, s: MaskStyle = {}): void {
    const { width, height } = maskSize(mask.shape);
    this.image = maskToImageData(mask, s, this.image);
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) this.canvas = new OffscreenCanvas(width, height);
    // a CPU-backed canvas: on an accelerated one, putImageData + drawImage can wait on a busy GPU process
    this.canvas.getContext('2d', { willReadFrequently: true })!.putImageData(this.image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.canvas, region.x, region.y, region.w, region.h, 0, 0, ctx.canvas.width, ctx.canvas.height);
  }
}

const params = defineParams([
  ['outW', 'u32'],
  ['outH', 'u32'],
  ['maskW', 'u32'],
  ['maskH', 'u32'],
  ['strideY', 'u32'],
  ['strideX', 'u32'],
  ['offset', 'u32'],
  ['regionX', 'f32'],
  ['regionY', 'f32'],
  ['regionW', 'f32'],
  ['regionH', 'f32'],
  ['threshold', 'f32'],
  ['alpha', 'f32'],
  ['r', 'f32'],
  ['g', 'f32'],
  ['b', 'f32'],
]);
const WG = 8;
const MASK = shader('mask_overlay', maskWgsl, params);
const STORAGE_BINDING = 0x08;
const RENDER_ATTACHMENT = 0x10;

/** The canvas set-up: storage for this pass, render attachment too, so GpuLandmarkRenderer (tasks/draw-gpu.ts) can draw over the mask on the same canvas. */
function configureOverlayCanvas(ctx: GPUCanvasContext, device: GPUDevice): void {
  ctx.configure({ device, format: 'rgba8unorm', usage: STORAGE_BINDING | RENDER_ATTACHMENT, alphaMode: 'premultiplied' });
}

/** A mask on the GPU: the buffer and the element strides of (y, x) in it. */
export interface GpuMask {
  readonly buffer: GPUBuffer;
  readonly width: number;
  readonly height: number;
  readonly strides: { readonly y: number; readonly x: number };
  readonly offset?: number;
}

/** Draws a GPU-resident mask onto a WebGPU canvas (or a texture) in one compute pass; pipelines and uniform are reused. */
export class GpuMaskRenderer {
  private readonly ctx?: GPUCanvasContext;
  private readonly texture?: GPUTexture;
  private readonly uniform: GPUBuffer;
  private readonly pipelines = new Map<boolean, Promise<GPUComputePipeline>>();
  private module?: Promise<GPUShaderModule>;
  private key = '';
  passes = 0;

  /** Onto a canvas (WebGPU context, configured here), or into an rgba8unorm texture with STORAGE_BINDING usage. */
  constructor(
    readonly device: GPUDevice,
    readonly canvas: HTMLCanvasElement | OffscreenCanvas | GPUTexture,
  ) {
    if ('createView' in canvas) {
      if (canvas.format !== 'rgba8unorm' || !(canvas.usage & STORAGE_BINDING)) throw new InputError('mask: the target texture must be rgba8unorm with STORAGE_BINDING usage');
      this.texture = canvas;
    } else {
      const ctx = canvas.getContext('webgpu') as GPUCanvasContext | null;
      if (!ctx) throw new InputError('mask: the canvas has no WebGPU context (is it already used for 2-D drawing?)');
      this.ctx = ctx;
      configureOverlayCanvas(ctx, device);
    }
    this.uniform = device.createBuffer({ size: params.byteSize, usage: UNIFORM, label: 'mask overlay params' });
  }

  private pipeline(threshold: boolean): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(threshold);
    if (!p) {
      this.module ??= compileModule(this.device, MASK);
      p = this.module.then((module) =>
        this.device.createComputePipelineAsync({ label: 'mask overlay', layout: 'auto', compute: { module, constants: { WG_X: WG, WG_Y: WG, THRESHOLD: threshold ? 1 : 0 } } }),
      );
      this.pipelines.set(threshold, p);
    }
    return p;
  }

  async prepare(): Promise<void> {
    await Promise.all([this.pipeline(false), this.pipeline(true)]);
  }

  /** Submits the pass; the canvas shows it at the next frame. `region` is the part of the mask to show (maskRegion). */
  async draw(mask: GpuMask, region: Rect, s: MaskStyle = {}): Promise<void> {
    const { threshold, alpha, color } = style(s);
    const pipeline = await this.pipeline(threshold !== undefined);
    const { width: outW, height: outH } = this.canvas;
    const values = {
      outW,
      outH,
      maskW: mask.width,
      maskH: mask.height,
      strideY: mask.strides.y,
      strideX: mask.strides.x,
      offset: mask.offset ?? 0,
      regionX: region.x,
      regionY: region.y,
      regionW: region.w,
      regionH: region.h,
      threshold: threshold ?? 0,
      alpha,
      r: color[0] / 255,
      g: color[1] / 255,
      b: color[2] / 255,
    };
    const key = JSON.stringify(values);
    if (key !== this.key) {
      this.key = key;
      this.device.queue.writeBuffer(this.uniform, 0, params.pack(values));
    }
    // The canvas hands out a new texture every frame, so the bind group is per frame.
    const group = this.device.createBindGroup({
      label: 'mask overlay',
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.uniform } },
        { binding: 1, resource: { buffer: mask.buffer } },
        { binding: 2, resource: (this.texture ?? this.ctx!.getCurrentTexture()).createView() },
      ],
    });
    const enc = this.device.createCommandEncoder({ label: 'mask overlay' });
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.ceil(outW / WG), Math.ceil(outH / WG));
    pass.end();
    this.device.queue.submit([enc.finish()]);
    this.passes++;
  }

  /** Clears the overlay (the canvas keeps its WebGPU context). */
  clear(): void {
    this.ctx?.unconfigure();
    if (this.ctx) configureOverlayCanvas(this.ctx, this.device);
  }

  dispose(): void {
    this.uniform.destroy();
    this.ctx?.unconfigure();
  }
}
