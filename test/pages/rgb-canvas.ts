// The RGB image a Node test sends (base64, 3 bytes a pixel) on an opaque 2-D canvas: the input MediaPipe's solution pages send.
export function rgbCanvas(b64: string, width: number, height: number): HTMLCanvasElement {
  const rgb = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [width, height];
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    img.data.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
