#!/usr/bin/python3
"""Generates the ONNX test fixtures and the example seed models from PyTorch.

Run with Debian's python (torch 1.13, torchvision 0.14, onnx 1.12):

    /usr/bin/python3 scripts/make_fixtures.py
    /usr/bin/python3 scripts/make_fixtures.py --model-ops   # only the model-op fixtures, merged into index.json

For every fixture it writes fixtures/<name>/model.onnx, input.npy (float32, NCHW) and output.npy (PyTorch's
own output, float32), and describes it in fixtures/index.json. Large seed outputs (> 1 MB) are not stored;
instead fixtures/<name>/output_samples.json holds PyTorch's values at fixed flat indices plus per-channel
means, so the whole output is still checked in aggregate.

Everything is deterministic: each fixture seeds torch and numpy from its own name, so adding, removing or
reordering fixtures never changes the others. Weights are random (torchvision models are built with
weights=None; nothing is downloaded). Every BatchNorm gets perturbed running_mean/running_var/weight/bias.
"""
import json
import os
import shutil
import sys
import warnings
import zlib

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")
EX = os.path.join(ROOT, "examples")

DEFAULT_ATOL = 1e-4
DEFAULT_RTOL = 1e-4
# Outputs bigger than this are not stored as output.npy (see output_samples.json instead).
MAX_OUTPUT_BYTES = 1 << 20
N_SAMPLES = 512

INDEX = []
SEED_FIGURES = {}


def seed_all(name):
    s = zlib.crc32(name.encode()) & 0x7FFFFFFF
    torch.manual_seed(s)
    np.random.seed(s)
    return s


def perturb_bn(model, gen):
    """Non-default BN statistics and affine parameters so folding is really exercised."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.from_numpy(gen.uniform(-0.5, 0.5, c).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(gen.uniform(0.5, 2.0, c).astype(np.float32)))
                m.weight.copy_(torch.from_numpy(gen.uniform(0.5, 1.5, c).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(gen.uniform(-0.5, 0.5, c).astype(np.float32)))
    return model


def calibrate_bn(model, gen, input_shape, batches=4):
    """Sets BN running stats from the model's own activations on random unit-normal data (train-mode passes),
    then perturbs them, so deep random-weight networks keep unit-scale, input-dependent activations instead of
    collapsing onto the BN biases. Linear layers are re-initialised with std 1/sqrt(fan_in)."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            with torch.no_grad():
                m.weight.normal_(0.0, 1.0 / np.sqrt(m.in_features))
                m.bias.uniform_(-0.1, 0.1)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration passes
    perturb_bn_affine(model, gen)
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.from_numpy(gen.standard_normal((8,) + tuple(input_shape[1:])).astype(np.float32)))
    model.eval()
    for m in bns:
        m.momentum = 0.1
        c = m.num_features
        with torch.no_grad():
            sd = m.running_var.sqrt()
            m.running_mean.add_(torch.from_numpy(gen.uniform(-0.2, 0.2, c).astype(np.float32)) * sd)
            m.running_var.mul_(torch.from_numpy(gen.uniform(0.7, 1.4, c).astype(np.float32)))
    return model


