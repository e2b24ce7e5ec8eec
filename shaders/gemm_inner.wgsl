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
    for (var i = lidx; i < TK * TN / 4u; i += nthreads) {
      Bs[i] = tile_b(s, k0 + i / (TN / 4u), n0 + (i % (TN / 4u)) * 4u);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k += 4u) {
      var bq: array<vec4<f32>, 4u * RN4>; // bq[q·RN4 + j] = B row k+q, column group j
      for (var q = 0u; q < 4u; q++) {
        for (var j = 0u; j < RN4; j++) {
          bq[q * RN4 + j] = Bs[(k + q) * (TN / 4u) + lid.x + j * nx];
        }
      }
      for (var i = 0u; i < RM; i++) {
        let av = As[(lid.y * RM + i) * (TK / 4u) + k / 4u];
        for (var j = 0u; j < RN4; j++) {
          acc[i * RN4 + j] += av.x * bq[j] + av.y * bq[RN4 + j] + av.z * bq[2u * RN4 + j] + av.w * bq[3u * RN4 + j];
        }
      }
    }
    workgroupBarrier();
  }
  return acc;
}
