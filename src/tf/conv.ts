import { ShapeError } from '../errors.js';
import { shapeStr } from '../tensor.js';
import { activate, NONE, type TfActivation } from './activation.js';
import type { TfBuilder, TfTensor } from './builder.js';
import { reshapeTo } from './elementwise.js';

/** TF padding: SAME/VALID, or explicit [[top, bottom], [left, right]]. */
export type TfPadding = 'SAME' | 'VALID' | { explicit: [[number, number], [number, number]] };

export interface WindowOpts {
  strides?: [number, number];
  dilations?: [number, number];
  padding: TfPadding;
}

export interface ConvOpts extends WindowOpts {
  activation?: TfActivation;
  /**
   * Filter layout: TF's Conv2D HWIO [kH, kW, Cin/g, Cout] (default) or TFLite's OHWI [Cout, kH, kW, Cin/g].
   * Depthwise: TF's [kH, kW, C, M] (HWCM, default) or TFLite's [1, kH, kW, C·M] (1HWO).
   * Transposed conv: TF's [kH, kW, Cout, Cin] (HWOI, default) or TFLite's [Cout, kH, kW, Cin] (OHWI).
   */
  filterLayout?: 'HWIO' | 'OHWI' | 'HWCM' | '1HWO' | 'HWOI';
}

