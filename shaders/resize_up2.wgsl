// Bilinear resize by exactly 2 on both axes with half-pixel centres (Keras UpSampling2D(interpolation='bilinear'),
// TF ResizeBilinear(half_pixel_centers=true)), NHWC with C % 4 == 0: the same blend as resize.wgsl (LINEAR = 1)
// with the tables' pattern written out — output 2i reads input rows (i - 1, i) at weight 0.75, output 2i + 1 rows
// (i, i + 1) at 0.25, indices clamped to the image — so src/gpu/programs/resize.gpu.ts uses it only where the host
// table is exactly that. For software adapters, where a load costs ~6 FMAs and an integer division ~as much: one
// invocation takes a 2×2 block of input pixels × one vec4 of channels to its 4×4 output block, reading the 4×4
// input pixels around it once (1 load per output, against 4 loads, 6 table reads and 5 divisions in resize.wgsl).
//   @binding(0) params  uniform Params
//   @binding(1) x       array<vec4<f32>>  [N, IH, IW, C]
//   @binding(2) y       array<vec4<f32>>  [N, 2·IH, 2·IW, C]
// Invocation id = c4 + c4s·(bx + tiles_x·(by + tiles_y·n)); the tile counts are ceil(IW / 2), ceil(IH / 2).

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

// The blend of a pair at the 0.75 / 0.25 weight of an even / odd output (resize.wgsl: a + (b - a)·w).
fn even(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return a + (b - a) * 0.75;
}

fn odd(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return a + (b - a) * 0.25;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * 64u;
  if (id >= params.blocks) {
    return;
  }
  let c4 = id % params.c4s;
  var r = id / params.c4s;
  let bx = r % params.tiles_x;
  r = r / params.tiles_x;
  let by = r % params.tiles_y;
  let n = r / params.tiles_y;
  let i0 = i32(by * 2u);
  let j0 = i32(bx * 2u);
  let lh = i32(params.ih) - 1;
  let lw = i32(params.iw) - 1;
  // input rows i0 - 1 .. i0 + 2 and columns j0 - 1 .. j0 + 2, clamped
  let r0 = (n * params.ih + u32(clamp(i0 - 1, 0, lh))) * params.iw * params.c4s;
  let r1 = (n * params.ih + u32(min(i0, lh))) * params.iw * params.c4s;
  let r2 = (n * params.ih + u32(min(i0 + 1, lh))) * params.iw * params.c4s;
  let r3 = (n * params.ih + u32(min(i0 + 2, lh))) * params.iw * params.c4s;
  let q0 = u32(clamp(j0 - 1, 0, lw)) * params.c4s + c4;
  let q1 = u32(min(j0, lw)) * params.c4s + c4;
  let q2 = u32(min(j0 + 1, lw)) * params.c4s + c4;
  let q3 = u32(min(j0 + 2, lw)) * params.c4s + c4;
  // each input row k blended along W into the block's 4 output columns (hk_0 .. hk_3), then the rows along H
  ${ROWS}
  let ow = params.iw * 2u;
  let ox = bx * 4u;
  let oy = by * 4u;
  // the block's second input row / column is inside the image (else its 2 output rows / columns are not stored)
  let full_r = i0 + 1 <= lh;
  let full_c = j0 + 1 <= lw;
  ${STORE}
}
