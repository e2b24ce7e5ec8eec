// The tasks' results on a WebGPU canvas: boxes, keypoints and skeletons as thick lines and dots, drawn as instanced
// quads by one render pass (shaders/landmark_overlay.wgsl). A frame's primitives go into a CPU list, are uploaded
// once into a storage buffer that is reused from frame to frame (it grows only when a frame has more primitives
// than any before), and drawn over what the canvas holds, e.g. GpuMaskRenderer's mask from the same frame.
import overlayWgsl from '../../shaders/landmark_overlay.wgsl?raw';
import { InputError } from '../errors.js';
import { STORAGE, UNIFORM } from '../gpu/memory.js';
import { defineParams } from '../gpu/params.js';
import { compileModule, shader } from '../gpu/shader.js';
import { DRAW_COLORS, DRAW_SIZES, HAND_CONNECTIONS, POSE_CONNECTIONS, poseSeen, visitSkeleton, type DrawStyle } from './draw.js';
import type { FaceDetection } from './face-detector.js';
import type { HandLandmark } from './hand-landmarker.js';
import type { PoseLandmark } from './pose-landmarker.js';

const params = defineParams([
  ['width', 'f32'],
  ['height', 'f32'],
]);
const OVERLAY = shader('landmark_overlay', overlayWgsl, params);
/** struct Prim in the shader: ends (4 × f32), radius (f32), color (u32), two pad words. */
const PRIM_WORDS = 8;
const PRIM_BYTES = PRIM_WORDS * 4;
const RENDER_ATTACHMENT = 0x10;
/** GPUShaderStage.VERTEX (the namespace is absent in some Node set-ups before init). */
const VERTEX = 0x1;

/** A CSS hex colour ('#rgb', '#rrggbb', '#rrggbbaa') as the shader's packed RGBA8 word. */
export function packColor(color: string): number {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color)?.[1];
  if (!hex) throw new InputError(`GPU overlay: colour "${color}" is not a hex colour ('#rgb', '#rrggbb' or '#rrggbbaa')`);
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const [r, g, b, a = 255] = full.match(/../g)!.map((h) => parseInt(h, 16));
  return (r! | (g! << 8) | (b! << 16) | (a << 24)) >>> 0;
}

/**
 * Draws boxes, skeletons and keypoints onto a WebGPU canvas (or a texture with RENDER_ATTACHMENT usage, e.g. the
 * rgba8unorm one GpuMaskRenderer writes). Per frame: `drawDetections` / `drawHandLandmarks` / `drawPoseLandmarks` (or `line` / `dot`) add to the
 * frame's list, `render()` uploads it with one writeBuffer and draws it in one pass. Sizes are canvas pixels, as in
 * the 2-D helpers; `style.scale` maps source pixels to canvas pixels. Scores are not written (no text on the GPU).
 */
export class GpuLandmarkRenderer {
  private readonly ctx?: GPUCanvasContext;
  private readonly texture?: GPUTexture;
  private readonly uniform: GPUBuffer;
  private readonly layout: GPUBindGroupLayout;
  private prims?: GPUBuffer;
  private group?: GPUBindGroup;
  private module?: Promise<GPUShaderModule>;
  private readonly pipelines = new Map<GPUTextureFormat, Promise<GPURenderPipeline>>();
  private words = new ArrayBuffer(0);
  private f32 = new Float32Array(this.words);
  private u32 = new Uint32Array(this.words);
  private size = '';
  /** Primitives in this frame's list so far. */
  count = 0;
  /** GPU buffers this renderer created (the uniform, then the primitive buffer and each time it grew). */
  buffersCreated = 0;
  passes = 0;

