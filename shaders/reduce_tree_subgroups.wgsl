// reduce_tree.wgsl's contract on adapters with `subgroups`: a row's WG_Y lanes are consecutive invocation
// indices, so runs of SG_MIN of them (the adapter's smallest subgroup size, a power of two; subgroups are runs
// of consecutive local_invocation_index in a compute shader) share a subgroup and combine by shuffles with no
// barrier; only rows wider than SG_MIN finish in workgroup memory, over WG_Y / SG_MIN partials.
enable subgroups;
// #include "reduce_rows.wgsl"

override SG_MIN: u32 = 4u;

struct Threads {
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
}

fn row_lane(t: Threads) -> vec2u {
  return vec2u(t.li / WG_Y, t.li % WG_Y);
}

fn tree_reduce(v: f32, lid: vec2u, kind: u32) -> f32 {
  let run = min(WG_Y, SG_MIN);
  var acc = v;
  for (var s = run / 2u; s > 0u; s /= 2u) {
    acc = combine_kind(acc, subgroupShuffleXor(acc, s), kind);
  }
  if (WG_Y <= SG_MIN) {
    return acc;
  }
  let slot = lid.y * WG_X + lid.x;
  part[slot] = acc;
  workgroupBarrier();
  for (var s = WG_Y / 2u; s >= run; s /= 2u) {
    if (lid.y < s) {
      part[slot] = combine_kind(part[slot], part[slot + s * WG_X], kind);
    }
    workgroupBarrier();
  }
  let total = part[lid.x];
  workgroupBarrier();
  return total;
}
