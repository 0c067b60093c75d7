"""A start pretrained on real photos for the package detector: PP-OCRv4's text detector.

Package markings are text, and a text detector has learnt from real photographs what rendered
boards only approximate (glare, grain, lenses, real epoxy). Its weights ship inside bomcat
(`ocr/models/ch_PP-OCRv4_det_infer.onnx`, copied from the rapidocr-onnxruntime 1.4.4 wheel: a DBNet
with a MobileNetV3 backbone, about 1.17 M weights, Apache-2.0, by the PaddleOCR authors), so nothing
is downloaded.
`onnx2torch` turns the ONNX graph into PyTorch modules exactly (to 1e-7) once its Constant nodes
are initializers; training then replaces "text here" by "package body here", and the result is
exported to ONNX again and run by OpenCV's DNN module like the small U-Net, with the same input
(BGR / 255 - 0.5) and the same map (logits at a quarter of the input's size).

Only training needs this module (PyTorch, onnx, onnx2torch: see scripts/setup.sh).
"""
from __future__ import annotations

import sys
import types
from pathlib import Path

from .detect import OUTPUT_STRIDE

PPOCR_DET = "ch_PP-OCRv4_det_infer.onnx"
# PaddleOCR's detection models are fed BGR scaled to [0, 1] and normalised with these.
PPOCR_MEAN = (0.485, 0.456, 0.406)
PPOCR_STD = (0.229, 0.224, 0.225)


def ppocr_det_path() -> Path:
    """The detection model bomcat ships beside its OCR engine (a data file of the installation,
    found by path: images does not import ocr)."""
    path = Path(__file__).resolve().parent.parent / "ocr" / "models" / PPOCR_DET
    if not path.exists():
        raise FileNotFoundError(f"{path}: the PP-OCRv4 detection model is missing from this installation")
    return path


def _import_onnx2torch():
    """onnx2torch imports torchvision for two converters (NMS, RoIAlign) that a DBNet never uses;
    the registry's torchvision is a CUDA build of several GB, so a stand-in that refuses to run
    takes its place when torchvision is not installed."""
    try:
        import torchvision  # noqa: F401
    except ImportError:
        stand_in, ops = types.ModuleType("torchvision"), types.ModuleType("torchvision.ops")

        def absent(*_args, **_kwargs):
            raise RuntimeError("torchvision is not installed: this ONNX operator cannot be converted")
        ops.nms = ops.roi_align = ops.box_convert = absent
        stand_in.ops = ops
        sys.modules["torchvision"], sys.modules["torchvision.ops"] = stand_in, ops
    try:
        import onnx2torch
    except ImportError:
        raise ImportError("the pretrained start needs onnx2torch: pip install --no-deps onnx2torch==1.5.15 "
                          "(scripts/setup.sh does, beside PyTorch)") from None
    return onnx2torch


def check_pretrained() -> None:
    """Raise now, before minutes of rendering, if the weights or the converter are missing."""
    ppocr_det_path()
    _import_onnx2torch()


def ppocr_det_body(path: Path | None = None):
    """The text detector as PyTorch modules, ending in logits (its final sigmoid removed)."""
    import onnx
    graph_model = onnx.load(str(path or ppocr_det_path()))
    graph = graph_model.graph
    nodes = []
    for node in graph.node:
        if node.op_type == "Constant" and len(node.output) == 1:
            tensor = next(a.t for a in node.attribute if a.name == "value")
            tensor.name = node.output[0]
            graph.initializer.append(tensor)
        else:
            nodes.append(node)
    sigmoid = next(n for n in nodes if n.op_type == "Sigmoid" and n.output[0] == graph.output[0].name)
    nodes.remove(sigmoid)
    del graph.node[:]
    graph.node.extend(nodes)
    graph.output[0].name = sigmoid.input[0]
    return _import_onnx2torch().convert(graph_model)


def build_pretrained_model(path: Path | None = None):
    """The package network on the text detector: bomcat's input in, package logits out at a quarter of
    the input's size (the map contract of `detect.package_probability`)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class PretrainedPackageNet(nn.Module):
        def __init__(self, body):
            super().__init__()
            self.body = body
            self.register_buffer("mean", torch.tensor(PPOCR_MEAN).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor(PPOCR_STD).view(1, 3, 1, 1))

        def forward(self, x):   # x: BGR / 255 - 0.5
            logits = self.body((x + 0.5 - self.mean) / self.std)
            return F.avg_pool2d(logits, OUTPUT_STRIDE)

    return PretrainedPackageNet(ppocr_det_body(path))