/** Pads [top, left, bottom, right] of a 2-D window, TF's rule: SAME puts the odd unit at the end. */
export function windowPads(inHW: readonly number[], kernel: readonly number[], o: WindowOpts): [number, number, number, number] {
  const s = o.strides ?? [1, 1];
  const d = o.dilations ?? [1, 1];
  if (o.padding === 'VALID') return [0, 0, 0, 0];
  if (o.padding === 'SAME') {
    const p = [0, 1].map((i) => {
      const out = Math.ceil(inHW[i]! / s[i]!);
      const total = Math.max((out - 1) * s[i]! + (kernel[i]! - 1) * d[i]! + 1 - inHW[i]!, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
    return [p[0]![0]!, p[1]![0]!, p[0]![1]!, p[1]![1]!];
  }
  const [[t, bt], [l, r]] = o.padding.explicit;
  return [t, l, bt, r];
}

function windowAttrs(o: WindowOpts, pads: number[]) {
  return { strides: [...(o.strides ?? [1, 1])], dilations: [...(o.dilations ?? [1, 1])], pads };
}

function biasEdge(b: TfBuilder, base: string, bias: TfTensor | undefined, cout: number): string[] {
  if (!bias) return [];
  if (bias.shape.length !== 1 || bias.shape[0] !== cout)
    throw new ShapeError(base, 'BiasAdd', `bias ${shapeStr(bias.shape)} must be [${cout}]`);
  return [b.toPlain(bias).edge];
}

/** Conv2D: x NHWC, filter HWIO (or OHWI), optional bias [Cout], fused activation. Grouped when Cin > filter Cin. */
export function conv2d(b: TfBuilder, base: string, x: TfTensor, filter: TfTensor, bias: TfTensor | undefined, o: ConvOpts): TfTensor {
  const xs = x.shape;
  if (xs.length !== 4 || filter.shape.length !== 4)
    throw new ShapeError(base, 'Conv2D', `input ${shapeStr(xs)} and filter ${shapeStr(filter.shape)} must be 4-D`);
  const ohwi = o.filterLayout === 'OHWI';
  const w = b.op('Transpose', `${base}/filter`, [b.toPlain(filter)], { perm: ohwi ? [0, 3, 1, 2] : [3, 2, 0, 1] }, {
    shape: ohwi ? [filter.shape[0]!, filter.shape[3]!, filter.shape[1]!, filter.shape[2]!] : [filter.shape[3]!, filter.shape[2]!, filter.shape[0]!, filter.shape[1]!],
    layout: 'plain',
    dtype: 'float32',
  });
  const [cout, cpg, kh, kw] = w.shape as [number, number, number, number];
  if (cpg === 0 || xs[3]! % cpg !== 0)
    throw new ShapeError(base, 'Conv2D', `input ${shapeStr(xs)} has ${xs[3]} channels, not a multiple of the filter's ${cpg}`);
  const group = xs[3]! / cpg;
  return convCore(b, base, x, w, biasEdge(b, base, bias, cout), [kh, kw], cout, group, o);
}

/** DepthwiseConv2dNative: filter [kH, kW, C, M] (or TFLite [1, kH, kW, C·M]); output channel c·M + m. */
export function depthwiseConv2d(b: TfBuilder, base: string, x: TfTensor, filter: TfTensor, bias: TfTensor | undefined, o: ConvOpts): TfTensor {
  const xs = x.shape;
  const fs = filter.shape;
  if (xs.length !== 4 || fs.length !== 4)
    throw new ShapeError(base, 'DepthwiseConv2d', `input ${shapeStr(xs)} and filter ${shapeStr(fs)} must be 4-D`);
  const c = xs[3]!;
  const tflite = o.filterLayout === '1HWO';
  const [kh, kw] = tflite ? [fs[1]!, fs[2]!] : [fs[0]!, fs[1]!];
  const cm = tflite ? fs[3]! : fs[2]! * fs[3]!;
  if ((!tflite && fs[2] !== c) || cm % c !== 0 || (tflite && fs[0] !== 1))
    throw new ShapeError(base, 'DepthwiseConv2d', `filter ${shapeStr(fs)} does not fit input ${shapeStr(xs)}`);
  const t = tflite
    ? b.op('Transpose', `${base}/filter`, [b.toPlain(filter)], { perm: [3, 0, 1, 2] }, { shape: [cm, 1, kh, kw], layout: 'plain', dtype: 'float32' })
    : b.op('Transpose', `${base}/filter`, [b.toPlain(filter)], { perm: [2, 3, 0, 1] }, { shape: [fs[2]!, fs[3]!, kh, kw], layout: 'plain', dtype: 'float32' });
  const w = reshapeTo(b, `${base}/filter`, t, [cm, 1, kh, kw]);
  return convCore(b, base, x, w, biasEdge(b, base, bias, cm), [kh, kw], cm, c, o);
}

function convCore(b: TfBuilder, base: string, x: TfTensor, w: TfTensor, bias: string[], k: [number, number], cout: number, group: number, o: ConvOpts): TfTensor {
  const xn = b.toNchw(x);
  const pads = windowPads([x.shape[1]!, x.shape[2]!], k, o);
  const s = o.strides ?? [1, 1];
  const d = o.dilations ?? [1, 1];
  const out = [0, 1].map((i) => Math.floor((x.shape[1 + i]! + pads[i]! + pads[i + 2]! - (k[i]! - 1) * d[i]! - 1) / s[i]!) + 1);
  const y = b.op('Conv', base, [xn.edge, w.edge, ...bias], { ...windowAttrs(o, pads), group, kernel_shape: [...k] }, {
    shape: [x.shape[0]!, out[0]!, out[1]!, cout],
    layout: 'nchw',
    dtype: 'float32',
  });
  return activate(b, base, y, o.activation ?? NONE);
}

/**
 * Conv2DBackpropInput / TFLite TRANSPOSE_CONV: output NHWC shape given; filter [kH, kW, Cout, Cin] (HWOI) or
 * TFLite [Cout, kH, kW, Cin] (OHWI). Pads are chosen so the forward conv of the output gives the input.
 */
export function transposeConv2d(b: TfBuilder, base: string, x: TfTensor, filter: TfTensor, outShape: readonly number[], bias: TfTensor | undefined, o: ConvOpts): TfTensor {
  const fs = filter.shape;
  if (x.shape.length !== 4 || fs.length !== 4 || outShape.length !== 4)
    throw new ShapeError(base, 'Conv2DBackpropInput', `input ${shapeStr(x.shape)}, filter ${shapeStr(fs)} and output shape [${outShape.join(', ')}] must be 4-D`);
  const ohwi = o.filterLayout === 'OHWI';
  const [kh, kw, cout, cin] = ohwi ? [fs[1]!, fs[2]!, fs[0]!, fs[3]!] : [fs[0]!, fs[1]!, fs[2]!, fs[3]!];
  if (cin !== x.shape[3] || cout !== outShape[3])
    throw new ShapeError(base, 'Conv2DBackpropInput', `filter ${shapeStr(fs)} does not fit input ${shapeStr(x.shape)} and output [${outShape.join(', ')}]`);
  const w = b.op('Transpose', `${base}/filter`, [b.toPlain(filter)], { perm: ohwi ? [3, 0, 1, 2] : [3, 2, 0, 1] }, {
    shape: [cin, cout, kh, kw],
    layout: 'plain',
    dtype: 'float32',
  });
  const s = o.strides ?? [1, 1];
  const d = o.dilations ?? [1, 1];
  const pads = [0, 0, 0, 0];
  const outPad = [0, 0];
  for (const i of [0, 1]) {
    const inn = x.shape[1 + i]!;
    const out = outShape[1 + i]!;
    const ke = (i === 0 ? kh - 1 : kw - 1) * d[i]! + 1;
    const full = (inn - 1) * s[i]! + ke;
    let pb = 0;
    let pe = 0;
    if (o.padding === 'SAME') {
      const t = Math.max(full - out, 0);
      pb = Math.floor(t / 2);
      pe = t - pb;
    } else if (o.padding === 'VALID') pe = Math.max(full - out, 0);
    else [pb, pe] = o.padding.explicit[i]!;
    pads[i] = pb;
    pads[i + 2] = pe;
    outPad[i] = out - (full - pb - pe);
    if (outPad[i]! < 0) throw new ShapeError(base, 'Conv2DBackpropInput', `output shape [${outShape.join(', ')}] is too small for input ${shapeStr(x.shape)}`);
  }
  const y = b.op('ConvTranspose', base, [b.toNchw(x).edge, w.edge, ...biasEdge(b, base, bias, cout)], {
    ...windowAttrs(o, pads),
    kernel_shape: [kh, kw],
    output_padding: outPad,
  }, { shape: [...outShape], layout: 'nchw', dtype: 'float32' });
  return activate(b, base, y, o.activation ?? NONE);
}

export interface PoolOpts extends WindowOpts {
  kernel: [number, number];
  activation?: TfActivation;
}

/** MaxPool / AvgPool (TF's average never counts padding). */
export function pool(b: TfBuilder, base: string, kind: 'max' | 'avg', x: TfTensor, o: PoolOpts): TfTensor {
  if (x.shape.length !== 4) throw new ShapeError(base, kind === 'max' ? 'MaxPool' : 'AvgPool', `input ${shapeStr(x.shape)} must be 4-D`);
  const pads = windowPads([x.shape[1]!, x.shape[2]!], o.kernel, o);
  const s = o.strides ?? [1, 1];
  const out = [0, 1].map((i) => Math.floor((x.shape[1 + i]! + pads[i]! + pads[i + 2]! - o.kernel[i]!) / s[i]!) + 1);
  const attrs = { kernel_shape: [...o.kernel], strides: [...s], pads, ...(kind === 'avg' ? { count_include_pad: 0 } : {}) };
  const y = b.op(kind === 'max' ? 'MaxPool' : 'AveragePool', base, [b.toNchw(x)], attrs, {
    shape: [x.shape[0]!, out[0]!, out[1]!, x.shape[3]!],
    layout: 'nchw',
    dtype: x.dtype,
  });
  return activate(b, base, y, o.activation ?? NONE);
}