def perturb_bn_affine(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(gen.uniform(0.5, 1.5, c).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(gen.uniform(-0.5, 0.5, c).astype(np.float32)))


def graph_ops(path):
    m = onnx.load(path)
    ops = []
    for n in m.graph.node:
        if n.op_type not in ops:
            ops.append(n.op_type)
    return ops, len(m.graph.node)


def save_npy(path, a):
    a = np.ascontiguousarray(a, dtype="<f4")
    np.save(path, a)


def export(model, x, path, opset, constant_folding=True, dynamic_axes=None):
    torch.onnx.export(
        model.eval(),
        x,
        path,
        opset_version=opset,
        input_names=["input"],
        output_names=["output"],
        do_constant_folding=constant_folding,
        dynamic_axes=dynamic_axes,
    )
    onnx.checker.check_model(onnx.load(path))


def fixture(name, description, build, input_shape, opset=13, atol=DEFAULT_ATOL, rtol=DEFAULT_RTOL,
            constant_folding=True, input_scale=1.0, example=None, store_input=True, exporter=None,
            dynamic_axes=None, calibrate=False):
    """build() -> nn.Module, called after seeding. input_scale multiplies the unit normal input.
    exporter(model, x, path, opset), when given, writes the ONNX file instead of torch.onnx.export."""
    seed = seed_all(name)
    gen = np.random.RandomState(seed)
    model = build()
    if calibrate:
        calibrate_bn(model, gen, input_shape)
    else:
        perturb_bn(model, gen)
    model.eval()
    x = torch.from_numpy((gen.standard_normal(input_shape) * input_scale).astype(np.float32))
    with torch.no_grad():
        y = model(x).contiguous()
    d = os.path.join(FIX, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    if exporter is None:
        export(model, x, path, opset, constant_folding, dynamic_axes)
    else:
        exporter(model, x, path, opset)
        onnx.checker.check_model(onnx.load(path))
    # The export must not have changed the model's behaviour (e.g. BN updated in train mode).
    with torch.no_grad():
        y2 = model(x)
    assert torch.equal(y, y2), name
    entry = {
        "name": name,
        "description": description,
        "opset": opset,
        "input_shape": list(input_shape),
        "output_shape": list(y.shape),
        "atol": atol,
        "rtol": rtol,
    }
    if dynamic_axes:
        entry["dynamic_axes"] = dynamic_axes
    if not constant_folding:
        entry["constant_folding"] = False
    if calibrate:
        entry["bn_calibrated"] = True
    if store_input:
        save_npy(os.path.join(d, "input.npy"), x.numpy())
    yn = y.numpy().astype(np.float32)
    if yn.nbytes <= MAX_OUTPUT_BYTES:
        save_npy(os.path.join(d, "output.npy"), yn)
        entry["output"] = "output.npy"
    else:
        flat = yn.reshape(-1)
        sgen = np.random.RandomState(seed ^ 0x5EED)
        idx = np.sort(sgen.choice(flat.size, size=N_SAMPLES, replace=False))
        # per-channel means over (N, H, W...) computed in float64
        chan_axes = tuple(i for i in range(yn.ndim) if i != 1)
        samples = {
            "indices": [int(i) for i in idx],
            "values": [float(flat[i]) for i in idx],
            "channel_means": [float(v) for v in yn.astype(np.float64).mean(axis=chan_axes)],
            "abs_max": float(np.abs(yn).max()),
        }
        with open(os.path.join(d, "output_samples.json"), "w") as f:
            json.dump(samples, f)
        entry["output"] = None
        entry["output_samples"] = "output_samples.json"
    ops, n_nodes = graph_ops(path)
    entry["ops"] = ops
    entry["nodes"] = n_nodes
    entry["output_abs_max"] = float(np.abs(yn).max())
    if example:
        os.makedirs(EX, exist_ok=True)
        shutil.copyfile(path, os.path.join(EX, example))
        entry["example"] = "examples/" + example
    INDEX.append(entry)
    print(f"  {name:40s} in={list(input_shape)} out={list(y.shape)} ops={ops}", flush=True)
    return model, x, y


def seq(*mods):
    return nn.Sequential(*mods)


def conv_normal(conv, gain=1.0):
    """Re-init a conv so its output has roughly `gain` std for unit inputs."""
    fan_in = conv.weight[0].numel()
    with torch.no_grad():
        conv.weight.normal_(0.0, gain / np.sqrt(fan_in))
        if conv.bias is not None:
            conv.bias.uniform_(-0.5, 0.5)
    return conv


# ---------------------------------------------------------------------------------------------------------
# a. conv layer variants
# ---------------------------------------------------------------------------------------------------------

def manual_conv_exporter(pads=None, auto_pad=None):
    from onnx import TensorProto, helper, numpy_helper

    def write(model, x, path, opset):
        conv = model
        with torch.no_grad():
            y = conv(x)
        attrs = dict(kernel_shape=list(conv.kernel_size), strides=list(conv.stride),
                     dilations=list(conv.dilation), group=conv.groups)
        if pads is not None:
            attrs["pads"] = pads
        if auto_pad is not None:
            attrs["auto_pad"] = auto_pad
        inits = [numpy_helper.from_array(conv.weight.detach().numpy(), "weight")]
        ins = ["input", "weight"]
        if conv.bias is not None:
            inits.append(numpy_helper.from_array(conv.bias.detach().numpy(), "bias"))
            ins.append("bias")
        node = helper.make_node("Conv", ins, ["output"], name="Conv_0", **attrs)
        g = helper.make_graph(
            [node], "torch-jit-export",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(x.shape))],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(y.shape))],
            initializer=inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_fixtures.py")
        onnx.save(m, path)
    return write


