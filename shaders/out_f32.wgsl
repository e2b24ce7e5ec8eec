// The output binding of a tiled kernel that stores rows of 4 columns (gemm_store.wgsl, dwpw.wgsl), declared
// array<f32>: any column stride, partial rows. src/gpu/kernels/output.ts prepends this or out_vec4.wgsl.
// The kernel declares `y: array<YT>` (read_write) and `res: array<YT>` (read, the residual laid out like y).
//   fn y_put(i, st, v, cols)          y[i + q·st] = v[q] for q < cols
//   fn res_get(i, st, cols) -> vec4   res[i + q·st] for q < cols, 0 past
alias YT = f32;

fn y_put(i: u32, st: u32, v: vec4<f32>, cols: u32) {
  for (var q = 0u; q < cols; q++) {
    y[i + q * st] = v[q];
  }
}

fn res_get(i: u32, st: u32, cols: u32) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var q = 0u; q < cols; q++) {
    r[q] = res[i + q * st];
  }
  return r;
}
