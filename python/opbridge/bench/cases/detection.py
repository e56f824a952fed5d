from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    def nms(boxes: Any, scores: Any) -> tuple[Any, ...]:
        out = tf.image.combined_non_max_suppression(boxes, scores, 100, 100, 0.6, 0.05)
        return out.nmsed_boxes, out.nmsed_scores, out.nmsed_classes, out.valid_detections

    # An SSD-like head: 1917 anchors, 90 classes, few confident scores.
    batch, anchors = 4, max(8, 1917 // scale)
    centers = rng.uniform(0, 1, (batch, anchors, 1, 2))
    sizes = rng.uniform(0.02, 0.5, (batch, anchors, 1, 2))
    boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], -1).astype(np.float32)
    scores = (rng.random((batch, anchors, 90)) ** 6).astype(np.float32)
    return [
        Case("CombinedNonMaxSuppression", f"[{batch},{anchors},1,4] x 90 classes", nms, [boxes, scores]),
    ]
