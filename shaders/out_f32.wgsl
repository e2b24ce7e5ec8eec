// The output binding of a tiled kernel that stores rows of 4 columns (gemm_store.wgsl, dwpw.wgsl), declared
// as scalars: any column stride, partial rows. src/gpu/kernels/output.ts prepends this or out_vec4.wgsl, with
// the element types YT (y) and REST (res) and their element helpers y_set / res_at (f32, or f16 storage).
// The kernel declares `y: array<YT>` (read_write) and `res: array<REST>` (read, the residual laid out like y).
//   fn y_put(i, st, v, cols)          y[i + q·st] = v[q] for q < cols
//   fn res_get(i, st, cols) -> vec4   res[i + q·st] for q < cols, 0 past
fn y_put(i: u32, st: u32, v: vec4<f32>, cols: u32) {
  for (var q = 0u; q < cols; q++) {
    y_set(i + q * st, v[q]);
  }
}

fn res_get(i: u32, st: u32, cols: u32) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var q = 0u; q < cols; q++) {
    r[q] = res_at(i + q * st);
  }
  return r;
}
