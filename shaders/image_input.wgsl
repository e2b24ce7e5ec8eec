// Image → model input tensor in one pass: bilinear resample (pixel centres at +0.5, clamp to edge) of the
// source texture's rgb in 0–255 units, channel order, then value = v·gain[c] + bias[c] (or trunc(v) when INT).
// For output pixel (x, y) inside the destination rectangle dst (pixels, from the resize mode):
//   u = srcX + (x + 0.5 − dstX)·srcScaleX − 0.5,   v = srcY + (y + 0.5 − dstY)·srcScaleY − 0.5
// outside it every channel is the pad value (pad·gain[c] + bias[c]). Grey = dot(rgb, grey weights).
// Entry point main_affine (a rotated crop, no pad): (u, v) = M·(x + 0.5, y + 0.5, 1) − 0.5, M the 2×3 matrix
// (m00 m01 m02; m10 m11 m12) from output pixel centres to source continuous coordinates, edges clamped.
// y[offset + y·strideY + x·strideX + c·strideC] for c < CHANNELS: any layout, including the model's own
// physical layout for its input buffer.
//   @binding(0) params  uniform Params (see src/vision/gpu-input.ts)
//   @binding(1) y       array<f32>, the model's input buffer
//   @binding(2) src     texture_2d<f32> (rgba8unorm, entry point main) or
//   @binding(3) ext     texture_external (video, entry point main_external)
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override CHANNELS: u32 = 3u;
override BGR: bool = false;
override INT: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var src: texture_2d<f32>;
@group(0) @binding(3) var ext: texture_external;

struct Tap {
  p00: vec2u,
  p10: vec2u,
  p01: vec2u,
  p11: vec2u,
  f: vec2f,
}

fn tap(x: u32, yy: u32) -> Tap {
  let centre = vec2f(f32(x), f32(yy)) + 0.5;
  return tapAt(vec2f(params.srcX, params.srcY) + (centre - vec2f(params.dstX, params.dstY)) * vec2f(params.srcScaleX, params.srcScaleY) - 0.5);
}

fn affineTap(x: u32, yy: u32) -> Tap {
  let c = vec3f(f32(x) + 0.5, f32(yy) + 0.5, 1.0);
  return tapAt(vec2f(dot(vec3f(params.m00, params.m01, params.m02), c), dot(vec3f(params.m10, params.m11, params.m12), c)) - 0.5);
}

// u: source pixel-centre coordinates.
fn tapAt(u: vec2f) -> Tap {
  let j = floor(u);
  let hi = vec2f(f32(params.srcW - 1u), f32(params.srcH - 1u));
  let a = vec2u(clamp(j, vec2f(0.0), hi));
  let b = vec2u(clamp(j + 1.0, vec2f(0.0), hi));
  return Tap(a, vec2u(b.x, a.y), vec2u(a.x, b.y), b, u - j);
}

fn inside(x: u32, yy: u32) -> bool {
  let centre = vec2f(f32(x), f32(yy)) + 0.5;
  return all(centre >= vec2f(params.dstX, params.dstY)) && all(centre < vec2f(params.dstX + params.dstW, params.dstY + params.dstH));
}

// Texels back to exact 8-bit values, so GPU and CPU resample the same integers.
fn bytes(t: vec4f) -> vec3f {
  return round(t.rgb * 255.0);
}

fn blend(t00: vec4f, t10: vec4f, t01: vec4f, t11: vec4f, f: vec2f) -> vec3f {
  let top = mix(bytes(t00), bytes(t10), f.x);
  let bot = mix(bytes(t01), bytes(t11), f.x);
  return mix(top, bot, f.y);
}

fn value(v: f32, gain: f32, bias: f32) -> f32 {
  if (INT) {
    return trunc(v);
  }
  return v * gain + bias;
}

// rgb in 0–255 (or, for the border, the pad value in every lane and grey = pad).
fn store(x: u32, yy: u32, rgb: vec3f, grey: f32) {
  let base = params.offset + yy * params.strideY + x * params.strideX;
  if (CHANNELS == 1u) {
    y[base] = value(grey, params.gain0, params.bias0);
    return;
  }
  let c = select(rgb, rgb.bgr, BGR);
  y[base] = value(c.x, params.gain0, params.bias0);
  y[base + params.strideC] = value(c.y, params.gain1, params.bias1);
  y[base + 2u * params.strideC] = value(c.z, params.gain2, params.bias2);
}

fn storePixel(x: u32, yy: u32, rgb: vec3f) {
  store(x, yy, rgb, dot(rgb, vec3f(params.greyR, params.greyG, params.greyB)));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= params.outW || g.y >= params.outH) {
    return;
  }
  if (!inside(g.x, g.y)) {
    store(g.x, g.y, vec3f(params.pad), params.pad);
    return;
  }
  let t = tap(g.x, g.y);
  storePixel(g.x, g.y, blend(textureLoad(src, t.p00, 0), textureLoad(src, t.p10, 0), textureLoad(src, t.p01, 0), textureLoad(src, t.p11, 0), t.f));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main_external(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= params.outW || g.y >= params.outH) {
    return;
  }
  if (!inside(g.x, g.y)) {
    store(g.x, g.y, vec3f(params.pad), params.pad);
    return;
  }
  let t = tap(g.x, g.y);
  storePixel(g.x, g.y, blend(textureLoad(ext, t.p00), textureLoad(ext, t.p10), textureLoad(ext, t.p01), textureLoad(ext, t.p11), t.f));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main_affine(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= params.outW || g.y >= params.outH) {
    return;
  }
  let t = affineTap(g.x, g.y);
  storePixel(g.x, g.y, blend(textureLoad(src, t.p00, 0), textureLoad(src, t.p10, 0), textureLoad(src, t.p01, 0), textureLoad(src, t.p11, 0), t.f));
}
