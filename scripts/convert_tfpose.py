"""Convert tf-pose-estimation's frozen ``mobilenet_v2_small`` graph to the built-in torch network.

Run once (protobuf only, no TensorFlow)::

    python scripts/convert_tfpose.py ../shared/data/models/tfpose/mobilenet_v2_small_graph_opt.pb

It reads the GraphDef, checks that every node is the op the torch module assumes (strides, SAME
padding, batch-norm mode: training-mode statistics in the backbone, stored ones in the head,
activations), maps each constant to its torch parameter by name, folds the head's stored batch norms
into the pointwise convs, checks that every float constant of the graph was used exactly once, and
writes ``actionpose/pose/openpose/models/mobilenet_v2_small.{safetensors,json}``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actionpose.pose.openpose import mobilenet as mn  # noqa: E402
from actionpose.pose.openpose.tfgraph import Graph, Node, read_graph  # noqa: E402

SOURCE = {
    "project": "ildoonet/tf-pose-estimation",
    "commit": "9aaf347",
    "file": "models/graph/mobilenet_v2_small/graph_opt.pb",
    "licence": "Apache-2.0",
    "output_tensor": "Openpose/concat_stage7",
}


class Converter:
    """Collects torch tensors from graph constants, remembering which constants were used."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.used: set[str] = set()
        self.tensors: dict[str, np.ndarray] = {}

    def node(self, name: str, op: str) -> Node:
        node = self.graph.nodes.get(name)
        if node is None or node.op != op:
            raise SystemExit(f"expected a {op} node {name!r}, found {node.op if node else 'nothing'}")
        return node

    def const(self, name: str) -> np.ndarray:
        node = self.graph.nodes[name]
        while node.op == "Identity":
            node = self.graph.nodes[node.inputs[0]]
        self.used.add(node.name)
        return self.graph.constant(node.name).astype(np.float32)

    def conv(self, name: str, key: str, stride: int, depthwise: bool = False) -> np.ndarray:
        """A Conv2D / DepthwiseConv2dNative kernel as torch ``(out, in/groups, kh, kw)``."""
        node = self.node(name, "DepthwiseConv2dNative" if depthwise else "Conv2D")
        if node.attrs.get("padding") != b"SAME" or node.attrs.get("strides") != [1, stride, stride, 1] \
                or node.attrs.get("data_format", b"NHWC") != b"NHWC" or set(node.attrs.get("dilations", [1])) != {1}:
            raise SystemExit(f"{name}: unexpected attributes {node.attrs}")
        w = self.const(node.inputs[1])  # HWIO, or H W C multiplier for depthwise
        w = w.transpose(2, 3, 0, 1) if depthwise else w.transpose(3, 2, 0, 1)
        if key:
            self.tensors[key] = np.ascontiguousarray(w)
        return w

    def batch_norm(self, name: str, training: bool) -> list[np.ndarray]:
        node = self.graph.nodes.get(name)
        if node is None or not node.op.startswith("FusedBatchNorm") or node.attrs["is_training"] != training:
            raise SystemExit(f"{name}: expected a FusedBatchNorm with is_training={training}")
        if abs(node.attrs["epsilon"] - mn.BN_EPSILON) > 1e-9:
            raise SystemExit(f"{name}: epsilon {node.attrs['epsilon']}")
        return [self.const(i) for i in node.inputs[1:]]

    def activation(self, of: str, op: str | None) -> None:
        users = [n.op for n in self.graph.consumers(of) if n.op in ("Relu", "Relu6")]
        if users != ([op] if op else []):
            raise SystemExit(f"{of}: expected activation {op}, found {users}")