class SeparableBlock(nn.Module):
    def __init__(self, cin, cout, k=3, stride=1):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, k, stride, k // 2, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.act = nn.ReLU6()
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn2(self.pw(self.act(self.bn1(self.dw(x)))))


def conv_fixtures():
    fixture("conv_regular_3x8_k3", "Conv2d(3,8,3,stride=1,padding=1,bias=True) on an odd 17x13 input",
            lambda: nn.Conv2d(3, 8, 3, 1, 1, bias=True), (1, 3, 17, 13))
    fixture("conv_stride2_k5_batch2", "Conv2d(5,7,5,stride=2,padding=2), batch 2, 19x23",
            lambda: nn.Conv2d(5, 7, 5, 2, 2), (2, 5, 19, 23))
    fixture("conv_stride3_k3_p0", "Conv2d(4,6,3,stride=3,padding=0) on 20x22 (floor in output size)",
            lambda: nn.Conv2d(4, 6, 3, 3, 0), (1, 4, 20, 22))
    fixture("conv_dilation2", "Conv2d(4,6,3,padding=2,dilation=2) on 15x16",
            lambda: nn.Conv2d(4, 6, 3, 1, 2, dilation=2), (1, 4, 15, 16))
    fixture("conv_asym_pad", "ZeroPad2d((1,2,0,1)) then Conv2d(3,5,3,padding=0): asymmetric padding",
            lambda: seq(nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(3, 5, 3, 1, 0)), (1, 3, 11, 12))
    fixture("conv_grouped_g3", "grouped Conv2d(6,9,3,padding=1,groups=3)",
            lambda: nn.Conv2d(6, 9, 3, 1, 1, groups=3), (1, 6, 12, 10))
    fixture("conv_depthwise_7", "depthwise Conv2d(7,7,3,padding=1,groups=7)",
            lambda: nn.Conv2d(7, 7, 3, 1, 1, groups=7), (1, 7, 14, 15))
    fixture("conv_depthwise_mult2", "depthwise with channel multiplier 2: Conv2d(5,10,3,padding=1,groups=5)",
            lambda: nn.Conv2d(5, 10, 3, 1, 1, groups=5), (1, 5, 13, 11))
    fixture("conv_depthwise_k7_s2_odd", "depthwise Conv2d(6,6,7,stride=2,padding=3,groups=6) on odd 31x29",
            lambda: nn.Conv2d(6, 6, 7, 2, 3, groups=6), (1, 6, 31, 29))
    fixture("conv_pointwise_13x17", "pointwise Conv2d(13,17,1)",
            lambda: nn.Conv2d(13, 17, 1), (1, 13, 9, 7))
    fixture("separable_block_bn_relu6",
            "depthwise 3x3 + BN + ReLU6 + pointwise 1x1 + BN (BN folded into the convs at export)",
            lambda: SeparableBlock(8, 16), (1, 8, 15, 17))
    # torch 1.13 cannot export padding='same' (aten::_convolution_mode), so the reference output comes from
    # PyTorch's padding='same' conv and the ONNX Conv node is written by hand with the same weights.
    fixture("conv_same_k4_pads", "Conv2d(3,4,4,padding='same') (PyTorch output); ONNX Conv written with "
            "explicit asymmetric pads=[1,1,2,2]", lambda: nn.Conv2d(3, 4, 4, padding="same"), (1, 3, 10, 9),
            exporter=manual_conv_exporter(pads=[1, 1, 2, 2]))
    fixture("conv_same_k4_autopad", "Conv2d(3,4,4,padding='same') (PyTorch output); ONNX Conv written with "
            "auto_pad=SAME_UPPER", lambda: nn.Conv2d(3, 4, 4, padding="same"), (1, 3, 10, 9),
            exporter=manual_conv_exporter(auto_pad="SAME_UPPER"))
    fixture("batchnorm_standalone", "BatchNorm2d on the raw input (stays a BatchNormalization node) + ReLU",
            lambda: seq(nn.BatchNorm2d(5), nn.ReLU()), (2, 5, 6, 7))


