"""Pose backends: plug-ins that turn frames into per-frame detections."""

from actionpose.pose.base import PoseBackend, create_backend, list_backends, register_backend

__all__ = ["PoseBackend", "create_backend", "list_backends", "register_backend"]
