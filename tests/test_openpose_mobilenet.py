"""The built-in OpenPose network: tf-pose-estimation ``mobilenet_v2_small`` ported to torch.

Parser tests build a GraphDef in memory; real-data tests read the frozen graph and the stored maps in
``../shared/data`` and skip without them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actionpose.errors import BackendError
from actionpose.pose.openpose.tfgraph import MESSAGES, read_graph, tensor_to_array

PB = "models/tfpose/mobilenet_v2_small_graph_opt.pb"


# --- the GraphDef reader -------------------------------------------------------------------------

def _tensor(values: np.ndarray, packed_content: bool) -> object:
    t = MESSAGES["TensorProto"](dtype=1)
    for d in values.shape:
        t.tensor_shape.dim.add(size=d)
    if packed_content:
        t.tensor_content = values.astype("<f4").tobytes()
    else:
        t.float_val.extend(values.ravel().tolist())
    return t


def test_graph_round_trip(tmp_path: Path) -> None:
    g = MESSAGES["GraphDef"]()
    w = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7
    const = g.node.add(name="w", op="Const")
    const.attr["value"].tensor.CopyFrom(_tensor(w, packed_content=True))
    const2 = g.node.add(name="b", op="Const")
    const2.attr["value"].tensor.CopyFrom(_tensor(np.float32([0.5]), packed_content=False))
    conv = g.node.add(name="conv", op="Conv2D", input=["image:0", "w", "^ctrl"])
    conv.attr["padding"].s = b"SAME"
    conv.attr["strides"].list.i.extend([1, 2, 2, 1])
    conv.attr["is_training"].b = True
    conv.attr["epsilon"].f = 1e-3
    path = tmp_path / "g.pb"
    path.write_bytes(g.SerializeToString())

    graph = read_graph(path)
    assert list(graph.nodes) == ["w", "b", "conv"]
    np.testing.assert_array_equal(graph.constant("w"), w)
    assert graph.constant("b").tolist() == [0.5]
    node = graph.nodes["conv"]
    assert node.inputs == ["image", "w"]  # ':0' stripped, control input dropped
    assert node.attrs["padding"] == b"SAME" and node.attrs["strides"] == [1, 2, 2, 1]
    assert node.attrs["is_training"] is True and node.attrs["epsilon"] == pytest.approx(1e-3)
    with pytest.raises(BackendError, match="not a constant"):
        graph.constant("conv")


def test_scalar_broadcast_and_bad_file(tmp_path: Path) -> None:
    t = _tensor(np.float32([2.0]), packed_content=False)
    t.tensor_shape.dim[0].size = 3
    assert tensor_to_array(t).tolist() == [2.0, 2.0, 2.0]
    bad = tmp_path / "bad.pb"
    bad.write_bytes(b"\xff\xff\xff garbage")
    with pytest.raises(BackendError, match="bad.pb"):
        read_graph(bad)


def test_real_graph_contents(data_file) -> None:
    graph = read_graph(data_file(PB))
    nodes = list(graph.nodes.values())
    assert len(nodes) == 916
    consts = [n for n in nodes if n.op == "Const"]
    assert len(consts) == 565
    assert sum(n.attrs["value"].size for n in consts if n.attrs["value"].dtype == np.float32) == 484866
    bns = [n for n in nodes if n.op.startswith("FusedBatchNorm")]
    assert sum(n.attrs["is_training"] for n in bns) == 39
    assert sum(not n.attrs["is_training"] for n in bns) == 60
    assert all(n.name.startswith("MobilenetV2/") == n.attrs["is_training"] for n in bns)
