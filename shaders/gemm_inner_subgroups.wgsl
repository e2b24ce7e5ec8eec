// gemm_inner.wgsl's gemm_tile() on adapters with `subgroups` (src/gpu/kernels/gemm.ts substitutes it): A is not
// staged in workgroup memory. The SG_NX = TN/(4·RN4) lanes of a row group (lid.x = 0 .. SG_NX-1, consecutive
// local_invocation_index) lie in one subgroup: SG_NX divides the adapter's smallest subgroup size, and subgroups are
// runs of consecutive local_invocation_index (as reduce_tree_subgroups.wgsl assumes). Per TK = 16 step each lane
// loads SG_RA of its row group's RM × 4 A vec4s (vec4 e = row e / 4, columns 4·(e % 4) ..; lane e % SG_NX holds
// it) from global memory into registers, and the inner product takes vec4 e from its lane by subgroupShuffle: the
// same global loads as the staged tile, no workgroup-memory round trip for A, no As. B stays staged.
// The including kernel prepends `const SG_NX: u32` (a power of two dividing RM·4).
enable subgroups;

const SG_RA: u32 = RM * 4u / SG_NX; // A vec4s a lane holds per step (TK / 4 = 4 per row)

fn gemm_tile(s: TileSrc, m0: u32, n0: u32, lid: vec3<u32>, lidx: u32) -> array<vec4<f32>, RB> {
  var acc: array<vec4<f32>, RB>;
  let nthreads = (TM / RM) * SG_NX;
  // the subgroup lane of this row group's lid.x = 0 (the first active lane has the lowest index)
  let lane0 = lidx - subgroupBroadcastFirst(lidx) - lid.x;
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    var ra: array<vec4<f32>, SG_RA>;
    for (var r = 0u; r < SG_RA; r++) {
      let e = lid.x + r * SG_NX;
      ra[r] = tile_a(s, m0 + lid.y * RM + e / 4u, k0 + (e % 4u) * 4u);
    }
    stage_b(s, k0, n0, lidx, nthreads);
    workgroupBarrier();
    for (var k = 0u; k < TK; k += 4u) {
      let bq = tile_bq(k, lid);
      for (var i = 0u; i < RM; i++) {
        let e = i * 4u + k / 4u;
        let av = subgroupShuffle(ra[e / SG_NX], lane0 + e % SG_NX);
        tile_fma(&acc, i, av, bq);
      }
    }
    workgroupBarrier();
  }
  return acc;
}
