// A gated run's indirect dispatch sizes: args = grid where the gate flag is 1.0, zeros otherwise (every dispatch of
// the run then has no workgroups). grid and args: 3 u32 (x, y, z) per dispatch, in the run's order; flag: one f32
// (a copy of the word the run is gated on, e.g. a task's ROI record's `valid`).
override WG: u32 = 64;

@group(0) @binding(0) var<storage, read> grid: array<u32>;
@group(0) @binding(1) var<storage, read_write> args: array<u32>;
@group(0) @binding(2) var<storage, read> flag: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= arrayLength(&grid)) {
    return;
  }
  args[i] = select(0u, grid[i], flag[0] == 1.0);
}
