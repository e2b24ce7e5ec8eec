// SSD anchors as MediaPipe's SsdAnchorsCalculator makes them (no reduce_boxes_in_lowest_layer: no model here sets it).
import type { SsdAnchorOptions } from './params.js';

/** Per anchor (x centre, y centre, w, h), normalised to the model input; 4 floats each. */
export function ssdAnchors(o: SsdAnchorOptions): Float32Array {
  const n = o.strides.length;
  const scaleAt = (i: number) => (n === 1 ? (o.minScale + o.maxScale) / 2 : o.minScale + ((o.maxScale - o.minScale) * i) / (n - 1));
  const out: number[] = [];
  for (let layer = 0; layer < n; ) {
    const sizes: [number, number][] = [];
    let last = layer;
    for (; last < n && o.strides[last] === o.strides[layer]; last++) {
      const scale = scaleAt(last);
      for (const ar of o.aspectRatios) sizes.push([scale * Math.sqrt(ar), scale / Math.sqrt(ar)]);
      if (o.interpolatedScaleAspectRatio > 0) {
        const next = last === n - 1 ? 1 : scaleAt(last + 1);
        const s = Math.sqrt(scale * next);
        const r = Math.sqrt(o.interpolatedScaleAspectRatio);
        sizes.push([s * r, s / r]);
      }
    }
    const fh = Math.ceil(o.inputHeight / o.strides[layer]!);
    const fw = Math.ceil(o.inputWidth / o.strides[layer]!);
    for (let y = 0; y < fh; y++)
      for (let x = 0; x < fw; x++)
        for (const [w, h] of sizes) out.push((x + o.anchorOffsetX) / fw, (y + o.anchorOffsetY) / fh, o.fixedAnchorSize ? 1 : w, o.fixedAnchorSize ? 1 : h);
    layer = last;
  }
  return Float32Array.from(out);
}
