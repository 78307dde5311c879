"""Built-in RSN backend (Residual Steps Network, top-down, COCO-17): network, weights, top-down geometry."""

from actionpose.pose.rsn.backend import RSNBackend

__all__ = ["RSNBackend"]
