// Accurate sin, cos and atan2 for f32 (fragment). WGSL's builtins allow an absolute error of 2^-11 for sin/cos
// and 4096 ULP for atan2 (SwiftShader's sin is off by 1.5e-4), far from the CPU reference; these keep ~1e-7:
// Cody–Waite reduction by π/2 in three parts (the first two short, so k·part is exact for k < 2^13) and Cephes'
// sinf/cosf polynomials on [-π/4, π/4], Cephes' atanf reduction and polynomial. ~1e-7 for |x| < ~1e4.
const PIO2_1: f32 = 1.5703125;
const PIO2_2: f32 = 4.837512969970703125e-4;
const PIO2_3: f32 = 7.549789954891882e-8;
const PIO2_HI: f32 = 1.5707963705062866;
const PI_F: f32 = 3.1415927410125732;

fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}

fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}

// (sin x, cos x)
fn sincos_acc(x: f32) -> vec2<f32> {
  let k = round(x * (2.0 / PI_F));
  let r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
  let s = sin_poly(r);
  let c = cos_poly(r);
  let q = u32(i32(k) & 3);
  switch q {
    case 1u: { return vec2<f32>(c, -s); }
    case 2u: { return vec2<f32>(-s, -c); }
    case 3u: { return vec2<f32>(-c, s); }
    default: { return vec2<f32>(s, c); }
  }
}

// atan(a) for a ≥ 0
fn atan_pos(a: f32) -> f32 {
  var x = a;
  var base = 0.0;
  if (x > 2.414213562373095) {
    base = PIO2_HI;
    x = -1.0 / x;
  } else if (x > 0.4142135623730950) {
    base = 0.5 * PIO2_HI;
    x = (x - 1.0) / (x + 1.0);
  }
  let z = x * x;
  return base + (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * x + x;
}

fn atan2_acc(y: f32, x: f32) -> f32 {
  if (x == 0.0 && y == 0.0) {
    return select(0.0, select(PI_F, -PI_F, bitcast<u32>(y) >> 31u == 1u), bitcast<u32>(x) >> 31u == 1u);
  }
  let t = atan_pos(abs(y) / abs(x));
  let u = select(t, PI_F - t, x < 0.0);
  return select(u, -u, y < 0.0);
}
