// Boxes, skeletons and keypoints over a canvas as instanced quads, one instance per primitive. Primitive i is a
// capsule: the pixels within `radius` of the segment a → b (a dot when a = b), in canvas pixels, in `color`.
//   quad: the segment's bounding rectangle along a → b, grown by radius + EDGE on every side (6 vertices)
//   coverage = clamp((radius + EDGE / 2 − distance(pixel centre, segment)) / EDGE, 0, 1)   (an antialiased rim EDGE pixels wide)
//   out = (rgb·α, α), α = color.a·coverage, premultiplied, blended "over" what the target holds
//   @binding(0) params  uniform Params (width, height: the target's size in pixels)
//   @binding(1) prims   array<Prim>, 32 bytes each (src/tasks/draw-gpu.ts packs them)
override EDGE: f32 = 1.0;

struct Prim {
  ends: vec4f,   // a.x, a.y, b.x, b.y
  radius: f32,
  color: u32,    // r | g << 8 | b << 16 | a << 24 (unpack4x8unorm)
  pad: vec2u,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> prims: array<Prim>;

struct Varying {
  @builtin(position) position: vec4f,
  @location(0) @interpolate(flat) ends: vec4f,
  @location(1) @interpolate(flat) radius: f32,
  @location(2) @interpolate(flat) color: vec4f,
}

@vertex
fn vs(@builtin(vertex_index) v: u32, @builtin(instance_index) i: u32) -> Varying {
  var corners = array<vec2f, 6>(vec2f(0.0, 0.0), vec2f(1.0, 0.0), vec2f(0.0, 1.0), vec2f(0.0, 1.0), vec2f(1.0, 0.0), vec2f(1.0, 1.0));
  let p = prims[i];
  let a = p.ends.xy;
  let b = p.ends.zw;
  let len = length(b - a);
  let along = select(vec2f(1.0, 0.0), (b - a) / len, len > 0.0);
  let across = vec2f(-along.y, along.x);
  let r = p.radius + EDGE;
  let c = corners[v];
  let q = mix(a - along * r, b + along * r, c.x) + across * r * (2.0 * c.y - 1.0);
  var out: Varying;
  out.position = vec4f(2.0 * q.x / params.width - 1.0, 1.0 - 2.0 * q.y / params.height, 0.0, 1.0);
  out.ends = p.ends;
  out.radius = p.radius;
  out.color = unpack4x8unorm(p.color);
  return out;
}

@fragment
fn fs(in: Varying) -> @location(0) vec4f {
  let a = in.ends.xy;
  let ab = in.ends.zw - a;
  let t = clamp(dot(in.position.xy - a, ab) / max(dot(ab, ab), 1e-12), 0.0, 1.0);
  let coverage = clamp((in.radius + 0.5 * EDGE - distance(in.position.xy, a + t * ab)) / EDGE, 0.0, 1.0);
  if (coverage <= 0.0) {
    discard;
  }
  let alpha = in.color.a * coverage;
  return vec4f(in.color.rgb * alpha, alpha);
}
