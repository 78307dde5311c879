"""Torch action models: skeleton graphs, ST-GCN / TCN / GRU shapes, learning, config round trip, ONNX."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch

from actionpose.models.graph import Graph, hop_distance
from actionpose.models.registry import ActionModel, create_model, list_models
from actionpose.models.stgcn import STGCN, STGCNBlock, aggregate, stage_plan
from actionpose.skeleton.layouts import KeypointLayout, get_layout

#: small but complete configurations, fast enough to train in a test
SMALL = {"stgcn": {"width": 0.25, "depth": 4}, "tcn": {"hidden": 32, "levels": 3}, "gru": {"hidden": 32}}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One intra-op thread: these tensors are small, and on a shared 2-core machine a second thread
    that the OS does not schedule stalls every parallel region (tens of ms each)."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def _randomise(model: torch.nn.Module, seed: int = 0) -> None:
    """Non-trivial batch-norm statistics and edge importances, so eval-time folding is exercised."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "importance" in name:
                p.mul_(torch.rand(p.shape, generator=gen) + 0.5)
        for mod in model.modules():
            if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=gen) * 0.2)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=gen) + 0.5)
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.2)


# ------------------------------------------------------------------------------------------------ graph


@pytest.mark.parametrize("name", ["coco17", "blazepose33", "hand21", "hands", "holistic", "coco18", "body25"])
def test_graph_shapes_and_partitions(name: str) -> None:
    layout = get_layout(name)
    g = Graph(layout)
    K = layout.num_joints
    assert g.A.shape == (3, K, K) and g.A.dtype == np.float32
    assert (g.A >= 0).all()
    # the partitions split the normalised neighbourhood: each output joint's weights sum to one
    np.testing.assert_allclose(g.A.sum(axis=(0, 1)), np.ones(K), atol=1e-6)
    # root subset: the joint itself only
    np.testing.assert_array_equal(g.A[0] > 0, np.eye(K, dtype=bool))
    # neighbours (off the diagonal) are exactly the bones
    adj = np.zeros((K, K), dtype=bool)
    for a, b in layout.bone_indices:
        adj[a, b] = adj[b, a] = True
    np.testing.assert_array_equal((g.A[1] + g.A[2]) > 0, adj)
    # centripetal for w means centrifugal for the neighbour, never the other way round
    assert not ((g.A[1] > 0) & (g.A[1].T > 0)).any()
    assert ((g.A[1] > 0) <= (g.A[2].T > 0)).all()
    # a centre in every connected component
    components = {tuple(np.flatnonzero(np.isfinite(row))) for row in g.hop}
    assert all(any(c in comp for c in g.centre) for comp in components)


def test_graph_centres() -> None:
    assert [get_layout("coco18").joints[c] for c in Graph("coco18").centre] == ["neck"]
    assert [get_layout("hand21").joints[c] for c in Graph("hand21").centre] == ["wrist"]
    hands = Graph("hands")
    assert [hands.layout.joints[c] for c in hands.centre] == ["left_hand_wrist", "right_hand_wrist"]
    assert np.isinf(hands.hop).any()  # two components
    coco = Graph("coco17")
    assert {coco.layout.joints[c] for c in coco.centre} == {"left_shoulder", "right_shoulder", "left_hip",
                                                           "right_hip"}


def test_graph_other_strategies_and_isolated_joints() -> None:
    assert Graph("coco17", "uniform").A.shape == (1, 17, 17)
    dist = Graph("coco17", "distance", max_hop=2)
    assert dist.A.shape == (3, 17, 17)
    np.testing.assert_allclose(dist.A.sum(axis=(0, 1)), 1, atol=1e-6)
    lonely = KeypointLayout("lonely", ("a", "b", "c"), (("a", "b"),))
    g = Graph(lonely)
    np.testing.assert_allclose(g.A.sum(axis=(0, 1)), 1, atol=1e-6)
    assert g.A[:, :, 2].sum() == g.A[0, 2, 2] == 1  # the boneless joint sees only itself
    assert hop_distance(3, np.array([[0, 1]]))[0, 2] == np.inf
    with pytest.raises(ValueError):
        Graph("coco17", "nonsense")


# ------------------------------------------------------------------------------------------------ ST-GCN


