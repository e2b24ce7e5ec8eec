// gemm_tile.wgsl's inner product (included after it, through `// #include "gemm_inner.wgsl"`; adapters with
// `subgroups` may get gemm_inner_subgroups.wgsl instead): A and B staged per TK step in workgroup memory.
fn gemm_tile(s: TileSrc, m0: u32, n0: u32, lid: vec3<u32>, lidx: u32) -> array<vec4<f32>, RB> {
  var acc: array<vec4<f32>, RB>;
  let nx = TN / (4u * RN4);
  let nthreads = (TM / RM) * nx;
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var i = lidx; i < TM * TK / 4u; i += nthreads) {
      As[i] = tile_a(s, m0 + i / (TK / 4u), k0 + (i % (TK / 4u)) * 4u);
    }
    stage_b(s, k0, n0, lidx, nthreads);
    workgroupBarrier();
    for (var k = 0u; k < TK; k += 4u) {
      let bq = tile_bq(k, lid);
      for (var i = 0u; i < RM; i++) {
        let av = As[(lid.y * RM + i) * (TK / 4u) + k / 4u];
        tile_fma(&acc, i, av, bq);
      }
    }
    workgroupBarrier();
  }
  return acc;
}
