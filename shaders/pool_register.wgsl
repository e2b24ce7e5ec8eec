// 2-D MaxPool / AveragePool on NHWC for software adapters (SwiftShader: a loop with a bound from params and
// branches per tap cost several times the loads): the same maths, NaN rule, counts and bindings as pool.wgsl, the
// window's KH × KW taps unrolled (src/gpu/programs/pool.gpu.ts writes them at the marker, for windows of at most 9 taps;
// the kernel size and KIND are the module's), each tap's load clamped into the image and masked by `ok`.
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
