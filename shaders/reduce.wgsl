// Reduction over a set of reduced dims: y[o] = ⊕_r x[base(o) + roff(r)], ⊕ by OP: 0 mean (ReduceMean,
// GlobalAveragePool), 1 sum, 2 max, 3 min (NaN wins in both), 4 argmax, 5 argmin (one reduced dim; y is the
// index r as f32; ties go to the lowest r, or the highest when SELECT_LAST = 1; NaN counts as the extreme), 6 product.
// o runs over the output's physical buffer; base(o) = Σ c_k·ks_k for o decomposed over the kept dims
// k0 (innermost) … k5, roff(r) = Σ c_j·rs_j for r decomposed over the reduced dims r0 … r5 (strides are the
// input's physical strides). Dims ≥ KDIM / RDIM are ignored.
// A WG_X × WG_Y workgroup handles WG_X outputs; the WG_Y threads of one output stride through its reduced
// elements and their partial values are combined by reduce_tree.wgsl's tree_reduce (reduce_tree_subgroups.wgsl's
// where the device has subgroups; WG_Y a power of two); argmax/argmin pair `part` with `part_i` in their own tree.
//   @binding(0) params  uniform Params { n_out, n_red, k*, ks*, r*, rs* }
//   @binding(1) x       array<f32>, the input's physical buffer
//   @binding(2) y       array<f32>, the output's physical buffer, n_out elements
override OP: u32 = 0u;
override SELECT_LAST: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// #include "reduce_tree.wgsl"

var<workgroup> part_i: array<u32, 256>;

const NONE = 0xffffffffu;
// Private variables, not constants: constant expressions may not evaluate to infinity.
var<private> NEG_INF_BITS: u32 = 0xff800000u;
var<private> INF_BITS: u32 = 0x7f800000u;

// combine_kind's kind for OP (argmax/argmin keep their own tree)
fn kind() -> u32 {
  switch OP {
    case 2u: { return 1u; }
    case 3u: { return 2u; }
    case 6u: { return 3u; }
    default: { return 0u; }
  }
}

fn identity() -> f32 {
  switch OP {
    case 2u: { return bitcast<f32>(NEG_INF_BITS); }
    case 3u: { return bitcast<f32>(INF_BITS); }
    case 6u: { return 1.0; }
    default: { return 0.0; }
  }
}

// Whether candidate (v, i) beats (b, j) for argmax/argmin; index NONE is an empty slot.
fn beats(v: f32, i: u32, b: f32, j: u32) -> bool {
  if (i == NONE) { return false; }
  if (j == NONE) { return true; }
  let nv = is_nan(v);
  let nb = is_nan(b);
  let later = select((i < j), (i > j), SELECT_LAST == 1u);
  if (nv || nb) { return select(nv, later, nv && nb); }
  if (v == b) { return later; }
  return select((v < b), (v > b), OP == 4u);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(t: Threads) {
  let lid = row_lane(t);
  let o = (t.wid.x + t.wid.y * t.nwg.x) * WG_X + lid.x;
  let slot = lid.y * WG_X + lid.x;
  let arg = OP == 4u || OP == 5u;
  var acc = identity();
  var at = NONE;
  if (o < params.n_out) {
    let base = kept_offset(o);
    for (var r = lid.y; r < params.n_red; r += WG_Y) {
      let v = x[u32(base + red_offset(r))];
      if (arg) {
        if (beats(v, r, acc, at)) {
          acc = v;
          at = r;
        }
      } else {
        acc = combine_kind(acc, v, kind());
      }
    }
  }
  if (!arg) {
    let total = tree_reduce(acc, lid, kind());
    if (o < params.n_out && lid.y == 0u) {
      y[o] = select(total, total / f32(params.n_red), OP == 0u);
    }
    return;
  }
  part[slot] = acc;
  part_i[slot] = at;
  workgroupBarrier();
  for (var s = WG_Y / 2u; s > 0u; s /= 2u) {
    if (lid.y < s) {
      let other = slot + s * WG_X;
      if (beats(part[other], part_i[other], part[slot], part_i[slot])) {
        part[slot] = part[other];
        part_i[slot] = part_i[other];
      }
    }
    workgroupBarrier();
  }
  if (o < params.n_out && lid.y == 0u) {
    y[o] = f32(part_i[lid.x]);
  }
}
