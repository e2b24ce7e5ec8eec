#!/usr/bin/python3
"""Exports the torchvision "mobile zoo" to ONNX (opset 13) with PyTorch's own outputs, for end-to-end checks.

Run with Debian's python (torch 1.13, torchvision 0.14, onnx 1.12):

    /usr/bin/python3 scripts/make_zoo.py            # reduced variants (committed) + full-size models
    /usr/bin/python3 scripts/make_zoo.py --reduced  # only the reduced variants under fixtures/zoo/
    /usr/bin/python3 scripts/make_zoo.py --full     # only the full-size models under zoo-full/
    /usr/bin/python3 scripts/make_zoo.py --full --out /tmp/sepconv-zoo

Architectures: mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large, mnasnet0_5, efficientnet_b0,
shufflenet_v2_x0_5, squeezenet1_1, resnet18.

* REDUCED variants (fixtures/zoo/<name>/, committed, total well under 6 MB): the same torchvision classes
  with fewer channels (width_mult / alpha / narrower stage widths), fewer classes and a 1x3x64x64 input.
  Every variant keeps its architecture's op mix: inverted residuals, SE blocks (GlobalAveragePool + 1x1
  convs + HardSigmoid/Sigmoid + Mul), hardswish (HardSigmoid + Mul at opset 13), SiLU (Sigmoid + Mul),
  channel shuffle (Split + Reshape/Transpose/Reshape), fire modules (Concat), basic residual blocks with
  1x1 downsample convs, ceil-mode MaxPool.
* FULL-size models (zoo-full/<name>/ by default, gitignored: 3.5M-11.7M params are too big to commit):
  the torchvision constructors unchanged (1000 classes) on a 1x3x224x224 input. scripts/zoo-check.ts runs them.

Each folder holds model.onnx, input.npy (float32 NCHW) and output.npy (PyTorch's logits, float32); index.json
beside them describes every model (constructor, params, MACs, op types, top-5 classes and the logit gap that
keeps the top-5 unambiguous).

Weights are random (weights=None; nothing is downloaded). As in make_fixtures.py, BatchNorm running
statistics are calibrated on the model's own activations for random data and then perturbed, and BN affine
parameters are random, so BN folding is really exercised and the logits depend on the input; Linear layers
are re-initialised to unit gain, and conv biases (zero after torchvision's init) get random values.
Deterministic: each model seeds torch/numpy from its own name.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import calibrate_bn, graph_ops, save_npy, seed_all  # noqa: E402

import torchvision  # noqa: E402
from torchvision.models import efficientnet, mnasnet, resnet, shufflenetv2, squeezenet  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REDUCED_DIR = os.path.join(ROOT, "fixtures", "zoo")
FULL_DIR = os.path.join(ROOT, "zoo-full")
OPSET = 13
ATOL = 1e-3
# The input is re-drawn until the logits around the top-5 boundary are at least this far apart, so the
# top-5 comparison tests the engine and not float rounding between near-equal logits.
MIN_TOP5_GAP = 1e-2
TV = torchvision.models


# ---------------------------------------------------------------------------------------------------------
# reduced variants built from torchvision's own classes and blocks
# ---------------------------------------------------------------------------------------------------------

class NarrowResNet(resnet.ResNet):
    """torchvision ResNet (BasicBlock, layers [2,2,2,2] = resnet18) with narrower stages; forward, blocks and
    _make_layer (1x1 conv + BN downsample) are torchvision's."""

    def __init__(self, widths=(8, 16, 32, 64), layers=(2, 2, 2, 2), num_classes=10):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = widths[0]
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(resnet.BasicBlock, widths[0], layers[0])
        self.layer2 = self._make_layer(resnet.BasicBlock, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(resnet.BasicBlock, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(resnet.BasicBlock, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3], num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


class NarrowSqueezeNet(squeezenet.SqueezeNet):
    """squeezenet1_1's layer sequence (conv3x3/2, ceil-mode MaxPools, 8 Fire modules, conv classifier + ReLU +
    global average pool) with every Fire module at half width; forward is torchvision's."""

    def __init__(self, num_classes=32):
        super().__init__("1_1", num_classes=num_classes)
        Fire = squeezenet.Fire
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=3, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(32, 8, 32, 32),
            Fire(64, 8, 32, 32),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(64, 16, 64, 64),
            Fire(128, 16, 64, 64),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(128, 24, 96, 96),
            Fire(192, 24, 96, 96),
            Fire(192, 32, 128, 128),
            Fire(256, 32, 128, 128),
        )
        self.classifier[1] = nn.Conv2d(256, num_classes, kernel_size=1)
        for m in self.features.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight)
                nn.init.constant_(m.bias, 0)


def efficientnet_reduced(width_mult, depth_mult, num_classes):
    setting, last_channel = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=width_mult,
                                                              depth_mult=depth_mult)
    return efficientnet.EfficientNet(setting, 0.2, num_classes=num_classes, last_channel=last_channel)


