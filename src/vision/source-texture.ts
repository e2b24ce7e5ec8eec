// A frame on the GPU: one rgba8unorm texture, made once and reused while the source size stays, that any image
// source is put into — copyExternalImageToTexture for images, canvases, bitmaps and video (the pixels never reach
// JS), writeTexture for pixels already in memory. Several passes may sample one frame (a task's detector letterbox
// and its second-stage crops): they share one SourceTexture.
import { isPixels, isVideo, PixelReader, sourceSize, type ImageSource } from './source.js';

// GPUTextureUsage: COPY_DST | TEXTURE_BINDING | RENDER_ATTACHMENT (copyExternalImageToTexture needs the last).
const TEXTURE_USAGE = 0x02 | 0x04 | 0x10;

type RawPixels = { data: Uint8Array | Uint8ClampedArray; width: number; height: number };

export class SourceTexture {
  private tex?: GPUTexture;
  private rgba?: Uint8Array;
  private readonly reader = new PixelReader();
  /** Textures created so far (one per source size). */
  created = 0;
  /** Frames whose pixels were read on the CPU first (upload 'cpu'; pixel arrays are already there and not counted). */
  cpuReads = 0;
  /**
   * How video frames are copied: 'copy' (copyExternalImageToTexture); where the adapter refuses that (SwiftShader in
   * headless Chromium), 'bitmap': createImageBitmap, then a copy.
   */
  video: 'copy' | 'bitmap' | undefined;

  constructor(
    readonly device: GPUDevice,
    /**
     * 'copy': copyExternalImageToTexture, the image never leaves the GPU. 'cpu': read the pixels through a canvas
     * and writeTexture them (on a software adapter "GPU" memory is CPU memory, see GpuImageInput).
     */
    readonly upload: 'copy' | 'cpu' = 'copy',
  ) {}

  /** The texture holding the last frame put (undefined before the first). */
  get texture(): GPUTexture | undefined {
    return this.tex;
  }

  /** Puts `source` into the texture (queue order: passes submitted after this sample it); returns the texture. */
  async put(source: ImageSource): Promise<GPUTexture> {
    if (this.upload === 'cpu' && !isPixels(source)) {
      source = this.reader.read(source);
      this.cpuReads++;
    }
    const { width, height } = sourceSize(source);
    const tex = this.textureFor(width, height);
    if (isPixels(source)) this.writePixels(source, tex);
    else if (isVideo(source)) await this.putVideo(source, tex, width, height);
    else this.copy(source as GPUCopyExternalImageSource, tex, width, height);
    return tex;
  }

  private async putVideo(source: HTMLVideoElement | VideoFrame, tex: GPUTexture, width: number, height: number): Promise<void> {
    if (this.video !== 'bitmap') {
      try {
        this.copy(source, tex, width, height);
        this.video = 'copy';
        return;
      } catch {
        this.video = 'bitmap';
      }
    }
    const b = await createImageBitmap(source);
    this.copy(b, tex, width, height);
    b.close();
  }

  private copy(source: GPUCopyExternalImageSource, texture: GPUTexture, width: number, height: number): void {
    this.device.queue.copyExternalImageToTexture({ source }, { texture, premultipliedAlpha: false }, [width, height]);
  }

  private textureFor(width: number, height: number): GPUTexture {
    if (this.tex && this.tex.width === width && this.tex.height === height) return this.tex;
    this.tex?.destroy();
    this.tex = this.device.createTexture({ label: 'image input source', size: [width, height], format: 'rgba8unorm', usage: TEXTURE_USAGE });
    this.created++;
    return this.tex;
  }

  private writePixels(px: RawPixels, tex: GPUTexture): void {
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
    this.tex?.destroy();
    this.tex = undefined;
  }
}