# ---------------------------------------------------------------------------------------------------------
# b. other ops
# ---------------------------------------------------------------------------------------------------------

class SqueezeExcite(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(self.pool(x)))))
        return x * s


def channel_shuffle(x, groups):
    b, c, h, w = x.size()
    x = x.view(b, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(b, -1, h, w)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2 basic unit: chunk, branch on one half, cat, channel shuffle."""

    def __init__(self, c):
        super().__init__()
        h = c // 2
        self.branch = seq(
            nn.Conv2d(h, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU(),
            nn.Conv2d(h, h, 3, 1, 1, groups=h, bias=False), nn.BatchNorm2d(h),
            nn.Conv2d(h, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU(),
        )

    def forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        return channel_shuffle(torch.cat((x1, self.branch(x2)), dim=1), 2)


class SplitCat(nn.Module):
    """Unequal torch.split along channels, per-part ops, concatenated back in another order."""

    def forward(self, x):
        a, b, c = torch.split(x, [2, 3, 1], dim=1)
        return torch.cat((torch.sigmoid(c), a, F.relu(b)), dim=1)


class GapLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(x), 1))


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class MatMulParam(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 5))

    def forward(self, x):
        return torch.matmul(x, self.w)


class MatMulActivations(nn.Module):
    """Both operands of each MatMul are activations, so on the GPU neither is a load-time constant (runtime A and
    runtime B, 4-D: NHWC there, so the batch offsets and matrix strides are not the NCHW ones)."""

    def forward(self, x):
        s = torch.matmul(torch.sigmoid(x), torch.relu(x).transpose(2, 3))  # [N, C, H, H]
        return torch.matmul(s, x)  # [N, C, H, W]


class FlattenLinear(nn.Module):
    def __init__(self, viewstyle):
        super().__init__()
        self.viewstyle = viewstyle
        self.conv = nn.Conv2d(3, 4, 3, 1, 1)
        self.fc = nn.Linear(4 * 5 * 6, 7)

    def forward(self, x):
        y = F.relu(self.conv(x))
        y = y.view(y.size(0), -1) if self.viewstyle else torch.flatten(y, 1)
        return self.fc(y)


def act_model(act):
    def build():
        conv = conv_normal(nn.Conv2d(4, 6, 3, 1, 1), gain=3.0)  # spreads values over the +-3 knees
        return seq(conv, act())
    return build


def other_fixtures():
    fixture("maxpool_3_2_1", "MaxPool2d(3,2,1) on 16x17", lambda: nn.MaxPool2d(3, 2, 1), (1, 3, 16, 17))
    fixture("maxpool_3_2_1_ceil", "MaxPool2d(3,2,1,ceil_mode=True) on 16x17 (H differs from floor mode)",
            lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), (1, 3, 16, 17))
    fixture("maxpool_k2_s3_p1_ceil_edge",
            "MaxPool2d(2,3,1,ceil_mode=True) on 5x8: PyTorch drops the last window (it would start in the "
            "right padding), so H_out=2 not 3",
            lambda: nn.MaxPool2d(2, 3, 1, ceil_mode=True), (1, 2, 5, 8))
    fixture("avgpool_3_2_1_exclude_pad", "AvgPool2d(3,2,1,count_include_pad=False) on 15x16",
            lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 3, 15, 16))
    fixture("avgpool_3_2_1_ceil", "AvgPool2d(3,2,1,ceil_mode=True) (count_include_pad=True) on 16x17",
            lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True), (1, 3, 16, 17))
    fixture("avgpool_3_2_1_ceil_exclude_pad", "AvgPool2d(3,2,1,ceil_mode=True,count_include_pad=False) on 16x17",
            lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), (1, 3, 16, 17))
    fixture("gap_flatten_linear", "AdaptiveAvgPool2d(1) + flatten + Linear(8,5), batch 2",
            GapLinear, (2, 8, 7, 9))
    for op in (11, 13):
        fixture(f"softmax_dim1_op{op}", f"Softmax(dim=1) on NCHW at opset {op}",
                lambda: nn.Softmax(dim=1), (2, 5, 4, 3), opset=op)
    for op in (11, 13, 14):
        fixture(f"act_hardswish_op{op}", f"Conv + Hardswish at opset {op}", act_model(nn.Hardswish),
                (1, 4, 9, 8), opset=op)
    for op in (11, 13):
        fixture(f"act_hardsigmoid_op{op}", f"Conv + Hardsigmoid at opset {op}", act_model(nn.Hardsigmoid),
                (1, 4, 9, 8), opset=op)
        fixture(f"act_sigmoid_op{op}", f"Conv + Sigmoid at opset {op}", act_model(nn.Sigmoid),
                (1, 4, 9, 8), opset=op)
        fixture(f"act_relu6_op{op}", f"Conv + ReLU6 (Clip) at opset {op}", act_model(nn.ReLU6),
                (1, 4, 9, 8), opset=op)
    fixture("squeeze_excite", "x * sigmoid(fc2(relu(fc1(avgpool(x))))) with 1x1-conv FCs",
            lambda: SqueezeExcite(12), (2, 12, 7, 6))
    fixture("shuffle_unit", "ShuffleNetV2 unit: chunk(2) + branch + cat + channel shuffle (view/transpose/view)",
            lambda: ShuffleUnit(8), (1, 8, 9, 10))
    fixture("split_cat", "torch.split(x,[2,3,1],dim=1), sigmoid/relu per part, cat in another order",
            SplitCat, (2, 6, 5, 4))
    fixture("reducemean_hw_keepdim", "x.mean((2,3), keepdim=True)",
            lambda: Lambda(lambda x: x.mean((2, 3), keepdim=True)), (2, 6, 7, 5))
    fixture("pad_reflect", "F.pad(x,(1,2,3,1),mode='reflect')",
            lambda: Lambda(lambda x: F.pad(x, (1, 2, 3, 1), mode="reflect")), (1, 3, 6, 7))
    fixture("flatten_op", "conv + torch.flatten(x,1) + Linear (ONNX Flatten)",
            lambda: FlattenLinear(False), (2, 3, 5, 6))
    fixture("flatten_view_shape_subgraph",
            "conv + x.view(x.size(0),-1) + Linear exported with do_constant_folding=False and a symbolic batch "
            "dim ('batch'), so the Shape/Gather/Unsqueeze/Concat/Reshape subgraph is really present",
            lambda: FlattenLinear(True), (2, 3, 5, 6), constant_folding=False,
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    fixture("flatten_view_static_nofold",
            "conv + x.view(x.size(0),-1) + Linear, static shapes, do_constant_folding=False (torch still folds "
            "the Shape/Gather; an unfolded Constant/Unsqueeze/Concat feeds Reshape)",
            lambda: FlattenLinear(True), (2, 3, 5, 6), constant_folding=False)
    fixture("matmul_param", "torch.matmul(x[2,3,4], W[4,5]) with W a parameter", MatMulParam, (2, 3, 4))
    fixture("matmul_two_activations",
            "torch.matmul(sigmoid(x), relu(x).transpose(2,3)) then torch.matmul(that, x) on x[2,3,5,7]: "
            "MatMuls whose A and B are both activations", MatMulActivations, (2, 3, 5, 7))


def interp(**kw):
    return lambda: Lambda(lambda x: F.interpolate(x, **kw))


def model_op_fixtures():
    """Ops the TF.js / TFLite models need (PRelu, Resize, ConvTranspose, DepthToSpace, ...), as PyTorch exports them."""
    fixture("prelu_per_channel", "Conv + nn.PReLU(6): PRelu with slope [6,1,1]",
            lambda: seq(conv_normal(nn.Conv2d(4, 6, 3, 1, 1), gain=3.0), nn.PReLU(6)), (1, 4, 9, 8))
    fixture("prelu_shared", "Conv + nn.PReLU(): one shared slope",
            lambda: seq(conv_normal(nn.Conv2d(4, 6, 3, 1, 1), gain=3.0), nn.PReLU()), (2, 4, 7, 6))
    fixture("act_elu", "Conv + ELU(alpha=0.7)", act_model(lambda: nn.ELU(0.7)), (1, 4, 9, 8))
    fixture("act_leakyrelu", "Conv + LeakyReLU(0.2)", act_model(lambda: nn.LeakyReLU(0.2)), (1, 4, 9, 8))
    fixture("act_tanh", "Conv + Tanh", act_model(nn.Tanh), (1, 4, 9, 8))
    fixture("math_abs_sqrt_exp_max", "max(sqrt(|x|), exp(-x)), min with a constant, floor, reciprocal, neg",
            lambda: Lambda(lambda x: torch.min(torch.max(torch.sqrt(torch.abs(x)), torch.exp(-x)), torch.tensor(2.5))
                           + torch.floor(x) - 1.0 / (2.0 + torch.abs(x)) * -x), (1, 3, 5, 7))
    for op in (11, 13):
        fixture(f"resize_nearest_x2_op{op}", f"F.interpolate(scale_factor=2, mode='nearest') at opset {op}",
                interp(scale_factor=2, mode="nearest"), (1, 3, 5, 7), opset=op)
    fixture("resize_nearest_size", "F.interpolate(size=(7, 11), mode='nearest') (non-integer ratios, floor)",
            interp(size=(7, 11), mode="nearest"), (2, 3, 5, 4))
    fixture("resize_bilinear_size", "F.interpolate(size=(9, 13), mode='bilinear', align_corners=False) "
            "(pytorch_half_pixel)", interp(size=(9, 13), mode="bilinear", align_corners=False), (1, 3, 5, 6))
    fixture("resize_bilinear_align_corners", "F.interpolate(size=(9, 13), mode='bilinear', align_corners=True)",
            interp(size=(9, 13), mode="bilinear", align_corners=True), (1, 3, 5, 6))
    fixture("resize_bilinear_down", "F.interpolate(size=(3, 4), mode='bilinear') downsampling 7x9",
            interp(size=(3, 4), mode="bilinear", align_corners=False), (1, 2, 7, 9))
    fixture("resize_bilinear_x2", "F.interpolate(scale_factor=2, mode='bilinear') (scales input)",
            interp(scale_factor=2, mode="bilinear", align_corners=False), (1, 4, 6, 5))
    fixture("convtranspose_s2_p1_op1", "ConvTranspose2d(4,6,3,stride=2,padding=1,output_padding=1,groups=2)",
            lambda: conv_normal(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)),
            (1, 4, 5, 6))
    fixture("convtranspose_k4_s2_nobias", "ConvTranspose2d(6,3,4,stride=2,padding=1,bias=False) (2x upsampler)",
            lambda: conv_normal(nn.ConvTranspose2d(6, 3, 4, stride=2, padding=1, bias=False)), (2, 6, 4, 5))
    fixture("convtranspose_dil2", "ConvTranspose2d(3,5,3,stride=(1,2),padding=(2,1),dilation=2)",
            lambda: conv_normal(nn.ConvTranspose2d(3, 5, 3, stride=(1, 2), padding=(2, 1), dilation=2)), (1, 3, 6, 5))
    fixture("pixel_shuffle_2", "Conv + PixelShuffle(2) (DepthToSpace CRD)",
            lambda: seq(conv_normal(nn.Conv2d(3, 12, 3, 1, 1)), nn.PixelShuffle(2)), (1, 3, 5, 7), opset=13)
    fixture("argmax_channels", "argmax over channels as float (ArgMax + Cast)",
            lambda: Lambda(lambda x: torch.argmax(x, dim=1, keepdim=True).float()), (2, 5, 4, 3))
    fixture("reduce_sum_amax", "x.sum(3) + x.amax(3) (ReduceSum at opset 13 takes axes as an input)",
            lambda: Lambda(lambda x: x.sum(3) + x.amax(3)), (2, 3, 4, 5))


# ---------------------------------------------------------------------------------------------------------
# c. seeds (examples/)
# ---------------------------------------------------------------------------------------------------------

def conv_figures(model, x):
    """Per-conv params and torchinfo-style mult-adds: (weight+bias numel) * N * Hout * Wout."""
    layers = []
    hooks = []

    def hook(name):
        def fn(mod, inp, out):
            w = mod.weight.numel()
            b = mod.bias.numel() if mod.bias is not None else 0
            n, _, h, wd = out.shape
            layers.append({
                "name": name,
                "type": "Conv2d",
                "in_channels": mod.in_channels,
                "out_channels": mod.out_channels,
                "kernel": list(mod.kernel_size),
                "stride": list(mod.stride),
                "padding": list(mod.padding) if not isinstance(mod.padding, str) else mod.padding,
                "groups": mod.groups,
                "bias": mod.bias is not None,
                "weight_params": w,
                "bias_params": b,
                "params": w + b,
                "output_shape": list(out.shape),
                "macs": (w + b) * n * h * wd,
            })
        return fn

    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(hook(name)))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    total_params = sum(p.numel() for p in model.parameters())
    assert total_params == sum(l["params"] for l in layers)
    return {
        "input_shape": list(x.shape),
        "layers": layers,
        "total_params": total_params,
        "total_macs": sum(l["macs"] for l in layers),
    }


def seed(name, description, build, input_shape, expected_params):
    model, x, y = fixture(name, description, build, input_shape, example=name + ".onnx")
    fig = conv_figures(model, x)
    fig["example"] = "examples/" + name + ".onnx"
    fig["output_shape"] = list(y.shape)
    assert fig["total_params"] == expected_params, (name, fig["total_params"], expected_params)
    SEED_FIGURES[name] = fig


def separable(cin, cout, k, stride=1, padding=0, bias=False):
    return seq(nn.Conv2d(cin, cin, k, stride, padding, groups=cin, bias=bias), nn.Conv2d(cin, cout, 1, bias=bias))


def seed_fixtures():
    seed("seed_separable_16x32",
         "depthwise Conv2d(16,16,3,padding=1,groups=16,bias=False) + Conv2d(16,32,1,bias=False) on 1x16x128x128",
         lambda: separable(16, 32, 3, 1, 1, bias=False), (1, 16, 128, 128), 16 * 9 + 16 * 32)
    seed("seed_regular_3x64_k5s2", "Conv2d(3,64,5,stride=2,bias=True) on 1x3x228x228 -> 1x64x112x112",
         lambda: nn.Conv2d(3, 64, 5, stride=2, bias=True), (1, 3, 228, 228), 3 * 64 * 25 + 64)
    seed("seed_separable_3x64_k5s2",
         "depthwise Conv2d(3,3,5,stride=2,groups=3,bias=True) + Conv2d(3,64,1,bias=True) on 1x3x228x228",
         lambda: separable(3, 64, 5, 2, 0, bias=True), (1, 3, 228, 228), 75 + 3 + 192 + 64)
    seed("seed_separable_3x32_k3",
         "depthwise Conv2d(3,3,3,padding=1,groups=3,bias=False) + Conv2d(3,32,1,bias=False) on 1x3x32x32",
         lambda: separable(3, 32, 3, 1, 1, bias=False), (1, 3, 32, 32), 123)
    seed("seed_regular_3x32_k3", "Conv2d(3,32,3,padding=1,bias=False) on 1x3x32x32",
         lambda: nn.Conv2d(3, 32, 3, 1, 1, bias=False), (1, 3, 32, 32), 864)
    seed("seed_regular_3x128_k3_7x7", "Conv2d(3,128,3,bias=False) on 1x3x7x7 without padding -> 1x128x5x5",
         lambda: nn.Conv2d(3, 128, 3, bias=False), (1, 3, 7, 7), 3 * 128 * 9)
    seed("seed_separable_3x128_k3_7x7",
         "depthwise Conv2d(3,3,3,groups=3,bias=False) + Conv2d(3,128,1,bias=False) on 1x3x7x7 -> 1x128x5x5",
         lambda: separable(3, 128, 3, 1, 0, bias=False), (1, 3, 7, 7), 27 + 3 * 128)


# ---------------------------------------------------------------------------------------------------------
# d. whole networks
# ---------------------------------------------------------------------------------------------------------

class InvertedResidual(nn.Module):
    def __init__(self, c, expand=4):
        super().__init__()
        h = c * expand
        self.expand = seq(nn.Conv2d(c, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU6())
        self.dw = seq(nn.Conv2d(h, h, 3, 1, 1, groups=h, bias=False), nn.BatchNorm2d(h), nn.ReLU6())
        self.project = seq(nn.Conv2d(h, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.project(self.dw(self.expand(x)))


class TinyInvertedResidualNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = InvertedResidual(8)
        self.block2 = InvertedResidual(8, expand=3)

    def forward(self, x):
        return self.block2(self.block1(x))


def mobilenet():
    import torchvision
    return torchvision.models.mobilenet_v2(weights=None, width_mult=0.35, num_classes=10)


def network_fixtures():
    fixture("tiny_inverted_residual_op11",
            "two inverted-residual blocks (1x1 expand+BN+ReLU6, dw 3x3+BN+ReLU6, 1x1 project+BN, residual Add) "
            "at opset 11", TinyInvertedResidualNet, (2, 8, 20, 20), opset=11, calibrate=True)
    fixture("mobilenet_v2_035", "torchvision mobilenet_v2(width_mult=0.35, num_classes=10), random weights, "
            "BN stats calibrated on random data then perturbed (keeps the output input-dependent), 1x3x64x64",
            mobilenet, (1, 3, 64, 64), calibrate=True)


def add_model_op_fixtures():
    """--model-ops: (re)generate only model_op_fixtures() and merge them into the existing index.json."""
    model_op_fixtures()
    path = os.path.join(FIX, "index.json")
    with open(path) as f:
        index = json.load(f)
    new = {e["name"]: e for e in INDEX}
    kept = [e for e in index["fixtures"] if e["name"] not in new]
    index["fixtures"] = kept + INDEX
    with open(path, "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(f"{len(INDEX)} model-op fixtures merged into {path}")


def main():
    if sys.argv[1:] == ["--model-ops"]:
        return add_model_op_fixtures()
    if os.path.isdir(FIX):
        for e in os.listdir(FIX):
            p = os.path.join(FIX, e)
            if os.path.isdir(p):
                shutil.rmtree(p)
    os.makedirs(FIX, exist_ok=True)
    os.makedirs(EX, exist_ok=True)
    for e in os.listdir(EX):
        if e.endswith(".onnx"):
            os.remove(os.path.join(EX, e))
    print("conv variants", flush=True)
    conv_fixtures()
    print("other ops", flush=True)
    other_fixtures()
    print("model ops", flush=True)
    model_op_fixtures()
    print("seeds", flush=True)
    seed_fixtures()
    print("networks", flush=True)
    network_fixtures()
    index = {
        "generator": "scripts/make_fixtures.py",
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "default_atol": DEFAULT_ATOL,
        "default_rtol": DEFAULT_RTOL,
        "fixtures": INDEX,
        "seed_figures": SEED_FIGURES,
    }
    with open(os.path.join(FIX, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    total = 0
    for base in (FIX, EX):
        for dp, _, fs in os.walk(base):
            for fn in fs:
                total += os.path.getsize(os.path.join(dp, fn))
    print(f"{len(INDEX)} fixtures, fixtures/+examples/ = {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
