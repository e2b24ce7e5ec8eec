// The output binding of a tiled kernel that stores rows of 4 columns, declared as vec4s: one vec4 store (and one
// residual vec4 load) per row. The plan (src/gpu/kernels/output.ts) prepends this instead of out_f32.wgsl only
// where every row a kernel stores is 4 consecutive elements at an index that is a multiple of 4: i % 4 = 0,
// st = 1 and cols = 4 (rows with cols = 0 are not stored). y_set4 / res_vec (f32 or f16 storage) are prepended
// with YT and REST.
fn y_put(i: u32, st: u32, v: vec4<f32>, cols: u32) {
  y_set4(i, v);
}

fn res_get(i: u32, st: u32, cols: u32) -> vec4<f32> {
  return res_vec(i);
}
