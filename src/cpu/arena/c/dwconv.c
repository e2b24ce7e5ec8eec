#include "dwconv.h"
#include "lanes.h"

// Depthwise convolution, NHWC, one output row at a time: each accumulator starts from the bias and takes one
// multiply-add per tap, the taps row-major. With multiplier 1, 8 channels or more, no dilation along x, and a kernel 3
// wide at stride 1 or 2 or 5 wide at stride 1 (along x; MobileNet's and MediaPipe's depthwise layers but one), the
// interior of a row goes in blocks of 8 (then 4) output pixels, each block as strips of 4 channels where each input
// column is loaded once for all the outputs it reaches (see strip()); pixels with kernel columns in the padding go one
// at a time, as XNNPACK's unipass dwconv (3×3: one input pointer per tap, the zero vector in the padding; else the
// loops below). Any other kernel or multiplier loops over the taps inside the input, interior pixels DW_PX at a time.
// Measured (bench/arena-dwconv.ts; Node 20 runs madd as mul + add, Chromium as relaxed_madd) against DW_PX-pixel
// tiles of 8 channels loading every tap (the 3×3 path before strips): MobileNetV2's and MediaPipe's 3×3 stride-1
// layers 1.4–1.9× faster in Node (10–12 GMAC/s, the mul + add peak of the GEMMs) and 1.1–1.4× in Chromium; stride 2
// 1.2–1.5× in Node, 0.9–1.1× in Chromium; 8 pixels a strip beat 4 by 5–10 % (8 accumulators hide the multiply-add
// latency). Clamps (none, relu, clip) and hard swish are applied as a tile is stored (in registers: 10 % faster than
// a pass over the stored tile); any other activation, the residual and the activation after it in one pass over the
// finished row.
//
// Everything but the tensors lives in one read-only block the builder packs (src/cpu/arena/ops/conv-depthwise.ts):
//   dw_params (DW_HEADER floats) | zero vector [cpad] | per 8-channel group: bias[8], then kh·kw taps × 8.
// cpad = cout rounded up to 8; group g holds the channels from group_at(8g, cout) (zero-padded under 8 channels).
// Output channel c·mult+j reads input channel c.

#define DW_HEADER 32
#define DW_GROUP 8
// Interior output pixels a tile computes together (each tap's weights loaded once for all of them).
#define DW_PX 4
// Output pixels a strip computes together (then 4 for the rest).
#define DW_STRIP 8


#define UNROLL _Pragma("clang loop unroll(full)")

// The first n lanes of v to o (all four when n >= 4).
static inline void store_n(f32 *o, f32x4 v, int n) {
  if (n >= 4) store4(o, v);
  else store_first(o, v, n);
}

// Four output channels from oc of the input pixel px (mult > 1: each lane reads input channel oc / mult).
static inline f32x4 gather(const f32 *px, int oc, int mult) {
  return wasm_f32x4_make(px[oc / mult], px[(oc + 1) / mult], px[(oc + 2) / mult], px[(oc + 3) / mult]);
}

// The epilogue a tile applies as it stores: clamp to [lo, hi] (none, relu, clip: lo, hi from the activation; any
// other activation: ±inf, then the row pass), or hard swish (v·clamp(v/6 + 1/2, 0, 1)·g).
typedef struct {
  f32x4 lo, hi, g;
  int hs;
} dw_epi;

static inline dw_epi epi_of(const dw_params *p) {
  const int clamp = p->act == ACT_CLAMP, hs = p->act == ACT_HARDSWISH;
  const f32 lo = clamp ? p->act_a : hs ? 0.0f : -__builtin_inff(), hi = clamp ? p->act_b : hs ? 1.0f : __builtin_inff();
  return (dw_epi){ splat(lo), splat(hi), splat(p->act_a), hs };
}

// e on the n accumulators (n a constant: the loops unroll).
static inline __attribute__((always_inline)) void epi_n(f32x4 *acc, const int n, dw_epi e) {
  if (e.hs) {
    UNROLL for (int i = 0; i < n; i++) {
      const f32x4 h = clamp4(wasm_f32x4_add(wasm_f32x4_mul(acc[i], splat(1.0f / 6.0f)), splat(0.5f)), e.lo, e.hi);
      acc[i] = wasm_f32x4_mul(wasm_f32x4_mul(acc[i], h), e.g);
    }
  } else {
    UNROLL for (int i = 0; i < n; i++) acc[i] = clamp4(acc[i], e.lo, e.hi);
  }
}

