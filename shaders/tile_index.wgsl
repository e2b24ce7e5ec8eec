// The tile of flat index g (a workgroup or an invocation) over the grid params.tiles_n × params.tiles_m × batches,
// n-tile fastest: (n-tile, m-tile, batch — or group of a grouped conv). Expects params.tiles_n and params.tiles_m.
fn tile_of(g: u32) -> vec3<u32> {
  let r = g / params.tiles_n;
  return vec3<u32>(g % params.tiles_n, r % params.tiles_m, r / params.tiles_m);
}
