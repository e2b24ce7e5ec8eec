// Mean over H and W of an NHWC tensor, per image and vec4 of channels (GlobalAveragePool, ReduceMean over
// [2, 3]: a squeeze-and-excitation block's pool), for software adapters (src/gpu/programs/reduce.gpu.ts): one
// invocation walks its column of H·W pixels with four interleaved partial sums; no workgroup memory, no
// barriers (a barrier is a thread switch there), no index arithmetic in the loop.
//   y[n, c4] = (Σ_p x[(n·HW + p)·C4 + c4]) · scale        scale = 1 / HW; invocation id = c4 + C4·n
//   @binding(0) params  uniform Params
//   @binding(1) x       array<vec4<f32>>  [N, H, W, C]  (C % 4 == 0)
//   @binding(2) y       array<vec4<f32>>  [N, C]
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  if (id >= params.total) {
    return;
  }
  let c4s = params.c4s;
  let n = id / c4s;
  var p = n * params.hw * c4s + id % c4s;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  let quads = params.hw / 4u;
  for (var i = 0u; i < quads; i++) {
    s0 += x[p];
    s1 += x[p + c4s];
    s2 += x[p + 2u * c4s];
    s3 += x[p + 3u * c4s];
    p += 4u * c4s;
  }
  for (var i = quads * 4u; i < params.hw; i++) {
    s0 += x[p];
    p += c4s;
  }
  y[id] = ((s0 + s1) + (s2 + s3)) * params.scale;
}
