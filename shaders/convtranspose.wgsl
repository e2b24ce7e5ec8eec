// 2-D transposed convolution in gather form, NHWC: one invocation per output element (n, oy, ox, oc).
//   y[n, oy, ox, oc] = bias[oc] + Σ_{ky, kx, c} x[n, iy, ix, g·cpg + c] · w[g, ky, kx, c, o]
// over the taps where oy + pad_t − ky·dil_h = iy·stride_h with 0 ≤ iy < h (likewise for x), g = oc / og,
// o = oc % og. Which taps can divide evenly depends only on the phase (oy + pad_t) mod stride_h, so the host
// lists them per phase (tap table) and the loops visit only those: a stride-2 kernel touches a quarter of its
// taps without testing the others. Weights are repacked [group][kh][kw][cpg][og], so neighbouring invocations
// (consecutive oc, the same pixel and taps) read consecutive weights.
// Tap table: rows [stride_h phases of H, then stride_w phases of W], each 1 + kmax entries (count, taps...).
//   @binding(0) params  uniform Params
//   @binding(1) x       array<f32>, NHWC input  [n, h, w, cin] (COL2IM: Z, with cin = kh·kw·cout)
//   @binding(2) wt      array<f32>, packed weights
//   @binding(3) bias    array<f32>, [cout] (zeros when the node has none)
//   @binding(4) taps    array<u32>, tap table
//   @binding(5) y       array<f32>, NHWC output [n, oh, ow, cout]
override WG: u32 = 256u;
// 1: col2im — x holds Z = X·W [n, h, w, (ky, kx, oc)] from a GEMM (group 1) and each valid tap adds one
// element of it instead of a cpg-long dot product.
override COL2IM: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> taps: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.total) {
    return;
  }
  let oc = i % params.cout;
  var r = i / params.cout;
  let ox = i32(r % params.ow);
  r /= params.ow;
  let oy = i32(r % params.oh);
  let n = r / params.oh;
  let g = oc / params.og;
  let o = oc % params.og;
  let cpg = params.cin / params.groups;
  var s = bias[oc];
  // oy + pad_t may be negative (negative pads); pad_bias is a multiple of both strides that makes it positive
  let ry = (u32(oy + params.pad_t + params.pad_bias) % params.stride_h) * params.row;
  let rx = params.stride_h * params.row + (u32(ox + params.pad_l + params.pad_bias) % params.stride_w) * params.row;
  let ny = taps[ry];
  let nx = taps[rx];
  for (var a = 1u; a <= ny; a++) {
    let ky = taps[ry + a];
    let ty = oy + params.pad_t - i32(ky * params.dil_h);
    if (ty < 0) { continue; }
    let iy = u32(ty) / params.stride_h;
    if (iy >= params.h) { continue; }
    for (var b = 1u; b <= nx; b++) {
      let kx = taps[rx + b];
      let tx = ox + params.pad_l - i32(kx * params.dil_w);
      if (tx < 0) { continue; }
      let ix = u32(tx) / params.stride_w;
      if (ix >= params.w) { continue; }
      if (COL2IM == 1u) {
        s += x[((n * params.h + iy) * params.w + ix) * params.cin + (ky * params.kw + kx) * params.cout + oc];
        continue;
      }
      let xo = ((n * params.h + iy) * params.w + ix) * params.cin + g * cpg;
      var wo = (((g * params.kh + ky) * params.kw + kx) * cpg) * params.og + o;
      for (var c = 0u; c < cpg; c++) {
        s += x[xo + c] * wt[wo];
        wo += params.og;
      }
    }
  }
  y[i] = s;
}
