// Combining a row's partial values in workgroup memory; reduce_tree_subgroups.wgsl has the same contract with
// subgroup shuffles. The including kernel's entry point takes `t: Threads` and calls row_lane(t) for
// (row in the workgroup, lane in the row); the row's lanes are the workgroup's y.
// #include "reduce_rows.wgsl"

struct Threads {
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_id) lid: vec3u,
}

fn row_lane(t: Threads) -> vec2u {
  return t.lid.xy;
}

// Combines v over the WG_Y lanes of row lid.x by `kind` (combine_kind); every lane gets the result.
// Call from uniform control flow.
fn tree_reduce(v: f32, lid: vec2u, kind: u32) -> f32 {
  let slot = lid.y * WG_X + lid.x;
  part[slot] = v;
  workgroupBarrier();
  for (var s = WG_Y / 2u; s > 0u; s /= 2u) {
    if (lid.y < s) {
      part[slot] = combine_kind(part[slot], part[slot + s * WG_X], kind);
    }
    workgroupBarrier();
  }
  let total = part[lid.x];
  workgroupBarrier();
  return total;
}
