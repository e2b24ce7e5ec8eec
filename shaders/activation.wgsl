// Fused activation epilogue, concatenated in front of conv/gemm kernels (src/gpu/kernels/epilogue.ts).
//   act(v) for ACT = 0 none | 1 relu | 2 clip(act_a = min, act_b = max) | 3 sigmoid
//                  | 4 hardsigmoid(act_a = alpha, act_b = beta) | 5 hardswish(act_a = gain)
// ACT is an override constant (dead branches vanish at pipeline creation); act_a / act_b come from the
// including kernel's params uniform, which must declare both fields. act_of(v, kind, a, b) is the same for a
// second activation in one kernel (dwpw.wgsl: kind an override constant too). Comparisons are written with select()
// so NaN passes through unchanged (relu(NaN) = clip(NaN) = NaN), matching src/ops/activation.ts.
override ACT: u32 = 0u;

fn act4(v: vec4<f32>) -> vec4<f32> {
  return act_of(v, ACT, params.act_a, params.act_b);
}

fn act_of(v: vec4<f32>, kind: u32, act_a: f32, act_b: f32) -> vec4<f32> {
  switch kind {
    case 1u: {
      return select(v, vec4<f32>(0.0), v < vec4<f32>(0.0));
    }
    case 2u: {
      let lo = vec4<f32>(act_a);
      let hi = vec4<f32>(act_b);
      let t = select(v, lo, v < lo);
      return select(t, hi, t > hi);
    }
    case 3u: {
      return 1.0 / (1.0 + exp(-v));
    }
    case 4u: {
      let t = act_a * v + act_b;
      return select(select(t, vec4<f32>(1.0), t > vec4<f32>(1.0)), vec4<f32>(0.0), t < vec4<f32>(0.0));
    }
    case 5u: {
      let t = v / 6.0 + 0.5;
      return select(select(v * t, v, t > vec4<f32>(1.0)), vec4<f32>(0.0), t < vec4<f32>(0.0)) * act_a;
    }
    default: {
      return v;
    }
  }
}
