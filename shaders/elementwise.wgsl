// Elementwise activation y[i] = f(x[i]) over n elements; layout-agnostic (input and output share one).
// f by OP, with p0/p1 from the params:
//   0 Relu         x < 0 ? 0 : x
//   1 Clip         min(max(x, p0), p1)        (p0 = min, p1 = max; ±inf when absent)
//   2 Sigmoid      1 / (1 + e^-x), through e^-|x| so it never overflows
//   3 HardSigmoid  clamp(p0·x + p1, 0, 1)     (p0 = alpha, p1 = beta)
//   4 HardSwish    x · clamp(x/6 + 1/2, 0, 1)
// Comparisons are written with select so NaN falls through to the output as in the CPU reference (Sigmoid
// tests for NaN by bit pattern, since exp(NaN) is not NaN on every implementation).
//   @binding(0) params  uniform Params { n, p0, p1 }
//   @binding(1) x       array<f32>, n elements
//   @binding(2) y       array<f32>, n elements
override WG: u32 = 256u;
override OP: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn unit_clamp(v: f32) -> f32 {
  return select(select(v, 1.0, v > 1.0), 0.0, v < 0.0);
}

fn activate(v: f32) -> f32 {
  switch OP {
    case 1u: {
      let lo = select(v, params.p0, v < params.p0);
      return select(lo, params.p1, lo > params.p1);
    }
    case 2u: {
      let e = exp(-abs(v));
      let nan = (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
      return select(select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0), v, nan);
    }
    case 3u: {
      return unit_clamp(params.p0 * v + params.p1);
    }
    case 4u: {
      return v * unit_clamp(v / 6.0 + 0.5);
    }
    default: {
      return select(v, 0.0, v < 0.0);
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  y[i] = activate(x[i]);
}
