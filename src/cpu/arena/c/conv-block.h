// One register block of conv_nhwc (conv.c), included once per block size: MR pixels (PIXELS lists them) × NR
// output channels, as the function CONV_BLOCK, its K loop KLOOP (conv-kloop.h).

// Output pixels ox0 .. ox0+m-1 (m ≤ MR) of row oy, channels of one panel (nv valid) of group g.
static inline void CONV_BLOCK(const conv_params *p, f32 *y, const f32 *res, const f32 *x, const f32 *zero,
                              const f32 *wp, int oy, int ox0, int m, int g, int nv) {
  const int cin = p->cin, cpg = p->cpg, kw = p->kw, sw = p->sw, dw = p->dw, w = p->w;
  const f32x4 bl = load4(wp), bh = load4(wp + 4);
  wp += NR;
  // a missing pixel of a short block repeats pixel 0 (computed, never stored)
#define CONV_INIT(m) f32x4 a##m##l = bl, a##m##h = bh; const int x##m = (m < m_ ? ox0 + m : ox0) * sw - p->pl;
  const int m_ = m;
  PIXELS(CONV_INIT)
  const int xlast = (ox0 + m - 1) * sw - p->pl + (kw - 1) * dw;
  const int run = p->groups == 1 && (dw == 1 || kw == 1) && x0 >= 0 && xlast < w;
  const int tap = cpg * NR;
  for (int ky = 0; ky < p->kh; ky++) {
    const int iy = oy * p->sh - p->pt + ky * p->dh;
    if (iy < 0 || iy >= p->h) continue;
    const f32 *row = x + iy * w * cin;
    const f32 *wk = wp + ky * kw * tap;
    if (run) {
#define CONV_RUN(m) const f32 *p##m = row + x##m * cin;
      PIXELS(CONV_RUN)
      KLOOP(kw * cin, wk);
      continue;
    }
    row += g * cpg;
    for (int kx = 0; kx < kw; kx++, wk += tap) {
      const int d = kx * dw;
#define CONV_TAP(m) const f32 *p##m = (unsigned)(x##m + d) < (unsigned)w ? row + (x##m + d) * cin : zero;
      PIXELS(CONV_TAP)
      KLOOP(cpg, wk);
    }
  }
  if (p->nchw) {
    const int plane = p->ho * p->wo;
    y += ox0;
    if (res) res += ox0;
    conv_store_planes(p, y, res, plane, a0l, a1l, a2l, a3l, nv, m);
    if (nv > 4) conv_store_planes(p, y + 4 * plane, res ? res + 4 * plane : 0, plane, a0h, a1h, a2h, a3h, nv - 4, m);
    return;
  }
  const int pix = p->cout;
  y += ox0 * pix;
  if (res) res += ox0 * pix;
#define CONV_OUT(m) if (m < m_) conv_store(p, y + m * pix, res ? res + m * pix : 0, a##m##l, a##m##h, nv);
  PIXELS(CONV_OUT)
}