  /**
   * Onto a canvas or into a texture. A canvas already configured for rendering (e.g. by GpuMaskRenderer, which
   * draws first) keeps its configuration, read again at each render; otherwise it is configured here with the
   * browser's preferred format.
   */
  constructor(
    readonly device: GPUDevice,
    readonly canvas: HTMLCanvasElement | OffscreenCanvas | GPUTexture,
    opts: { capacity?: number } = {},
  ) {
    if ('createView' in canvas) {
      if (!(canvas.usage & RENDER_ATTACHMENT)) throw new InputError(`GPU overlay: the target texture (${canvas.format}) needs RENDER_ATTACHMENT usage`);
      this.texture = canvas;
    } else {
      const ctx = canvas.getContext('webgpu') as GPUCanvasContext | null;
      if (!ctx) throw new InputError('GPU overlay: the canvas has no WebGPU context (is it already used for 2-D drawing?)');
      this.ctx = ctx;
      const config = ctx.getConfiguration?.();
      if (!(config && config.device === device && config.usage & RENDER_ATTACHMENT))
        ctx.configure({ device, format: navigator.gpu.getPreferredCanvasFormat(), usage: RENDER_ATTACHMENT, alphaMode: 'premultiplied' });
    }
    this.layout = device.createBindGroupLayout({
      label: 'landmark overlay',
      entries: [
        { binding: 0, visibility: VERTEX, buffer: { type: 'uniform' } },
        { binding: 1, visibility: VERTEX, buffer: { type: 'read-only-storage' } },
      ],
    });
    const capacity = opts.capacity ?? 64;
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new InputError(`GPU overlay: capacity must be a positive integer, got ${capacity}`);
    this.uniform = this.createBuffer(params.byteSize, UNIFORM, 'landmark overlay params');
    this.reserve(capacity);
  }

  private createBuffer(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    this.buffersCreated++;
    return this.device.createBuffer({ size, usage, label });
  }

  /** Room for `n` primitives in the CPU list (doubling); the GPU buffer follows at the next render. */
  private reserve(n: number): void {
    if (n * PRIM_BYTES <= this.words.byteLength) return;
    const words = new ArrayBuffer(Math.max(n, 2 * this.words.byteLength / PRIM_BYTES) * PRIM_BYTES);
    new Uint8Array(words).set(new Uint8Array(this.words));
    [this.words, this.f32, this.u32] = [words, new Float32Array(words), new Uint32Array(words)];
  }

  /** The target's format now: a canvas may have been configured again since (GpuMaskRenderer does so). */
  private format(): GPUTextureFormat {
    return this.texture?.format ?? this.ctx!.getConfiguration?.()?.format ?? navigator.gpu.getPreferredCanvasFormat();
  }