# name -> (reduced constructor description, reduced builder, full builder)
ZOO = [
    ("mobilenet_v2", "torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)",
     lambda: TV.mobilenet_v2(weights=None, width_mult=0.25, num_classes=10),
     lambda: TV.mobilenet_v2(weights=None)),
    ("mobilenet_v3_small", "torchvision.models.mobilenet_v3_small(width_mult=0.25, num_classes=32)",
     lambda: TV.mobilenet_v3_small(weights=None, width_mult=0.25, num_classes=32),
     lambda: TV.mobilenet_v3_small(weights=None)),
    ("mobilenet_v3_large", "torchvision.models.mobilenet_v3_large(width_mult=0.25, reduced_tail=True, num_classes=32)",
     lambda: TV.mobilenet_v3_large(weights=None, width_mult=0.25, reduced_tail=True, num_classes=32),
     lambda: TV.mobilenet_v3_large(weights=None)),
    ("mnasnet0_5", "torchvision.models.mnasnet.MNASNet(alpha=0.1, num_classes=10) (mnasnet0_5 is alpha=0.5)",
     lambda: mnasnet.MNASNet(0.1, num_classes=10),
     lambda: TV.mnasnet0_5(weights=None)),
    ("efficientnet_b0", "torchvision EfficientNet with _efficientnet_conf('efficientnet_b0', width_mult=0.25, "
     "depth_mult=0.5), num_classes=32",
     lambda: efficientnet_reduced(0.25, 0.5, 32),
     lambda: TV.efficientnet_b0(weights=None)),
    ("shufflenet_v2_x0_5", "torchvision.models.shufflenetv2.ShuffleNetV2([4, 8, 4], [16, 24, 48, 96, 256], "
     "num_classes=32) (x0_5 is [24, 48, 96, 192, 1024])",
     lambda: shufflenetv2.ShuffleNetV2([4, 8, 4], [16, 24, 48, 96, 256], num_classes=32),
     lambda: TV.shufflenet_v2_x0_5(weights=None)),
    ("squeezenet1_1", "squeezenet1_1 layer sequence with half-width Fire modules (torchvision SqueezeNet/Fire), "
     "num_classes=32",
     lambda: NarrowSqueezeNet(32),
     lambda: TV.squeezenet1_1(weights=None)),
    ("resnet18", "torchvision ResNet(BasicBlock, [2, 2, 2, 2]) with stage widths (6, 12, 24, 48), num_classes=10 "
     "(resnet18 is 64..512)",
     lambda: NarrowResNet((6, 12, 24, 48), (2, 2, 2, 2), 10),
     lambda: TV.resnet18(weights=None)),
]

REDUCED_INPUT = (1, 3, 64, 64)
FULL_INPUT = (1, 3, 224, 224)


# ---------------------------------------------------------------------------------------------------------

