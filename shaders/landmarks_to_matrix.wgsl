// MediaPipe's Landmarks2TransformMatrix v2 in closed form (see src/ops/landmarkstotransformmatrix.ts): one
// invocation writes the row-major 4×4 matrix.
//   @binding(0) params  uniform Params { d, left, right, count, cos_t, sin_t, kx, ky, hx, hy }
//   @binding(1) l       array<f32>, landmarks [1, N, D]
//   @binding(2) subset  array<u32>, the landmark indices of the crop's box
//   @binding(3) m       array<f32>, [1, 4, 4]
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> l: array<f32>;
@group(0) @binding(2) var<storage, read> subset: array<u32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;

fn at(i: u32) -> vec2f {
  return vec2f(l[i * params.d], l[i * params.d + 1u]);
}

@compute @workgroup_size(1)
fn main() {
  let v = at(params.right) - at(params.left);
  let len = length(v);
  var dir = vec2f(1.0, 0.0);
  if (len > 0.0) {
    dir = v / len;
  }
  let c = params.cos_t * dir.x + params.sin_t * dir.y;
  let s = params.sin_t * dir.x - params.cos_t * dir.y;
  var lo = vec2f(3.0e38);
  var hi = vec2f(-3.0e38);
  for (var k = 0u; k < params.count; k++) {
    let p = at(subset[k]);
    let r = vec2f(c * p.x - s * p.y, s * p.x + c * p.y);
    lo = min(lo, r);
    hi = max(hi, r);
  }
  let mid = (lo + hi) * 0.5;
  let cx = c * mid.x + s * mid.y;
  let cy = -s * mid.x + c * mid.y;
  let scx = params.kx * (hi.x - lo.x);
  let scy = params.ky * (hi.y - lo.y);
  m[0] = c * scx;
  m[1] = s * scy;
  m[2] = 0.0;
  m[3] = c * scx * params.hx + s * scy * params.hy + cx;
  m[4] = -s * scx;
  m[5] = c * scy;
  m[6] = 0.0;
  m[7] = -s * scx * params.hx + c * scy * params.hy + cy;
  m[8] = 0.0;
  m[9] = 0.0;
  m[10] = 1.0;
  m[11] = 0.0;
  m[12] = 0.0;
  m[13] = 0.0;
  m[14] = 0.0;
  m[15] = 1.0;
}