// The PX·2 accumulators through e to PX output pixels (CO floats apart), channels c.. (n of them left).
static inline __attribute__((always_inline)) void store_tile(f32 *o, int CO, int c, int n, f32x4 *acc, dw_epi e,
                                                             const int PX) {
  epi_n(acc, 2 * PX, e);
  UNROLL for (int q = 0; q < PX; q++) {
    f32 *oq = o + q * CO + c;
    store_n(oq, acc[2 * q], n);
    if (n > 4) store_n(oq + 4, acc[2 * q + 1], n - 4);
  }
}

// The channel group's second vector starts c4 floats after its first: 4, or 0 in a group of under 8 channels without
// channels there (it then repeats the first, so no load reaches past a pixel's 16-byte slack, and is not stored).
static inline int second(int n) { return n > 4 ? 4 : 0; }

// The first channel of group g (of 8, g < ceil(CO / 8)): the last group of CO >= 8 channels ends at CO, so it may
// overlap the one before (those channels are computed twice, the same bits); under 8 channels, a group from 0.
static inline int group_at(int c, int CO) { return c + DW_GROUP <= CO || CO < DW_GROUP ? c : CO - DW_GROUP; }

// 3×3 edge pixel: the 8 channels from c of one output pixel, taps ip[0..9) (the zero vector in the padding).
static inline void tile3(f32 *o, const f32 *const *ip, const f32 *w, int c, dw_epi e) {
  f32x4 acc[2] = { load4(w), load4(w + 4) };
  UNROLL for (int t = 0; t < 9; t++) {
    acc[0] = madd(load4(ip[t] + c), load4(w + DW_GROUP * (t + 1)), acc[0]);
    acc[1] = madd(load4(ip[t] + c + 4), load4(w + DW_GROUP * (t + 1) + 4), acc[1]);
  }
  store_tile(o, 0, c, DW_GROUP, acc, e, 1);
}

// Strip: PX horizontally adjacent output pixels × 4 channels, a kernel KW wide at horizontal stride S (dilation 1).
// Input row by row: the row's KW weight vectors, then each of its (PX - 1)·S + KW input columns loaded once and
// multiplied into every output it reaches (XNNPACK's CHW dwconv2d reuse, along x in NHWC), so a row of the tile costs
// (PX - 1)·S + KW + KW loads for PX·KW multiply-adds. Each output still sums its taps row-major, as every path does.
// x: input (kernel row y0, the tile's first column, its channel), rs floats between kernel rows; w: the channels'
// bias in their group (taps 8 floats apart, DW_GROUP·KW a kernel row); o: the first output pixel, CO floats apart.
static inline __attribute__((always_inline)) void strip(const f32 *x, int rs, int C, const f32 *w, int y0, int y1,
                                                        f32 *o, int CO, dw_epi e, const int KW, const int S,
                                                        const int PX) {
  f32x4 acc[DW_STRIP];
  UNROLL for (int q = 0; q < PX; q++) acc[q] = load4(w);
  for (int ky = y0; ky < y1; ky++, x += rs) {
    const f32 *wr = w + DW_GROUP * (1 + ky * KW);
    f32x4 k[5];
    UNROLL for (int kx = 0; kx < KW; kx++) k[kx] = load4(wr + DW_GROUP * kx);
    UNROLL for (int j = 0; j < (PX - 1) * S + KW; j++) {
      const f32x4 v = load4(x + j * C);
      UNROLL for (int kx = 0; kx < KW; kx++)
        if ((j - kx) % S == 0 && j >= kx && (j - kx) / S < PX) acc[(j - kx) / S] = madd(v, k[kx], acc[(j - kx) / S]);
    }
  }
  epi_n(acc, PX, e);
  UNROLL for (int q = 0; q < PX; q++) store4(o + q * CO, acc[q]);
}

