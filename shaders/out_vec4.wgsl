// The output binding of a tiled kernel that stores rows of 4 columns, declared array<vec4<f32>>: one vec4 store
// (and one residual vec4 load) per row. The plan (src/gpu/kernels/output.ts) prepends this instead of
// out_f32.wgsl only where every row a kernel stores is 4 consecutive elements at an index that is a multiple
// of 4: i % 4 = 0, st = 1 and cols = 4 (rows with cols = 0 are not stored).
alias YT = vec4<f32>;

fn y_put(i: u32, st: u32, v: vec4<f32>, cols: u32) {
  y[i / 4u] = v;
}

fn res_get(i: u32, st: u32, cols: u32) -> vec4<f32> {
  return res[i / 4u];
}
