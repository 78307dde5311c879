"""COCO keypoint AP of OpenPose predictions, with pycocotools (``pip install actionpose[test]``)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actionpose.pose.openpose.limbs import COCO17_FROM_PARTS18


@dataclass(frozen=True)
class KeypointAP:
    """pycocotools' keypoint AP and AP50, and the mean over ground-truth people of their best OKS.

    The mean OKS is a smoother figure than AP on a few dozen people.
    """

    ap: float
    ap50: float
    mean_oks: float


def coco_results(image_id: int, keypoints: np.ndarray, scores: np.ndarray) -> list[dict]:
    """COCO keypoint results for one image.

    Parameters
    ----------
    image_id
        The ground truth's image id.
    keypoints, scores
        A decoder's people, (N, 18, 3) OpenPose parts in image pixels, and their scores (N,).

    Returns
    -------
    list of dict
        One result per person in COCO-17 order; missing parts at (0, 0) with visibility 0.
    """
    out = []
    for kp, score in zip(keypoints, scores):
        k17 = kp[list(COCO17_FROM_PARTS18)].astype(np.float64)
        present = k17[:, 2] > 0
        xyv = np.zeros((17, 3))
        xyv[present, :2], xyv[present, 2] = k17[present, :2], 1.0
        out.append({"image_id": int(image_id), "category_id": 1, "keypoints": xyv.ravel().tolist(),
                    "score": float(score)})
    return out


def keypoint_ap(gt_file: Path, results: list[dict], image_ids: list[int] | None = None) -> KeypointAP:
    """Evaluate ``results`` against a COCO keypoint ground-truth file (``COCOeval(iouType="keypoints")``).

    Parameters
    ----------
    gt_file
        COCO annotations (JSON).
    results
        From :func:`coco_results`, all images together.
    image_ids
        Evaluate only these images (default: all of the ground truth's).
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not results:
        return KeypointAP(0.0, 0.0, 0.0)
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its tables
        gt = COCO(str(gt_file))
        evaluator = COCOeval(gt, gt.loadRes(results), iouType="keypoints")
        if image_ids is not None:
            evaluator.params.imgIds = image_ids
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    best: list[float] = []
    for (img, _), oks in evaluator.ious.items():
        people = [a for a in gt.loadAnns(gt.getAnnIds(imgIds=img)) if a["num_keypoints"] > 0]
        best += list(np.max(oks, axis=0)) if len(oks) else [0.0] * len(people)
    return KeypointAP(float(evaluator.stats[0]), float(evaluator.stats[1]), float(np.mean(best)) if best else 0.0)