static inline const f32 *weights(const dw_params *p) {
  return (const f32 *)p + DW_HEADER + ((p->cout + DW_GROUP - 1) & ~(DW_GROUP - 1));
}

// First and one past the last tap k (of n) whose input coordinate base + k·d lies in [0, size).
static inline int tap_lo(int base, int d, int n) { int k = 0; while (k < n && base + k * d < 0) k++; return k; }
static inline int tap_hi(int base, int d, int n, int size) {
  while (n > 0 && base + (n - 1) * d >= size) n--;
  return n;
}

// Any kernel: PX output pixels from input (by, bx) (sw·C floats apart), all channels, the taps in rows [y0, y1) and
// columns [x0, x1). p: a local copy.
// FULL: CO >= 8 and multiplier 1 (8 channels a group, constant offsets); GATHER: multiplier > 1.
static inline __attribute__((always_inline)) void tile_any(const dw_params *p, const f32 *x, const f32 *w, dw_epi e,
                                                           f32 *o, int by, int bx, int y0, int y1, int x0, int x1,
                                                           const int PX, const int GATHER, const int FULL) {
  const int C = p->cin, CO = p->cout, W = p->w, GS = DW_GROUP * (1 + p->kh * p->kw);
  const int xs = p->sw * C, ds = p->dw * C;
  for (int g = 0; g < CO; g += DW_GROUP, w += GS) {
    const int c = group_at(g, CO), n = FULL ? DW_GROUP : CO - c, c4 = FULL ? 4 : second(n);
    f32x4 acc[2 * DW_PX];
    UNROLL for (int q = 0; q < PX; q++) acc[2 * q] = load4(w), acc[2 * q + 1] = load4(w + 4);
    for (int ky = y0; ky < y1; ky++) {
      const f32 *xr = x + ((by + ky * p->dh) * W + bx) * C, *wr = w + DW_GROUP * (1 + ky * p->kw);
      for (int kx = x0; kx < x1; kx++) {
        const f32x4 k0 = load4(wr + DW_GROUP * kx), k1 = load4(wr + DW_GROUP * kx + 4);
        const f32 *xp = xr + kx * ds;
        UNROLL for (int q = 0; q < PX; q++) {
          const f32 *xq = xp + q * xs;
          acc[2 * q] = madd(GATHER ? gather(xq, c, p->mult) : load4(xq + c), k0, acc[2 * q]);
          acc[2 * q + 1] = madd(GATHER ? gather(xq, c + c4, p->mult) : load4(xq + c + c4), k1, acc[2 * q + 1]);
        }
      }
    }
    store_tile(o, CO, c, n, acc, e, PX);
  }
}

// One output pixel, any kernel and multiplier: only the taps inside the input.
static __attribute__((noinline)) void single(const dw_params *params, const f32 *x, dw_epi e, f32 *o,
                                             int by, int bx, int y0, int y1) {
  const dw_params P = *params, *p = &P;
  const int x0 = tap_lo(bx, p->dw, p->kw), x1 = tap_hi(bx, p->dw, p->kw, p->w);
  if (p->mult == 1) tile_any(p, x, weights(params), e, o, by, bx, y0, y1, x0, x1, 1, 0, 0);
  else tile_any(p, x, weights(params), e, o, by, bx, y0, y1, x0, x1, 1, 1, 0);
}

// Output row oy of image x, any kernel: with multiplier 1 and 8 channels or more, interior pixels (all their kernel
// columns inside the input) DW_PX at a time; the others by single().
static __attribute__((noinline)) void row_any(const dw_params *params, const f32 *x, f32 *o, int oy) {
  const dw_params P = *params, *p = &P;
  const dw_epi e = epi_of(p);
  const int CO = p->cout, by = oy * p->sh - p->pt, y0 = tap_lo(by, p->dh, p->kh), y1 = tap_hi(by, p->dh, p->kh, p->h);
  // Output columns [xa, xb) have every kernel column inside the input.
  const int xa = p->mult == 1 && CO >= DW_GROUP ? (p->pl + p->sw - 1) / p->sw : p->wo;
  const int last = p->w - 1 + p->pl - (p->kw - 1) * p->dw;
  const int xb = last < 0 ? 0 : last / p->sw + 1 < p->wo ? last / p->sw + 1 : p->wo;
  for (int ox = 0; ox < p->wo;) {
    const int bx = ox * p->sw - p->pl;
    if (ox >= xa && ox + DW_PX <= xb) {
      tile_any(p, x, weights(params), e, o + ox * CO, by, bx, y0, y1, 0, p->kw, DW_PX, 0, 1);
      ox += DW_PX;
    } else {
      single(params, x, e, o + ox * CO, by, bx, y0, y1);
      ox++;
    }
  }
}

