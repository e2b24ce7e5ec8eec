// A mask tensor (probabilities, on the GPU) onto a canvas texture, without a readback. For canvas pixel (x, y):
//   u = regionX + (x + 0.5)·regionW / outW − 0.5,  v likewise   (the part of the mask the canvas shows)
//   m = bilinear sample of mask[v·strideY + u·strideX + offset], clamp to edge
//   a = THRESHOLD ? (m ≥ threshold ? alpha : 0) : clamp(m, 0, 1)·alpha;  out = (color·a, a)  (premultiplied)
//   @binding(0) params  uniform Params (see src/vision/mask.ts)
//   @binding(1) mask    array<f32>, e.g. the model's output buffer
//   @binding(2) out     texture_storage_2d<rgba8unorm, write>, the canvas's current texture
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override THRESHOLD: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var out: texture_storage_2d<rgba8unorm, write>;

fn at(p: vec2i) -> f32 {
  let q = clamp(p, vec2i(0), vec2i(i32(params.maskW) - 1, i32(params.maskH) - 1));
  return mask[params.offset + u32(q.y) * params.strideY + u32(q.x) * params.strideX];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= params.outW || g.y >= params.outH) {
    return;
  }
  let centre = vec2f(f32(g.x), f32(g.y)) + 0.5;
  let u = vec2f(params.regionX, params.regionY) + centre * vec2f(params.regionW / f32(params.outW), params.regionH / f32(params.outH)) - 0.5;
  let j = floor(u);
  let f = u - j;
  let p = vec2i(j);
  let m = mix(mix(at(p), at(p + vec2i(1, 0)), f.x), mix(at(p + vec2i(0, 1)), at(p + vec2i(1, 1)), f.x), f.y);
  var a = clamp(m, 0.0, 1.0) * params.alpha;
  if (THRESHOLD) {
    a = select(0.0, params.alpha, m >= params.threshold);
  }
  textureStore(out, vec2i(g.xy), vec4f(vec3f(params.r, params.g, params.b) * a, a));
}
