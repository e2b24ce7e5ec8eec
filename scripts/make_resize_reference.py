#!/usr/bin/python3
"""Expected outputs of ONNX Resize (nearest/linear) from the ONNX package's own reference implementation
(onnx/backend/test/case/node/resize.py: interpolate_nd), for test/ops-resize.test.ts.

    /usr/bin/python3 scripts/make_resize_reference.py   # writes fixtures/ops/resize_onnx_reference.json
"""
import json
import os

import numpy as np
from onnx.backend.test.case.node.resize import interpolate_nd, linear_coeffs, nearest_coeffs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "ops", "resize_onnx_reference.json")

# tf_half_pixel_for_nn is not in onnx 1.12's reference; test/ops-resize.test.ts checks it against TF.js.
COORDS = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]
NEAREST = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
# (input H, W, target): target is ("sizes", [h, w]) or ("scales", [sh, sw])
TARGETS = [
    (4, 5, ("sizes", [7, 3])),
    (3, 3, ("sizes", [8, 8])),
    (5, 7, ("sizes", [2, 11])),
    (4, 4, ("scales", [2.0, 2.0])),
    (5, 6, ("scales", [0.6, 1.5])),
    (3, 5, ("sizes", [1, 1])),
    (6, 9, ("sizes", [9, 6])),
]


def main():
    rng = np.random.RandomState(11)
    cases = []
    for ih, iw, (kind, t) in TARGETS:
        x = rng.uniform(-2, 2, (1, 1, ih, iw)).astype(np.float32)
        for mode in ["nearest", "linear"]:
            for coord in COORDS:
                for nm in NEAREST if mode == "nearest" else ["round_prefer_floor"]:
                    coeffs = (lambda r, nm=nm: nearest_coeffs(r, mode=nm)) if mode == "nearest" else linear_coeffs
                    kw = {"coordinate_transformation_mode": coord}
                    if kind == "sizes":
                        y = interpolate_nd(x, coeffs, output_size=[1, 1] + t, **kw)
                    else:
                        # scales reach the engine as a float32 tensor, as in a model file
                        y = interpolate_nd(x, coeffs, scale_factors=np.array([1.0, 1.0] + t, dtype=np.float32), **kw)
                    cases.append({
                        "mode": mode, "coord": coord, "nearest_mode": nm, kind: ([1, 1] + t) if kind == "sizes" else [1.0, 1.0] + t,
                        "input_shape": list(x.shape), "input": [float(f"{v:.9g}") for v in x.reshape(-1)],
                        "output_shape": list(y.shape), "output": [float(f"{v:.9g}") for v in y.reshape(-1)],
                    })
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/make_resize_reference.py", "cases": cases}, f)
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
