// Resize over the H and W axes (nearest or bilinear) with per-row and per-column source tables.
// The tensor is [outer, H, W, inner] in its physical layout: NHWC 4-D tensors have outer = N, inner = C; every
// other rank is row-major with inner = 1 and outer = the product of the leading dims.
//   y[((o·oh + oy)·ow + ox)·inner + c] = blend of x[((o·ih + iy)·iw + ix)·inner + c] over the table entries
// Table t (host-computed by the CPU kernel's rules, so both backends pick the same neighbours): for output row oy
// t[3·oy .. 3·oy + 2] = (iy0, iy1, wy); for output column ox t[w_off + 3·ox ..] = (ix0, ix1, wx). Indices are
// integral floats. LINEAR = 0: nearest reads (iy0, ix0); 1: top = a + (b − a)·wx per row, then top + (bottom − top)·wy.
//   @binding(0) params  uniform Params
// XT is f32, or vec4<f32> when inner % 4 == 0 (src/gpu/programs/resize.gpu.ts prepends the alias; params.inner
// and params.n then count vec4s): 4 channels per invocation share the index arithmetic and the table reads.
//   @binding(1) x       array<XT>, input
//   @binding(2) t       array<f32>, 3·(oh + ow) table entries
//   @binding(3) y       array<XT>, n output elements
override WG: u32 = 256u;
override LINEAR: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<XT>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<XT>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  let c = i % params.inner;
  var r = i / params.inner;
  let ox = r % params.ow;
  r /= params.ow;
  let oy = r % params.oh;
  let o = r / params.oh;
  let plane = o * params.ih;
  let tx = params.w_off + 3u * ox;
  let ix0 = u32(t[tx]);
  let row0 = ((plane + u32(t[3u * oy])) * params.iw) * params.inner + c;
  if (LINEAR == 0u) {
    y[i] = x[row0 + ix0 * params.inner];
    return;
  }
  let ix1 = u32(t[tx + 1u]);
  let wx = t[tx + 2u];
  let row1 = ((plane + u32(t[3u * oy + 1u])) * params.iw) * params.inner + c;
  let a = x[row0 + ix0 * params.inner];
  let top = a + (x[row0 + ix1 * params.inner] - a) * wx;
  let b = x[row1 + ix0 * params.inner];
  let bottom = b + (x[row1 + ix1 * params.inner] - b) * wx;
  y[i] = top + (bottom - top) * t[3u * oy + 2u];
}