def count_macs(model, x):
    """torchinfo-style multiply-adds: Conv2d (weight + bias numel) x N x Hout x Wout, Linear weight numel x N."""
    total = [0]
    hooks = []

    def conv_hook(mod, inp, out):
        w = mod.weight.numel() + (mod.bias.numel() if mod.bias is not None else 0)
        total[0] += w * out.shape[0] * out.shape[2] * out.shape[3]

    def linear_hook(mod, inp, out):
        total[0] += mod.weight.numel() * (out.numel() // out.shape[-1])

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return total[0]


def randomise(model, gen, input_shape):
    """Random conv biases, unit-gain Linear layers, BN stats calibrated on random data and then perturbed."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.bias is not None:
            with torch.no_grad():
                m.bias.copy_(torch.from_numpy(gen.uniform(-0.1, 0.1, m.out_channels).astype(np.float32)))
    if isinstance(model, squeezenet.SqueezeNet):
        # torchvision gives the final conv std 0.01 (logits ~1e-2): unit gain so the logits are O(1)
        conv = model.classifier[1]
        with torch.no_grad():
            conv.weight.normal_(0.0, 1.0 / np.sqrt(conv.in_channels))
    calibrate_bn(model, gen, input_shape)
    model.eval()
    return model


def export(model, x, path):
    """torch.onnx.export at opset 13 of the eval-mode model, keeping every BatchNormalization node:
    TrainingMode.PRESERVE skips the exporter's eval peephole that would fold BN into the preceding conv, so
    the engine's own BN folding (src/graph/optimize.ts) is what gets tested. BN nodes are exported in
    inference form (training_mode=0); Dropout, a no-op in eval mode, is not emitted."""
    torch.onnx.export(
        model.eval(),
        x,
        path,
        opset_version=OPSET,
        input_names=["input"],
        output_names=["output"],
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.PRESERVE,
    )
    onnx.checker.check_model(onnx.load(path))


def top5_gap(y):
    """Smallest gap between consecutive logits among the 6 largest (the top-5 order and its boundary)."""
    s = np.sort(y.reshape(-1))[::-1][:6]
    return float(np.min(s[:-1] - s[1:]))


def make(name, constructor, build, input_shape, out_dir):
    t0 = time.time()
    seed = seed_all(name + str(list(input_shape)))
    gen = np.random.RandomState(seed)
    model = build()
    randomise(model, gen, input_shape)
    # draw inputs until the top-5 is unambiguous
    for attempt in range(50):
        x = torch.from_numpy(gen.standard_normal(input_shape).astype(np.float32))
        with torch.no_grad():
            y = model(x).contiguous()
        gap = top5_gap(y.numpy())
        if gap >= MIN_TOP5_GAP:
            break
    else:
        raise RuntimeError(f"{name}: no input with a top-5 gap >= {MIN_TOP5_GAP}")
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    path = os.path.join(d, "model.onnx")
    export(model, x, path)
    with torch.no_grad():
        y2 = model(x)
    assert torch.equal(y, y2), name
    m = onnx.load(path)
    n_bn = sum(1 for n in m.graph.node if n.op_type == "BatchNormalization")
    assert n_bn == sum(1 for mod in model.modules() if isinstance(mod, nn.BatchNorm2d)), (name, n_bn)
    out_dims = [d.dim_value for d in m.graph.output[0].type.tensor_type.shape.dim]
    assert out_dims == list(y.shape), (name, out_dims, list(y.shape))
    save_npy(os.path.join(d, "input.npy"), x.numpy())
    yn = y.numpy().astype(np.float32)
    save_npy(os.path.join(d, "output.npy"), yn)
    ops, n_nodes = graph_ops(path)
    params = sum(p.numel() for p in model.parameters())
    macs = count_macs(model, x)
    top = np.argsort(-yn.reshape(-1))[:5]
    entry = {
        "name": name,
        "constructor": constructor,
        "opset": OPSET,
        "input_shape": list(input_shape),
        "output_shape": list(yn.shape),
        "params": int(params),
        "macs": int(macs),
        "atol": ATOL,
        "top5": [int(i) for i in top],
        "top5_gap": gap,
        "input_draws": attempt + 1,
        "output_abs_max": float(np.abs(yn).max()),
        "output_std": float(yn.std()),
        "ops": ops,
        "nodes": n_nodes,
        "batchnorm_nodes": n_bn,
        "onnx_bytes": os.path.getsize(path),
    }
    print(f"  {name:20s} in={list(input_shape)} out={list(yn.shape)} params={params:,} macs={macs:,} "
          f"onnx={entry['onnx_bytes'] / 1e6:.2f} MB top5={entry['top5']} gap={gap:.3g} "
          f"|y|max={entry['output_abs_max']:.3g} ({time.time() - t0:.1f} s)", flush=True)
    print(f"    ops: {' '.join(ops)}", flush=True)
    return entry


def write_set(out_dir, kind, input_shape, names):
    os.makedirs(out_dir, exist_ok=True)
    entries = []
    for name, constructor, reduced, full in ZOO:
        if names and name not in names:
            continue
        if kind == "full":
            constructor = f"torchvision.models.{name}(weights=None)"
        entries.append(make(name, constructor, reduced if kind == "reduced" else full, input_shape, out_dir))
    index_path = os.path.join(out_dir, "index.json")
    if names and os.path.exists(index_path):
        with open(index_path) as f:
            old = {e["name"]: e for e in json.load(f)["models"]}
        old.update({e["name"]: e for e in entries})
        entries = [old[n] for n, *_ in ZOO if n in old]
    index = {
        "generator": "scripts/make_zoo.py",
        "kind": kind,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx": onnx.__version__,
        "opset": OPSET,
        "atol": ATOL,
        "min_top5_gap": MIN_TOP5_GAP,
        "models": entries,
    }
    with open(index_path, "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    total = 0
    for dp, _, fs in os.walk(out_dir):
        for fn in fs:
            total += os.path.getsize(os.path.join(dp, fn))
    print(f"{kind}: {len(entries)} models in {out_dir}, {total / 1e6:.2f} MB", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reduced", action="store_true", help="only the reduced variants (fixtures/zoo/)")
    ap.add_argument("--full", action="store_true", help="only the full-size models")
    ap.add_argument("--out", default=FULL_DIR, help=f"folder for the full-size models (default {FULL_DIR})")
    ap.add_argument("names", nargs="*", help="only these architectures")
    args = ap.parse_args()
    both = not args.reduced and not args.full
    if args.reduced or both:
        write_set(REDUCED_DIR, "reduced", REDUCED_INPUT, args.names)
    if args.full or both:
        write_set(args.out, "full", FULL_INPUT, args.names)


if __name__ == "__main__":
    main()
