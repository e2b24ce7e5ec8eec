// The software-adapter GEMM entry points (no workgroup memory, one 4 × 4 Block per invocation), included by
// gemm.wgsl and conv2d.wgsl through `// #include "gemm_register.wgsl"` (src/gpu/wgsl.ts), after
// gemm_tile.wgsl and gemm_store.wgsl. The including kernel declares
//   fn reg_tile(wid, nwg, lidx) -> Block   its block's accumulators, usually starting from reg_block()
// #include "tile_index.wgsl"
override REG_WG: u32 = 64u;

// The 4 × 4 block of register invocation id = (wid.x + wid.y·nwg.x)·REG_WG + lidx (same grid numbering as
// tiled(), with 4 × 4 tiles), acc zero; valid = false past params.groups.
fn reg_block(wid: vec3<u32>, nwg: vec3<u32>, lidx: u32) -> Block {
  var blk: Block;
  let id = (wid.x + wid.y * nwg.x) * REG_WG + lidx;
  if (id >= params.groups) {
    return blk;
  }
  let tile = tile_of(id);
  blk.m = tile.y * 4u;
  blk.n = tile.x * 4u;
  blk.t = tile.z;
  blk.valid = true;
  return blk;
}

@compute @workgroup_size(REG_WG)
fn reg_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lidx: u32) {
  var blk = reg_tile(wid, nwg, lidx);
  blk.bias = block_bias(blk);
  if (blk.valid) {
    store_plain(blk);
  }
}

@compute @workgroup_size(REG_WG)
fn reg_res(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lidx: u32) {
  var blk = reg_tile(wid, nwg, lidx);
  blk.bias = block_bias(blk);
  if (blk.valid) {
    store_res(blk);
  }
}
