// Baseline for bench/kernels.ts: depthwise conv (multiplier MULT = Cout / C), one output element per invocation,
// every tap read straight from global memory. NHWC:
//   y[n, oy, ox, o] = act( b[o] + Σ_{ky,kx} w[ky, kx, o] · x[n, oy·sy - pt + ky·dy, ox·sx - pl + kx·dx, o / MULT] )
//   @binding(0) params  uniform Params
//   @binding(1) x       array<f32>  [N, H, W, C]
//   @binding(2) w       array<f32>  [KH, KW, Cout]
//   @binding(3) b       array<f32>  [Cout]
//   @binding(4) y       array<f32>  [N, OH, OW, Cout]
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.total) {
    return;
  }
  let o = i % params.cout;
  let ox = (i / params.cout) % params.ow;
  let oy = (i / (params.cout * params.ow)) % params.oh;
  let n = i / (params.cout * params.ow * params.oh);
  let ci = o / params.mult;
  var s = b[o];
  for (var ky = 0u; ky < params.kh; ky++) {
    let iy = i32(oy * params.stride_y + ky * params.dil_y) - params.pad_t;
    if (iy < 0 || iy >= i32(params.h)) {
      continue;
    }
    for (var kx = 0u; kx < params.kw; kx++) {
      let ix = i32(ox * params.stride_x + kx * params.dil_x) - params.pad_l;
      if (ix < 0 || ix >= i32(params.w)) {
        continue;
      }
      s += w[(ky * params.kw + kx) * params.cout + o] * x[((n * params.h + u32(iy)) * params.w + u32(ix)) * params.c + ci];
    }
  }
  y[i] = act4(vec4<f32>(s)).x;
}