  private compile(format: GPUTextureFormat): Promise<GPURenderPipeline> {
    let p = this.pipelines.get(format);
    if (!p) {
      this.module ??= compileModule(this.device, OVERLAY);
      const over = { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' } as const;
      p = this.module.then((module) =>
        this.device.createRenderPipelineAsync({
          label: 'landmark overlay',
          layout: this.device.createPipelineLayout({ bindGroupLayouts: [this.layout] }),
          vertex: { module, entryPoint: 'vs' },
          fragment: { module, entryPoint: 'fs', targets: [{ format, blend: { color: over, alpha: over } }] },
          primitive: { topology: 'triangle-list' },
        }),
      );
      this.pipelines.set(format, p);
    }
    return p;
  }

  async prepare(): Promise<void> {
    await this.compile(this.format());
  }

  /** A thick segment (round ends), `width` canvas pixels across. */
  line(ax: number, ay: number, bx: number, by: number, width: number, color: string): this {
    return this.push(ax, ay, bx, by, width / 2, packColor(color));
  }

  /** A filled dot of `radius` canvas pixels. */
  dot(x: number, y: number, radius: number, color: string): this {
    return this.push(x, y, x, y, radius, packColor(color));
  }

  private push(ax: number, ay: number, bx: number, by: number, radius: number, color: number): this {
    if (![ax, ay, bx, by, radius].every(Number.isFinite)) throw new InputError(`GPU overlay: a primitive with a non-finite coordinate or size (${[ax, ay, bx, by, radius].join(', ')})`);
    this.reserve(this.count + 1);
    const o = this.count++ * PRIM_WORDS;
    this.f32.set([ax, ay, bx, by, radius], o);
    this.u32[o + 5] = color;
    return this;
  }

  /** Each box's outline and keypoints (drawDetections' figure, without the score). */
  drawDetections(detections: readonly FaceDetection[], style: DrawStyle = {}): this {
    const s = style.scale ?? 1;
    const color = packColor(style.color ?? DRAW_COLORS.detections);
    const half = (style.lineWidth ?? DRAW_SIZES.lineWidth) / 2;
    for (const { box, keypoints } of detections) {
      const [x0, y0, x1, y1] = [box.x * s, box.y * s, (box.x + box.width) * s, (box.y + box.height) * s];
      this.push(x0, y0, x1, y0, half, color).push(x1, y0, x1, y1, half, color).push(x1, y1, x0, y1, half, color).push(x0, y1, x0, y0, half, color);
      for (const k of keypoints) this.push(k.x * s, k.y * s, k.x * s, k.y * s, style.radius ?? DRAW_SIZES.radius, color);
    }
    return this;
  }

  drawHandLandmarks(landmarks: readonly HandLandmark[], style: DrawStyle = {}): this {
    return this.skeleton(landmarks, HAND_CONNECTIONS, () => true, { color: DRAW_COLORS.hand, ...style });
  }

  /** Landmarks with visibility under `minVisibility` (default 0.5) are left out, as in drawPoseLandmarks. */
  drawPoseLandmarks(landmarks: readonly PoseLandmark[], style: DrawStyle & { minVisibility?: number } = {}): this {
    return this.skeleton(landmarks, POSE_CONNECTIONS, poseSeen(landmarks, style.minVisibility), { color: DRAW_COLORS.pose, ...style });
  }

  private skeleton(points: readonly { x: number; y: number }[], connections: readonly (readonly [number, number])[], seen: (i: number) => boolean, style: DrawStyle): this {
    const s = style.scale ?? 1;
    const color = packColor(style.color!);
    const half = (style.lineWidth ?? DRAW_SIZES.lineWidth) / 2;
    const radius = style.radius ?? DRAW_SIZES.radius;
    visitSkeleton(
      points,
      connections,
      seen,
      (a, b) => this.push(a.x * s, a.y * s, b.x * s, b.y * s, half, color),
      (p) => this.push(p.x * s, p.y * s, p.x * s, p.y * s, radius, color),
    );
    return this;
  }

  /**
   * Uploads this frame's list (one writeBuffer into the reused buffer) and draws it in one pass over the target's
   * contents (`clear`: onto transparent black instead); the list then starts empty for the next frame.
   */
  async render(opts: { clear?: boolean } = {}): Promise<void> {
    const pipeline = await this.compile(this.format());
    const { width, height } = this.canvas;
    const size = `${width}x${height}`;
    if (size !== this.size) {
      this.size = size;
      this.device.queue.writeBuffer(this.uniform, 0, params.pack({ width, height }));
    }
    const bytes = this.count * PRIM_BYTES;
    if (!this.prims || this.prims.size < bytes) {
      this.prims?.destroy();
      this.prims = this.createBuffer(this.words.byteLength, STORAGE, 'landmark overlay primitives');
      this.group = this.device.createBindGroup({
        label: 'landmark overlay',
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: this.uniform } },
          { binding: 1, resource: { buffer: this.prims } },
        ],
      });
    }
    if (bytes) this.device.queue.writeBuffer(this.prims, 0, this.words, 0, bytes);
    const enc = this.device.createCommandEncoder({ label: 'landmark overlay' });
    const pass = enc.beginRenderPass({
      colorAttachments: [{ view: (this.texture ?? this.ctx!.getCurrentTexture()).createView(), loadOp: opts.clear ? 'clear' : 'load', clearValue: [0, 0, 0, 0], storeOp: 'store' }],
    });
    if (bytes) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, this.group!);
      pass.draw(6, this.count);
    }
    pass.end();
    this.device.queue.submit([enc.finish()]);
    this.passes++;
    this.count = 0;
  }

  dispose(): void {
    this.uniform.destroy();
    this.prims?.destroy();
    this.ctx?.unconfigure();
  }
}