def convert(graph: Graph) -> dict[str, np.ndarray]:
    """Torch parameter name -> float32 array for :class:`MobileNetV2SmallPoseNet`."""
    c = Converter(graph)
    # backbone: every batch norm in training mode (per-image statistics), gamma and beta only
    c.conv("MobilenetV2/Conv/Conv2D", "conv.weight", 2)
    bn = "MobilenetV2/Conv/BatchNorm/FusedBatchNorm"
    c.tensors["conv_norm.weight"], c.tensors["conv_norm.bias"] = c.batch_norm(bn, True)[:2]
    c.activation(bn, "Relu6")
    for i, (expanded, _, stride) in enumerate(mn.BLOCKS):
        scope = "MobilenetV2/expanded_conv" + (f"_{i}" if i else "")
        parts = ([("expand", "Conv2D", 1, False, "Relu6")] if expanded else []) + [
            ("depthwise", "depthwise", stride, True, "Relu6"), ("project", "Conv2D", 1, False, None)]
        for part, op_name, s, dw, act in parts:
            c.conv(f"{scope}/{part}/{op_name}", f"blocks.{i}.{part}.weight", s, depthwise=dw)
            bn = f"{scope}/{part}/BatchNorm/FusedBatchNorm"
            gamma, beta = c.batch_norm(bn, True)[:2]
            c.tensors[f"blocks.{i}.{part}_norm.weight"], c.tensors[f"blocks.{i}.{part}_norm.bias"] = gamma, beta
            c.activation(bn, act)
    resize = c.node("base/layer_14/output/upsample", "ResizeBilinear")
    if resize.attrs.get("align_corners") or resize.attrs.get("half_pixel_centers"):
        raise SystemExit("the upsampling is not TensorFlow's legacy bilinear resize")
    concat = c.node("feat_concat", "ConcatV2")
    fine, coarse = (f"MobilenetV2/expanded_conv_{b}/add" for b in mn.FEATURE_BLOCKS)
    if concat.inputs[:2] != [fine, resize.name] or resize.inputs[0] != coarse:
        raise SystemExit(f"unexpected feature concat {concat.inputs}")
    # head: stored statistics, folded into the pointwise conv
    for t in range(mn.NUM_STAGES):
        layers = mn.STAGE1_LAYERS if t == 0 else mn.STAGE_LAYERS
        for branch, tf_branch in (("paf", "L1"), ("heatmap", "L2")):
            for j in range(len(layers)):
                scope = f"Openpose/MConv_Stage{t + 1}_{tf_branch}_{j + 1}"
                key = f"stages.{t}.{branch}.{j}"
                c.conv(f"{scope}_depthwise/depthwise", f"{key}.depthwise.weight", 1, depthwise=True)
                w = c.conv(f"{scope}_pointwise/Conv2D", "", 1)
                bn = f"{scope}_pointwise/BatchNorm/FusedBatchNorm"
                gamma, beta, mean, var = c.batch_norm(bn, False)
                scale = gamma / np.sqrt(var.astype(np.float64) + mn.BN_EPSILON)
                c.tensors[f"{key}.pointwise.weight"] = (w * scale[:, None, None, None]).astype(np.float32)
                c.tensors[f"{key}.pointwise.bias"] = (beta - mean * scale).astype(np.float32)
                c.activation(bn, "Relu" if j < len(layers) - 1 else None)
    out = c.node(SOURCE["output_tensor"], "ConcatV2")
    last = f"Openpose/MConv_Stage{mn.NUM_STAGES}_L{{}}_5_pointwise/BatchNorm/FusedBatchNorm"
    if out.inputs[:2] != [last.format(2), last.format(1)]:
        raise SystemExit(f"unexpected output concat {out.inputs}")
    floats = {n.name for n in graph.nodes.values()
              if n.op == "Const" and n.attrs["value"].dtype == np.float32 and n.attrs["value"].size > 0}
    unused = sorted(floats - c.used)
    if unused:
        raise SystemExit(f"{len(unused)} float constants unused, e.g. {unused[:3]}")
    return c.tensors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pb", type=Path, help="mobilenet_v2_small graph_opt.pb")
    parser.add_argument("--out", type=Path, default=mn.MODEL_DIR)
    args = parser.parse_args(argv)
    graph = read_graph(args.pb)
    tensors = convert(graph)
    model = mn.MobileNetV2SmallPoseNet()
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if expected != got:
        raise SystemExit(f"state dict mismatch: missing {sorted(set(expected) - set(got))[:3]}, "
                         f"extra {sorted(set(got) - set(expected))[:3]}, "
                         f"shapes {[k for k in expected if k in got and expected[k] != got[k]][:3]}")
    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / mn.WEIGHTS_FILE.name
    # keys in the module's registration order
    save_file({k: torch.from_numpy(tensors[k]).contiguous() for k in expected}, str(weights),
              metadata={"architecture": mn.ARCHITECTURE, "source": f"{SOURCE['project']}@{SOURCE['commit']}"})
    config = {
        "architecture": mn.ARCHITECTURE,
        "source": SOURCE,
        "source_sha256": hashlib.sha256(args.pb.read_bytes()).hexdigest(),
        "weights_file": weights.name,
        "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "parameters": int(sum(v.size for v in tensors.values())),
        "dtype": "float32",
        "input": {"color_order": "BGR", "value_range": "raw 0..255, no normalisation",
                  "height": 368, "resize": "cv2.INTER_CUBIC to height 368, width round(W * 368 / H / 8) * 8, "
                                           "no padding"},
        "output": {"stride": 8, "heatmaps": 19, "pafs": 38,
                   "parts": "CMU COCO-18 + background", "pafs_order": "CMU COCO-18 limb channel map"},
        "batch_norm": "backbone (39): per-image statistics over H, W (training mode in the graph); "
                      "head (60): stored statistics, folded into the pointwise convs",
    }
    (args.out / mn.CONFIG_FILE.name).write_text(json.dumps(config, indent=1) + "\n")
    print(f"wrote {weights} ({weights.stat().st_size} bytes, {config['parameters']} parameters) and "
          f"{mn.CONFIG_FILE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
