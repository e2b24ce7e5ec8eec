// The GEMM epilogue store and entry points, included by gemm.wgsl, conv2d.wgsl and dwpw.wgsl through
// `// #include "gemm_store.wgsl"` (src/gpu/wgsl.ts), after gemm_tile.wgsl (Block, tiled()). Rows
// >= params.m and columns >= block_cols(blk) of a Block are not stored; y = out_value(...) (+ res at the same
// index in the *_res entry points); rows RM - blk.cut .. RM - 1 are not stored either. gemm_register.wgsl adds the software-adapter entry points. Each column
// group j of a Block is stored through a copy of it whose n is block_col(blk, j), so the including kernel's
// functions below see one group of 4 columns at blk.n.
// The including kernel declares (each called once per Block, or once per row where it takes a row, so a
// bias or an offset table is read once per block, not once per element; blk.bias holds block_bias(blk)):
//   fn block_bias(blk: Block) -> vec4<f32>                           whatever out_value needs for columns n .. n+3
//   fn out_value(blk: Block, row: u32, i: u32, bias: vec4<f32>) -> vec4<f32>  bias + activation of blk.acc[i] (i: the accumulator)
//   fn y_base(blk: Block) -> u32                                      element index of Y[t, 0, 0] (and of R)
//   fn y_index(blk: Block, base: u32, row: u32, col: u32) -> u32      element index of Y[t, row, col]
//   fn block_cols(blk: Block) -> u32                                  columns of matrix t
//   bindings y (read_write) and res (read) of array<YT>, with y_put / res_get (out_f32.wgsl or out_vec4.wgsl,
//   prepended by src/gpu/kernels/output.ts: a row of 4 columns is one vec4 store where the plan allows)
// Two copies because a resource is part of an entry point's bind group layout whenever any function it calls
// names it: the plain entry points must not touch `res`.
fn store_plain(blk: Block) {
  let base = y_base(blk);
  let st = y_index(blk, base, 0u, 1u) - y_index(blk, base, 0u, 0u);
  for (var j = 0u; j < RN4; j++) {
    var col = blk;
    col.n = block_col(blk, j);
    let cols = select(0u, min(block_cols(blk) - col.n, 4u), col.n < block_cols(blk));
    let bias = group_bias(blk, j);
    for (var i = 0u; i < RM - blk.cut && cols > 0u; i++) {
      let row = blk.m + i;
      if (row >= params.m) {
        break;
      }
      y_put(y_index(blk, base, row, col.n), st, out_value(col, row, i * RN4 + j, bias), cols);
    }
  }
}

fn store_res(blk: Block) {
  let base = y_base(blk);
  let st = y_index(blk, base, 0u, 1u) - y_index(blk, base, 0u, 0u);
  for (var j = 0u; j < RN4; j++) {
    var col = blk;
    col.n = block_col(blk, j);
    let cols = select(0u, min(block_cols(blk) - col.n, 4u), col.n < block_cols(blk));
    let bias = group_bias(blk, j);
    for (var i = 0u; i < RM - blk.cut && cols > 0u; i++) {
      let row = blk.m + i;
      if (row >= params.m) {
        break;
      }
      let idx = y_index(blk, base, row, col.n);
      y_put(idx, st, out_value(col, row, i * RN4 + j, bias) + res_get(idx, st, cols), cols);
    }
  }
}

@compute @workgroup_size(TN / (4u * RN4), TM / RM)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let blk = tiled(wid, nwg, lid, lidx);
  if (blk.valid) {
    store_plain(blk);
  }
}

@compute @workgroup_size(TN / (4u * RN4), TM / RM)
fn main_res(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let blk = tiled(wid, nwg, lid, lidx);
  if (blk.valid) {
    store_res(blk);
  }
}
