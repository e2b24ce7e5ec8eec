// 2-D MaxPool / AveragePool on NHWC. One invocation per output element i = ((n·OH + oh)·OW + ow)·C + c:
//   window taps (ih, iw) = (oh·SH − PT + kh·DH, ow·SW − PL + kw·DW), kh < KH, kw < KW
//   KIND 0 max:  max over taps inside the input; NaN wins; −inf when no tap is inside
//   KIND 1 avg:  Σ inside taps / #inside taps                          (count_include_pad = 0)
//   KIND 2 avg:  Σ inside taps / #taps inside the padded input         (count_include_pad = 1; with ceil_mode
//                taps past the bottom/right padding are not counted)
//   @binding(0) params  uniform Params (n = N·OH·OW·C, geometry, lowest = −inf)
//   @binding(1) x       array<PT>, NHWC [N, H, W, C]
//   @binding(2) y       array<PT>, NHWC [N, OH, OW, C]
// The element type PT is f32, or vec4<f32> when C % 4 == 0 (src/gpu/programs/pool.gpu.ts prepends the aliases
// PT, PB, PU; params.C and params.n then count vec4s): 4 channels per invocation share the index arithmetic.
// The taps go at the marker: the loop of pool_loop.wgsl, or on software adapters (SwiftShader: a loop bounded by
// params and branches per tap cost several times the loads) windows of at most 9 taps written out by pool.gpu.ts,
// each tap's load clamped into the image (lh, lw) and masked.
override WG: u32 = 256u;
override KIND: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<PT>;
@group(0) @binding(2) var<storage, read_write> y: array<PT>;

// by bit pattern: `v != v` may be folded away by compilers that assume no NaNs
fn is_nan(v: PT) -> PB {
  return (bitcast<PU>(v) & PU(0x7fffffffu)) > PU(0x7f800000u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  let C = params.C;
  let c = i % C;
  var t = i / C;
  let ow = i32(t % params.OW);
  t /= params.OW;
  let oh = i32(t % params.OH);
  let b = t / params.OH;
  let H = i32(params.H);
  let W = i32(params.W);
  let h0 = oh * params.SH - params.PT;
  let w0 = ow * params.SW - params.PL;
  let plane = b * params.H * params.W;
  var acc = PT(select(0.0, params.lowest, KIND == 0u));
  var count = 0i;
  let lh = H - 1;
  let lw = W - 1;
  ${TAPS}
  y[i] = select(acc / f32(count), acc, KIND == 0u);
}