// One 3×3 output pixel at the edge (input from (by, bx)), all channels: a tap in the padding reads the zero vector.
static __attribute__((noinline)) void edge3(const dw_params *p, const f32 *x, const f32 *w, dw_epi e, f32 *o, int by,
                                            int bx) {
  const f32 *zero = (const f32 *)p + DW_HEADER;
  const int C = p->cin, W = p->w;
  const f32 *ip[9];
  UNROLL for (int ky = 0; ky < 3; ky++) {
    const int iy = by + ky * p->dh;
    UNROLL for (int kx = 0; kx < 3; kx++) {
      const int jx = bx + kx;
      ip[ky * 3 + kx] = iy >= 0 && iy < p->h && jx >= 0 && jx < W ? x + (iy * W + jx) * C : zero;
    }
  }
  for (int g = 0; g < C; g += DW_GROUP, w += DW_GROUP * 10) tile3(o, ip, w, group_at(g, C), e);
}

// Output pixels [ox0, ox1) of row oy one by one, only the taps inside the input (the zero vector for the others in
// the unrolled 3×3 path).
static __attribute__((noinline)) void edges(const dw_params *params, const f32 *x, f32 *o, int oy, int ox0, int ox1) {
  const dw_params P = *params, *p = &P;
  const dw_epi e = epi_of(p);
  const int by = oy * p->sh - p->pt, y0 = tap_lo(by, p->dh, p->kh), y1 = tap_hi(by, p->dh, p->kh, p->h);
  for (int ox = ox0; ox < ox1; ox++) {
    const int bx = ox * p->sw - p->pl;
    if (p->kh == 3 && p->kw == 3 && p->dw == 1) edge3(params, x, weights(params), e, o + ox * p->cout, by, bx);
    else single(params, x, e, o + ox * p->cout, by, bx, y0, y1);
  }
}

// Output row oy of image x with the strips (multiplier 1, 8 channels or more, dilation 1 along x): interior pixels
// (all KW kernel columns inside the input) DW_STRIP at a time, then 4 at a time (the last block may overlap the one
// before: those pixels are computed again, the same bits), the others one by one. p: a local copy.
static inline __attribute__((always_inline)) void row_strip(const dw_params *params, const f32 *x, f32 *o, int oy,
                                                            const int KW, const int S) {
  const dw_params P = *params, *p = &P;
  const dw_epi e = epi_of(p);
  const f32 *w = weights(params);
  const int C = p->cin, by = oy * p->sh - p->pt, y0 = tap_lo(by, p->dh, p->kh), y1 = tap_hi(by, p->dh, p->kh, p->h);
  const int xa = (p->pl + S - 1) / S < p->wo ? (p->pl + S - 1) / S : p->wo, last = p->w - 1 + p->pl - (KW - 1);
  const int xl = last < 0 ? 0 : last / S + 1 < p->wo ? last / S + 1 : p->wo, xb = xl > xa ? xl : xa;
  // One pixel left over after the blocks goes alone (measured cheaper than a block overlapping the last one; 2 not).
  const int xe = xb - xa < 4 ? xa : (xb - xa) % 4 == 1 ? xb - 1 : xb;
  edges(params, x, o, oy, 0, xa);
  edges(params, x, o, oy, xe, p->wo);
  if (xe == xa) return;
  const int GS = DW_GROUP * (1 + p->kh * KW), rs = p->dh * p->w * C;
  const f32 *xr = x + ((by + y0 * p->dh) * p->w + xa * S - p->pl) * C;
  o += xa * C;
  // Block by block, all channels of a block before the next: measured 5–25 % faster in Chromium than each 4 channels
  // across the whole row (whose lines L1 had lost by the next 4), even in Node. The loops as written: one loop over
  // groups and halves measured 2.7 KB smaller and 7 % slower.
  for (int ox = 0; ox < xe - xa;) {
    const int full = ox + DW_STRIP <= xe - xa, at = full ? ox : ox + 4 <= xe - xa ? ox : xe - xa - 4;
    const f32 *wg = w;
    for (int g = 0; g < C; g += DW_GROUP, wg += GS) {
      const int c = group_at(g, C);
      _Pragma("clang loop unroll(disable)") for (int h = 0; h < DW_GROUP; h += 4) {
        if (full) strip(xr + at * S * C + c + h, rs, C, wg + h, y0, y1, o + at * C + c + h, C, e, KW, S, DW_STRIP);
        else strip(xr + at * S * C + c + h, rs, C, wg + h, y0, y1, o + at * C + c + h, C, e, KW, S, 4);
      }
    }
    ox = at + (full ? DW_STRIP : 4);
  }
}

