// The window loop of pool.wgsl (inserted at its ${TAPS} marker): every kh × kw tap, with dilation and padding.
  for (var kh = 0i; kh < params.KH; kh++) {
    let ih = h0 + kh * params.DH;
    if (KIND == 2u && ih >= -params.PT && ih < H + params.PB) {
      for (var kw = 0i; kw < params.KW; kw++) {
        let iw = w0 + kw * params.DW;
        count += select(0i, 1i, iw >= -params.PL && iw < W + params.PR);
      }
    }
    if (ih < 0 || ih >= H) {
      continue;
    }
    for (var kw = 0i; kw < params.KW; kw++) {
      let iw = w0 + kw * params.DW;
      if (iw < 0 || iw >= W) {
        continue;
      }
      let v = x[(plane + u32(ih) * params.W + u32(iw)) * C + c];
      if (KIND == 0u) {
        acc = select(acc, v, (v > acc) | is_nan(v));
      } else {
        acc += v;
        count += select(1i, 0i, KIND == 2u);
      }
    }
  }