def test_fused_graph_convolution_matches_per_partition_reference() -> None:
    torch.manual_seed(0)
    A = torch.from_numpy(Graph("coco17").A)
    block = STGCNBlock(5, 7, A)
    with torch.no_grad():
        block.importance.mul_(torch.rand_like(block.importance) + 0.5)
    x = torch.randn(3, 5, 11, 17)  # (N, C, T, K), the textbook layout
    # reference: for each partition s, a 1 x 1 convolution W_s, then aggregation with A_s * M_s
    weight = block.gcn.weight[:, :, :, 0]  # (C_out, C_in, S)
    A_eff = block.A * block.importance
    ref = sum(torch.einsum("nctw,vw->nctv", torch.einsum("oc,nctv->notv", weight[:, :, s], x), A_eff[s].T)
              for s in range(A.shape[0]))
    ours_in = x.transpose(2, 3).contiguous(memory_format=torch.channels_last)  # (N, C, K, T) channels-last
    ours = block.gcn(aggregate(ours_in, block.adjacency())).transpose(2, 3)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)


def test_stgcn_default_size_and_plan() -> None:
    model = STGCN("coco17", 3, 60, num_people=2)
    n = sum(p.numel() for p in model.parameters())
    assert abs(n - 3.1e6) / 3.1e6 < 0.10, n
    assert [c for c, _ in stage_plan(10, 1.0)] == [64] * 4 + [128] * 3 + [256] * 3
    assert [i for i, (_, s) in enumerate(stage_plan(10, 1.0)) if s == 2] == [4, 7]
    small = STGCN("coco17", 3, 60, num_people=2, width=0.25, depth=4)
    assert sum(p.numel() for p in small.parameters()) < 0.05 * n


@pytest.mark.parametrize("name", ["hands", "holistic", "blazepose33", "body25"])
def test_stgcn_on_other_layouts(name: str) -> None:
    layout = get_layout(name)
    model = STGCN(layout, 3, 3, num_people=1, width=0.125, depth=3).eval()
    _randomise(model)
    x = torch.randn(2, 16, 1, layout.num_joints, 3)
    ref = model(x)
    with torch.inference_mode():
        torch.testing.assert_close(model(x), ref.detach(), atol=1e-4, rtol=1e-4)
    assert ref.shape == (2, 3)