static __attribute__((noinline)) void row_3s1(const dw_params *p, const f32 *x, f32 *o, int oy) { row_strip(p, x, o, oy, 3, 1); }
static __attribute__((noinline)) void row_3s2(const dw_params *p, const f32 *x, f32 *o, int oy) { row_strip(p, x, o, oy, 3, 2); }
static __attribute__((noinline)) void row_5s1(const dw_params *p, const f32 *x, f32 *o, int oy) { row_strip(p, x, o, oy, 5, 1); }

// The activation the tiles left (not a clamp, not hard swish), then the residual and the activation after it, over n
// floats of finished output.
static inline f32x4 finish(const dw_params *p, f32x4 v, const f32 *r) {
  if (p->act != ACT_CLAMP && p->act != ACT_HARDSWISH) v = act4(v, p->act, p->act_a, p->act_b);
  if (r) v = act4(wasm_f32x4_add(v, load4(r)), p->post, p->post_a, p->post_b);
  return v;
}

static __attribute__((noinline)) void epilogue(const dw_params *params, f32 *o, const f32 *r, int n) {
  const dw_params P = *params, *p = &P;
  int i = 0;
  for (; i + 4 <= n; i += 4) store4(o + i, finish(p, load4(o + i), r ? r + i : 0));
  if (i < n) store_first(o + i, finish(p, load4(o + i), r ? r + i : 0), n - i);
}

typedef void (*dw_row_fn)(const dw_params *, const f32 *, f32 *, int);

static dw_row_fn row_of(const dw_params *p) {
  // 5×5 at stride 2 (one layer in MediaPipe's selfie segmenter) stays on row_any: its strips measured ~10 % faster
  // for 3 KB more code.
  const int strip = p->mult == 1 && p->cout >= DW_GROUP && p->dw == 1;
  return !strip ? row_any
      : p->kw == 3 && p->sw <= 2 ? (p->sw == 1 ? row_3s1 : row_3s2)
      : p->kw == 5 && p->sw == 1 ? row_5s1 : row_any;
}

void dw_rows(const dw_params *p, const f32 *image, f32 *o, const f32 *res, int oy0, int oy1) {
  const int rowOut = p->wo * p->cout;
  const dw_row_fn row = row_of(p);
  for (int oy = oy0; oy < oy1; oy++, o += rowOut) {
    row(p, image, o, oy);
    if ((p->act != ACT_CLAMP && p->act != ACT_HARDSWISH) || res) epilogue(p, o, res, rowOut);
    if (res) res += rowOut;
  }
}

// Output rows [t0, t1) of all images (row t is row t % ho of image t / ho). res: the residual (same layout as out),
// or 0 for none.
EXPORT(dw_conv)(const dw_params *p, f32 *out, const f32 *in, const f32 *res, int t0, int t1) {
  const int rowOut = p->wo * p->cout, image = p->h * p->w * p->cin;
  for (int t = t0; t < t1;) {
    const int n = t / p->ho, end = t1 < (n + 1) * p->ho ? t1 : (n + 1) * p->ho;
    dw_rows(p, in + n * image, out + t * rowOut, res ? res + t * rowOut : 0, t - n * p->ho, end - n * p->ho);
    t = end;
  }
}
