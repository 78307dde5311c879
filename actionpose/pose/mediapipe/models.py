"""Model files for the MediaPipe backend: the legacy pose landmark models, the shipped and user-given ``.task`` files.

mediapipe 0.10.21 bundles only ``pose_landmark_full.tflite`` (``model_complexity=1``); for 0 and 2 it
would download the lite or heavy model at run time, which ActionPose never does. Instead the file is
looked up in folders the user names and copied into mediapipe's package folder, where the legacy
graph expects it.

Several people need the Tasks ``PoseLandmarker`` and a ``.task`` bundle. ActionPose ships two in
``bundles/`` (Apache-2.0, see ``bundles/NOTICE.md``), built from mediapipe 0.10.21's own lite and full
models: :func:`bundled_task` picks one by ``model_complexity``. There is no heavy bundle.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from actionpose.atomic import atomic_path
from actionpose.errors import BackendError

log = logging.getLogger(__name__)

#: legacy ``model_complexity`` -> the landmark model the graph loads from the package folder
LANDMARK_MODELS: dict[int, str] = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite",
                                   2: "pose_landmark_heavy.tflite"}
#: environment variable naming a folder with extra MediaPipe model files
MODELS_ENV = "ACTIONPOSE_MEDIAPIPE_MODELS"
_PROJECT_ROOT = Path(__file__).resolve().parents[3]
#: the PoseLandmarker bundles shipped in the package, by legacy ``model_complexity``
BUNDLE_DIR = Path(__file__).resolve().parent / "bundles"
BUNDLED_TASKS: dict[int, str] = {0: "pose_landmarker_lite_from_legacy_md.task",
                                 1: "pose_landmarker_full_from_legacy_md.task"}


def bundled_task(complexity: int | None = None) -> Path:
    """The shipped PoseLandmarker ``.task`` bundle for ``model_complexity`` (0 lite, 1 or None full).

    Raises
    ------
    BackendError
        For complexity 2 (no heavy bundle is shipped), or when the package lacks the file.
    """
    complexity = 1 if complexity is None else complexity
    if complexity not in BUNDLED_TASKS:
        raise BackendError(f"model_complexity={complexity} with several people needs a heavy PoseLandmarker .task, "
                           f"which ActionPose does not ship: use --model-complexity 0 or 1, or give one with "
                           f"--weights")
    path = BUNDLE_DIR / BUNDLED_TASKS[complexity]
    if not path.is_file():
        raise BackendError(f"the shipped PoseLandmarker bundle {path} is missing; reinstall actionpose or give a "
                           f".task file with --weights")
    return path


def package_model_dir() -> Path:
    """The folder in the installed mediapipe package where the legacy graphs load pose models."""
    import mediapipe

    return Path(mediapipe.__file__).resolve().parent / "modules" / "pose_landmark"


def model_search_dirs() -> list[Path]:
    """Folders searched for a model mediapipe lacks, in order.

    ``$ACTIONPOSE_MEDIAPIPE_MODELS``, then ``$ACTIONPOSE_DATA/models/mediapipe``, then the
    conventional ``<project root>/../shared/data/models/mediapipe``.
    """
    dirs = []
    if os.environ.get(MODELS_ENV):
        dirs.append(Path(os.environ[MODELS_ENV]))
    if os.environ.get("ACTIONPOSE_DATA"):
        dirs.append(Path(os.environ["ACTIONPOSE_DATA"]) / "models" / "mediapipe")
    dirs.append(_PROJECT_ROOT.parent / "shared" / "data" / "models" / "mediapipe")
    return dirs


def find_landmark_model(complexity: int) -> Path | None:
    """Where the landmark model for ``complexity`` is: the package folder or a search folder, else None."""
    name = LANDMARK_MODELS[complexity]
    for folder in [package_model_dir(), *model_search_dirs()]:
        if (folder / name).is_file():
            return folder / name
    return None


def ensure_landmark_model(complexity: int) -> None:
    """Make the legacy pose landmark model for ``complexity`` loadable without a download.

    Raises
    ------
    BackendError
        If the file is nowhere to be found, is not a TFLite model, or cannot be copied into place.
    """
    name = LANDMARK_MODELS[complexity]
    target = package_model_dir() / name
    if target.is_file():
        return
    where = f"put {name} in {target.parent} or in a folder named by ${MODELS_ENV}"
    source = find_landmark_model(complexity)
    if source is None:
        raise BackendError(f"model_complexity={complexity} needs {name}, which this mediapipe does not bundle "
                           f"and ActionPose never downloads: {where}")
    with open(source, "rb") as fh:
        if fh.read(8)[4:8] != b"TFL3":
            raise BackendError(f"{source} is not a TFLite model; {where}")
    try:
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
    except OSError as exc:
        raise BackendError(f"cannot copy {source} into {target.parent} ({exc.strerror or exc}); "
                           f"copy it there by hand") from None
    log.info("copied %s into %s for model_complexity=%d", source, target.parent, complexity)


def check_task_file(path: str | Path) -> tuple[Path, str]:
    """Validate a PoseLandmarker ``.task`` bundle; return its resolved path and sha256.

    Raises
    ------
    BackendError
        If the file is missing or is not a ``.task`` bundle (a zip archive).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise BackendError(f"PoseLandmarker model not found: {path}")
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        head = fh.read(4)
        digest.update(head)
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if head != b"PK\x03\x04":
        raise BackendError(f"{path} is not a MediaPipe .task bundle (expected a zip archive, e.g. "
                           f"pose_landmarker_full.task)")
    return path.resolve(), digest.hexdigest()