def test_stgcn_inference_path_equals_training_path() -> None:
    torch.manual_seed(0)
    model = STGCN("coco18", 3, 5, num_people=2, width=0.5).eval()
    _randomise(model)
    x = torch.randn(5, 40, 2, 18, 3)
    ref = model(x)  # autograd on: plain modules, batch norms unfolded
    model.inference_chunk = 2
    with torch.inference_mode():
        fast = model(x)  # folded, packed oneDNN weights where available, in chunks of 2, 2 and 1 windows
    torch.testing.assert_close(fast, ref.detach(), atol=1e-4, rtol=1e-4)
    model.inference_chunk = 0
    assert model.chunk_size(40) >= 5
    model.pack_weights = False  # the F.conv2d fallback
    with torch.no_grad():
        torch.testing.assert_close(model(x), ref.detach(), atol=1e-4, rtol=1e-4)
    model.pack_weights = True
    # batch-norm statistics updated in training mode (no version bump) are seen after eval()
    model.train()
    with torch.no_grad():
        model(x + 1.0)
    model.eval()
    ref = model(x)
    with torch.inference_mode():
        fast = model(x)
    torch.testing.assert_close(fast, ref.detach(), atol=1e-4, rtol=1e-4)
    # the cache of derived weights is not saved with the model
    buffer = io.BytesIO()
    torch.save(model, buffer)
    twin = torch.load(io.BytesIO(buffer.getvalue()), weights_only=False)
    assert twin._cache is None
    with torch.inference_mode():
        torch.testing.assert_close(twin(x), fast)
    # the folded weights follow the parameters
    other = STGCN("coco18", 3, 5, num_people=2, width=0.5).eval()
    _randomise(other, seed=1)
    model.load_state_dict(other.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(model(x), other(x), atol=1e-4, rtol=1e-4)


# ------------------------------------------------------------------------------------------------ all models


def test_registry() -> None:
    assert list_models() == ["gru", "stgcn", "tcn"]
    with pytest.raises(ValueError, match="unknown model"):
        create_model("transformer", "coco17", 3, 2)
    with pytest.raises(TypeError):
        create_model("tcn", "coco17", 3, 2, no_such_option=1)


@pytest.mark.parametrize("name", ["stgcn", "tcn", "gru"])
def test_forward_shape(name: str) -> None:
    model = create_model(name, "coco17", 3, 4, num_people=2)
    assert isinstance(model, ActionModel) and model.name == name
    x = torch.randn(2, 30, 2, 17, 3)
    assert model(x).shape == (2, 4)
    model.eval()
    with torch.inference_mode():
        assert model(x).shape == (2, 4)
    with pytest.raises(ValueError, match=r"\(P, K, C\)"):
        model(torch.randn(2, 30, 1, 17, 3))


def _oscillations(n: int = 32, t: int = 24, people: int = 1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two classes: every joint sways horizontally once (class 0) or three times (class 1) per window."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    freq = torch.where(y == 0, 1.0, 3.0)
    phase = torch.rand(n, generator=gen) * 2 * torch.pi
    time = torch.arange(t) / t
    sway = 0.3 * torch.sin(2 * torch.pi * freq[:, None] * time[None] + phase[:, None])  # (N, T)
    pose = torch.randn(n, 1, people, 17, 2, generator=gen) * 0.5
    xy = pose + 0.05 * torch.randn(n, t, people, 17, 2, generator=gen)
    xy[..., 0] += sway[:, :, None, None]
    return torch.cat([xy, torch.ones(n, t, people, 17, 1)], dim=-1), y


@pytest.mark.parametrize("name", ["stgcn", "tcn", "gru"])
def test_models_learn_a_tiny_problem(name: str) -> None:
    torch.manual_seed(0)
    x, y = _oscillations()
    model = create_model(name, "coco17", 3, 2, num_people=1, **SMALL[name])
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    with torch.inference_mode():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert accuracy > 0.9, (name, accuracy, loss.item())


@pytest.mark.parametrize("name", ["stgcn", "tcn", "gru"])
def test_config_round_trip(name: str) -> None:
    torch.manual_seed(0)
    layout = get_layout("coco17")
    model = create_model(name, layout, 3, 3, num_people=2, **SMALL[name]).eval()
    _randomise(model)
    config = json.loads(json.dumps(model.config))
    saved_layout = json.loads(json.dumps(layout.to_dict()))
    twin = create_model(name, KeypointLayout.from_dict(saved_layout), **config)
    twin.load_state_dict(model.state_dict())
    twin.eval()
    x = torch.randn(3, 20, 2, 17, 3)
    with torch.inference_mode():
        assert torch.equal(model(x), twin(x))
    assert twin.config == model.config


def test_gru_streaming_step_matches_forward() -> None:
    torch.manual_seed(0)
    model = create_model("gru", "coco17", 3, 3, num_people=1, bidirectional=False).eval()
    x = torch.randn(2, 12, 1, 17, 3)
    with torch.inference_mode():
        state = None
        for t in range(x.shape[1]):
            logits, state = model.step(x[:, t], state)
        torch.testing.assert_close(logits, model(x))
    with pytest.raises(ValueError):
        create_model("gru", "coco17", 3, 3).step(x[:, 0])


def test_tcn_causal_ignores_the_future() -> None:
    torch.manual_seed(0)
    model = create_model("tcn", "coco17", 3, 3, causal=True).eval()
    h = torch.randn(2, model.config["hidden"], 40)
    later = h.clone()
    later[..., 25:] += 1.0
    with torch.inference_mode():
        torch.testing.assert_close(model.blocks(h)[..., :25], model.blocks(later)[..., :25])
    assert model.receptive_field == 1 + 2 * 2 * (2 ** 4 - 1)


# ------------------------------------------------------------------------------------------------ ONNX


@pytest.mark.parametrize("name,hyper", [("stgcn", SMALL["stgcn"]), ("tcn", {"causal": True}), ("gru", {})])
def test_onnx_export(name: str, hyper: dict, tmp_path) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from actionpose.models.export import export_onnx, run_onnx

    torch.manual_seed(0)
    model = create_model(name, "coco17", 3, 4, num_people=2, **hyper)
    _randomise(model)
    diff = export_onnx(model, torch.randn(2, 30, 2, 17, 3), tmp_path / f"{name}.onnx")
    assert diff < 1e-4
    x = torch.randn(5, 30, 2, 17, 3)  # another batch size: the batch axis is dynamic
    with torch.inference_mode():
        want = model(x).numpy()
    np.testing.assert_allclose(run_onnx(tmp_path / f"{name}.onnx", x.numpy()), want, atol=1e-4)
