#!/usr/bin/python3
"""Generates the benchmark workloads for `npm run bench` into bench/models/ (gitignored; ~25 MB in all).

Run with Debian's python (torch 1.13, torchvision 0.14, onnx 1.12):

    /usr/bin/python3 scripts/make_bench_models.py [--force] [names...]

For each workload it writes bench/models/<name>.onnx (opset 13), <name>.input.bin and <name>.output.bin
(raw little-endian float32, NCHW; the output is PyTorch's own), and records shapes in bench/models/manifest.json.
Weights are random (torchvision is built with weights=None: nothing is downloaded) and every BatchNorm has
non-default statistics, so BN folding is exercised and the logits are not ~1e-9. Deterministic per name.
"""
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_fixtures import calibrate_bn, conv_normal, perturb_bn, seed_all  # noqa: E402

OUT = os.path.join(ROOT, "bench", "models")
OPSET = 13


def conv_bn_relu(cin, cout, k, groups=1):
    return [conv_normal(nn.Conv2d(cin, cout, k, 1, k // 2, groups=groups, bias=False)), nn.BatchNorm2d(cout), nn.ReLU()]


def conv3x3():
    return nn.Sequential(*conv_bn_relu(32, 64, 3))


def dsc():
    return nn.Sequential(*conv_bn_relu(32, 32, 3, groups=32), *conv_bn_relu(32, 64, 1))


def seed16x32():
    # Same module as examples/seed_separable_16x32.onnx (scripts/make_fixtures.py).
    return nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.Conv2d(16, 32, 1, bias=False))


def mobilenet_v2():
    import torchvision
    return torchvision.models.mobilenet_v2(weights=None)


WORKLOADS = {
    "conv3x3": ("regular Conv2d(32,64,3,padding=1)+BN+ReLU on 1x32x112x112 (BN folded at export)",
                conv3x3, (1, 32, 112, 112), False),
    "dsc": ("depthwise-separable block: dw Conv2d(32,32,3,p=1,groups=32)+BN+ReLU, pw Conv2d(32,64,1)+BN+ReLU "
            "on 1x32x112x112", dsc, (1, 32, 112, 112), False),
    "seed16x32": ("dw Conv2d(16,16,3,p=1,groups=16) + pw Conv2d(16,32,1), no bias, on 1x16x128x128",
                  seed16x32, (1, 16, 128, 128), False),
    "mobilenet_v2": ("torchvision mobilenet_v2 (width 1.0, 1000 classes), random weights, BN stats calibrated on "
                     "random data then perturbed, 1x3x224x224", mobilenet_v2, (1, 3, 224, 224), True),
}


def make(name):
    description, build, shape, calibrate = WORKLOADS[name]
    t0 = time.time()
    seed = seed_all("bench/" + name)
    gen = np.random.RandomState(seed)
    model = build()
    if calibrate:
        calibrate_bn(model, gen, shape, batches=2)
    else:
        perturb_bn(model, gen)
    model.eval()
    x = torch.from_numpy(gen.standard_normal(shape).astype(np.float32))
    with torch.no_grad():
        y = model(x).contiguous()
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=OPSET, input_names=["input"], output_names=["output"],
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    with torch.no_grad():
        assert torch.equal(y, model(x)), name
    x.numpy().astype("<f4").tofile(os.path.join(OUT, name + ".input.bin"))
    yn = y.numpy().astype("<f4")
    yn.tofile(os.path.join(OUT, name + ".output.bin"))
    ops = sorted({n.op_type for n in m.graph.node})
    print(f"  {name:14s} in={list(shape)} out={list(yn.shape)} |y|max={float(np.abs(yn).max()):.3g} "
          f"ops={ops} ({time.time() - t0:.1f}s)", flush=True)
    return {
        "name": name,
        "description": description,
        "opset": OPSET,
        "model": name + ".onnx",
        "input": name + ".input.bin",
        "output": name + ".output.bin",
        "input_name": "input",
        "output_name": "output",
        "input_shape": list(shape),
        "output_shape": list(yn.shape),
        "output_abs_max": float(np.abs(yn).max()),
        "output_std": float(yn.std()),
        "ops": ops,
        "nodes": len(m.graph.node),
        "reference": "pytorch " + torch.__version__,
    }


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    force = "--force" in sys.argv
    names = args or list(WORKLOADS)
    for n in names:
        if n not in WORKLOADS:
            sys.exit(f"unknown workload {n!r}; known: {', '.join(WORKLOADS)}")
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    mpath = os.path.join(OUT, "manifest.json")
    manifest = {"generator": "scripts/make_bench_models.py", "torch": torch.__version__, "workloads": {}}
    if os.path.exists(mpath):
        with open(mpath) as f:
            manifest["workloads"].update(json.load(f).get("workloads", {}))
    for n in names:
        have = all(os.path.exists(os.path.join(OUT, n + s)) for s in (".onnx", ".input.bin", ".output.bin"))
        if have and n in manifest["workloads"] and not force:
            print(f"  {n:14s} present (use --force to rebuild)")
            continue
        manifest["workloads"][n] = make(n)
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
