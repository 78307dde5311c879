"""Skeleton graphs for graph convolutions, built from a layout's bones.

:class:`Graph` turns any :class:`~actionpose.skeleton.layouts.KeypointLayout` into the stack of
normalised adjacency matrices that ST-GCN (Yan, Xiong and Lin, AAAI 2018) convolves with. Layouts whose
bones form several connected components (``hands``: two unconnected hands) and joints without bones are
handled: every component gets its own centre, and a joint without bones only sees itself.

Orientation: ``A[s, v, w]`` is the weight of input joint ``v`` in output joint ``w`` for subset ``s``,
so a feature map ``x[..., v]`` aggregates as ``x @ A[s]``. Columns are normalised by the number of
neighbours (the joint itself included), so ``A.sum(0)`` has columns summing to one.

Centre of gravity (spatial strategy). Layouts carry no coordinates, so "distance to the centre of
gravity" is measured in hops from a centre joint set, chosen per connected component:

* when the layout defines the spine (``spine``/``spine_mid``, else the mean of the pelvis and the neck,
  see :data:`~actionpose.skeleton.layouts.DERIVATIONS`), the centre is the set of joints of the
  component with the smallest summed hop distance to the joints that spine point is the mean of, ties
  broken by the smaller eccentricity (COCO-18: the neck; COCO-17: shoulders and hips; BlazePose-33 and
  holistic: both shoulders; BODY_25: mid-hip; NTU: spine_mid); joints still tied all stay, which keeps
  left/right symmetric layouts symmetric;
* otherwise (hands, a component without those joints) the graph centre: the joints of smallest
  eccentricity, ties broken by the smallest summed distance to the rest of the component (a hand: the
  wrist).
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np

from actionpose.skeleton.layouts import KeypointLayout, get_layout, resolve_joint

log = logging.getLogger(__name__)

#: partitioning strategies: one subset, one per hop distance, or root/centripetal/centrifugal
STRATEGIES = ("uniform", "distance", "spatial")


def hop_distance(num_joints: int, edges: np.ndarray) -> np.ndarray:
    """Shortest path lengths in hops between all joints.

    Parameters
    ----------
    num_joints
        Number of nodes.
    edges
        ``(E, 2)`` int array of undirected edges.

    Returns
    -------
    np.ndarray
        ``(K, K)`` float64, ``inf`` between joints in different components.
    """
    neighbours: list[list[int]] = [[] for _ in range(num_joints)]
    for a, b in np.asarray(edges, dtype=np.int64).reshape(-1, 2):
        if a != b:
            neighbours[a].append(int(b))
            neighbours[b].append(int(a))
    hop = np.full((num_joints, num_joints), np.inf)
    for source in range(num_joints):
        hop[source, source] = 0
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for nxt in neighbours[node]:
                if hop[source, nxt] == np.inf:
                    hop[source, nxt] = hop[source, node] + 1
                    queue.append(nxt)
    return hop


def _argmin_set(*keys: np.ndarray) -> np.ndarray:
    """Indices tied for the lexicographic minimum of the key arrays (first key first)."""
    candidates = np.arange(len(keys[0]))
    for key in keys:
        values = key[candidates]
        candidates = candidates[np.isclose(values, values.min())]
    return candidates


def centre_joints(layout: KeypointLayout, hop: np.ndarray | None = None) -> tuple[int, ...]:
    """The centre joint set of every connected component (see the module docstring).

    Parameters
    ----------
    layout
        The skeleton.
    hop
        Its hop distances (computed when omitted).

    Returns
    -------
    tuple of int
        Sorted joint indices; at least one per component.
    """
    if hop is None:
        hop = hop_distance(layout.num_joints, layout.bone_indices)
    anchors = np.array(resolve_joint(layout, "spine"), dtype=np.int64)
    centres: list[int] = []
    seen = np.zeros(layout.num_joints, dtype=bool)
    for first in range(layout.num_joints):
        if seen[first]:
            continue
        members = np.flatnonzero(np.isfinite(hop[first]))
        seen[members] = True
        sub = hop[np.ix_(members, members)]
        inside = anchors[np.isin(anchors, members)]
        if len(inside):
            score = hop[np.ix_(members, inside)].sum(axis=1)
            best = _argmin_set(score, sub.max(axis=1))
        else:
            best = _argmin_set(sub.max(axis=1), sub.sum(axis=1))
        centres += members[best].tolist()
    return tuple(sorted(centres))


class Graph:
    """Partitioned, normalised adjacency of a skeleton for ST-GCN.

    Parameters
    ----------
    layout
        A layout or its registry name; its bones are the graph's edges.
    strategy
        ``"spatial"`` (default, Yan et al.): subset 0 the joint itself, subset 1 the neighbours closer
        to the centre of gravity than the joint (centripetal), subset 2 the other neighbours
        (centrifugal, including neighbours as far from the centre as the joint). ``"distance"``: one
        subset per hop distance ``0..max_hop``. ``"uniform"``: one subset.
    max_hop
        Neighbourhood radius in hops.

    Attributes
    ----------
    A : np.ndarray
        ``(S, K, K)`` float32 (``S`` = 3 for spatial, ``max_hop + 1`` for distance, 1 for uniform).
    hop : np.ndarray
        ``(K, K)`` hop distances (``inf`` across components).
    centre : tuple of int
        Centre joints (spatial strategy's reference).
    """

    def __init__(self, layout: KeypointLayout | str, strategy: str = "spatial", max_hop: int = 1) -> None:
        self.layout = get_layout(layout)
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown graph strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
        if int(max_hop) < 1:
            raise ValueError(f"max_hop must be at least 1, got {max_hop}")
        self.strategy = strategy
        self.max_hop = int(max_hop)
        self.hop = hop_distance(self.layout.num_joints, self.layout.bone_indices)
        self.centre = centre_joints(self.layout, self.hop)
        self.A = self._partition()
        log.debug("graph %s: %d joints, strategy %s, centre %s", self.layout.name, self.num_joints, strategy,
                  [self.layout.joints[c] for c in self.centre])

    @property
    def num_joints(self) -> int:
        """Number of joints ``K``."""
        return self.layout.num_joints

    def _partition(self) -> np.ndarray:
        near = self.hop <= self.max_hop
        norm = near / near.sum(axis=0, keepdims=True)  # column w: mean over w's neighbourhood
        if self.strategy == "uniform":
            return norm[None].astype(np.float32)
        if self.strategy == "distance":
            return np.stack([np.where(self.hop == d, norm, 0.0) for d in range(self.max_hop + 1)]).astype(np.float32)
        to_centre = self.hop[:, list(self.centre)].min(axis=1)  # finite: every component has a centre
        closer = to_centre[:, None] < to_centre[None, :]  # [v, w]: neighbour v nearer the centre than root w
        root = np.eye(self.num_joints, dtype=bool)
        centripetal = near & closer & ~root
        centrifugal = near & ~closer & ~root
        return np.stack([np.where(m, norm, 0.0) for m in (root, centripetal, centrifugal)]).astype(np.float32)

    def __repr__(self) -> str:
        return (f"Graph({self.layout.name!r}, strategy={self.strategy!r}, max_hop={self.max_hop}, "
                f"A={tuple(self.A.shape)})")
