// Gather (MODE 0) and GatherND (MODE 1) on row-major buffers (the program stages 4-D NHWC tensors through
// row-major scratch copies). Index values are integral floats; negative ones wrap by the dim; an index out of
// range writes 0 (the CPU kernels raise an error instead; a shader cannot).
//   MODE 0: data [outer, d0, inner], indices [nind]:   y[(b·nind + j)·inner + e] = x[(b·d0 + idx[j])·inner + e]
//   MODE 1: data [batch, …], indices [rows, K]:        y[j·inner + e] = x[(j / rows_per_batch)·batch_stride
//           + Σ_t idx[j·K + t]·s_t + e], dims d_t and strides s_t of the K indexed data dims (t = 0 outermost)
//   @binding(0) params   uniform Params
//   @binding(1) x        array<f32>, data
//   @binding(2) ind      array<f32>, indices
//   @binding(3) y        array<f32>, n output elements
override WG: u32 = 256u;
override MODE: u32 = 0u;
override K: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> ind: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn dim(t: u32) -> i32 {
  switch t {
    case 0u: { return i32(params.d0); }
    case 1u: { return i32(params.d1); }
    case 2u: { return i32(params.d2); }
    case 3u: { return i32(params.d3); }
    case 4u: { return i32(params.d4); }
    default: { return i32(params.d5); }
  }
}

fn stride(t: u32) -> u32 {
  switch t {
    case 0u: { return params.s0; }
    case 1u: { return params.s1; }
    case 2u: { return params.s2; }
    case 3u: { return params.s3; }
    case 4u: { return params.s4; }
    default: { return params.s5; }
  }
}

// The wrapped index, or -1 when it is out of range.
fn wrap(v: f32, d: i32) -> i32 {
  let i = i32(v);
  let w = select(i, i + d, i < 0);
  return select(-1, w, w >= 0 && w < d);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.n) {
    return;
  }
  let e = i % params.inner;
  let j = i / params.inner;
  if (MODE == 0u) {
    let b = j / params.rows;
    let w = wrap(ind[j % params.rows], dim(0u));
    y[i] = select(0.0, x[(b * params.d0 + u32(max(w, 0))) * params.inner + e], w >= 0);
    return;
  }
  var off = (j / params.rows) * params.batch_stride;
  var ok = true;
  for (var t = 0u; t < K; t++) {
    let w = wrap(ind[j * K + t], dim(t));
    ok = ok && w >= 0;
    off += u32(max(w, 0)) * stride(t);
  }
  y[i] = select(0.0, x[off + e], ok);
}
