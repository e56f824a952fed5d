"""CombinedNonMaxSuppression: TFLite kernel vs TF's kernel (tf.image.combined_non_max_suppression)
over attrs, box layouts, thresholds, ties, sizes given as model inputs, and TF's errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

ATTRS = list(itertools.product([False, True], [False, True]))  # pad_per_class, clip_boxes


def random_boxes(rng, batch, num_boxes, q, spread=1.0):
    """Clustered boxes (so that NMS suppresses), some outside [0, 1], some with flipped corners."""
    centers = rng.uniform(-0.1 * spread, 1.1 * spread, (batch, num_boxes // 3 + 1, 1, 2))
    centers = np.repeat(centers, 3, axis=1)[:, :num_boxes] + rng.normal(0, 0.03, (batch, num_boxes, 1, 2))
    sizes = rng.uniform(0.05, 0.4, (batch, num_boxes, q, 2))
    lo, hi = centers - sizes / 2, centers + sizes / 2
    boxes = np.concatenate([lo, hi], axis=-1)  # ymin, xmin, ymax, xmax
    flip = rng.random((batch, num_boxes, q)) < 0.2
    boxes[flip] = boxes[flip][:, [2, 3, 0, 1]]
    return boxes.astype(np.float32)


def nms(tf, max_per_class, max_total, iou, score, pad_per_class, clip_boxes):
    def fn(boxes, scores):
        out = tf.image.combined_non_max_suppression(
            boxes, scores, max_per_class, max_total, iou, score, pad_per_class, clip_boxes
        )
        return out.nmsed_boxes, out.nmsed_scores, out.nmsed_classes, out.valid_detections

    return fn


@pytest.mark.parametrize(("pad_per_class", "clip_boxes"), ATTRS)
def test_combined_nms_matches_tf(tf, rng, pad_per_class, clip_boxes):
    cases = [
        # batch, boxes, q, classes, max_per_class, max_total, iou, score
        (2, 60, 1, 4, 10, 20, 0.5, 0.1),
        (3, 40, 5, 5, 6, 100, 0.3, 0.0),  # q == classes; max_total beyond what is found
        (1, 30, 1, 3, 50, 7, 0.0, -1.0),  # iou 0: any overlap suppresses; max_per_class > boxes
        (2, 25, 2, 2, 3, 4, 1.0, 0.6),  # iou 1: nothing suppressed
        (1, 0, 1, 3, 5, 5, 0.5, 0.1),  # no boxes
    ]
    for batch, num_boxes, q, classes, per_class, total, iou, score in cases:
        boxes = random_boxes(rng, batch, num_boxes, q)
        scores = rng.random((batch, num_boxes, classes)).astype(np.float32)
        fn = nms(tf, per_class, total, iou, score, pad_per_class, clip_boxes)
        report = assert_parity(fn, [boxes, scores], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"CombinedNonMaxSuppression": 1}


@pytest.mark.parametrize(("pad_per_class", "clip_boxes"), ATTRS)
def test_tied_scores_resolve_as_in_tf(tf, rng, pad_per_class, clip_boxes):
    """Quantized scores tie often: the heap and the (unstable) sort must pick the same boxes as TF's."""
    boxes = random_boxes(rng, 2, 80, 1, spread=2.0)
    scores = np.round(rng.random((2, 80, 6)) * 4) / 4
    scores = scores.astype(np.float32)
    fn = nms(tf, 12, 40, 0.4, 0.2, pad_per_class, clip_boxes)
    assert_parity(fn, [boxes, scores], rtol=0, atol=0, runtimes=RUNTIMES)


def test_degenerate_and_non_finite_boxes_as_in_tf(tf, rng):
    boxes = random_boxes(rng, 1, 12, 1)
    boxes[0, 0, 0] = [0.2, 0.2, 0.2, 0.6]  # zero area: overlaps nothing
    boxes[0, 1, 0] = [np.nan, 0.1, 0.5, 0.5]
    boxes[0, 2, 0] = [0.1, 0.1, np.inf, 0.5]
    boxes[0, 3, 0] = [-np.inf, -0.5, 0.4, 2.0]
    scores = rng.random((1, 12, 2)).astype(np.float32)
    scores[0, 4, 0] = np.nan  # never above the threshold
    for clip in (False, True):
        assert_parity(
            nms(tf, 8, 16, 0.5, 0.0, False, clip), [boxes, scores], rtol=0, atol=0, runtimes=RUNTIMES
        )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sizes_and_thresholds_as_model_inputs(tf, rng, runtime):
    """Non-constant sizes: the outputs are sized at run time."""

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None, 1, 4], tf.float32),
            tf.TensorSpec([None, None, 3], tf.float32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.float32),
            tf.TensorSpec([], tf.float32),
        ]
    )
    def fn(boxes, scores, per_class, total, iou, score):
        out = tf.image.combined_non_max_suppression(
            boxes, scores, per_class, total, iou, score, pad_per_class=True
        )
        return out.nmsed_boxes, out.nmsed_scores, out.nmsed_classes, out.valid_detections

    model = opbridge.convert(fn)
    for batch, num_boxes, per_class, total, iou in [
        (2, 30, 4, 50, 0.5),
        (1, 50, 10, 15, 0.2),
        (3, 5, 1, 2, 0.9),
    ]:
        inputs = {
            "boxes": random_boxes(rng, batch, num_boxes, 1),
            "scores": rng.random((batch, num_boxes, 3)).astype(np.float32),
            "per_class": np.int32(per_class),
            "total": np.int32(total),
            "iou": np.float32(iou),
            "score": np.float32(0.1),
        }
        got = run_tflite(model, inputs, runtime)
        want = fn(**inputs)
        for name, w in zip(["output_0", "output_1", "output_2", "output_3"], want, strict=True):
            np.testing.assert_array_equal(got[name], w.numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_in_tf(tf, rng, runtime):
    def model_for(boxes_shape, scores_shape):
        return tflite_model.single_custom_op_model(
            "CombinedNonMaxSuppression",
            [
                ("boxes", boxes_shape, np.float32),
                ("scores", scores_shape, np.float32),
                ("max_output_size_per_class", [], np.int32),
                ("max_total_size", [], np.int32),
                ("iou_threshold", [], np.float32),
                ("score_threshold", [], np.float32),
            ],
            [
                ("nmsed_boxes", [1, 1, 4], np.float32),
                ("nmsed_scores", [1, 1], np.float32),
                ("nmsed_classes", [1, 1], np.float32),
                ("valid_detections", [1], np.int32),
            ],
        )

    def run(boxes_shape, scores_shape, per_class=5, total=5, iou=0.5):
        model = model_for(boxes_shape, scores_shape)
        inputs = [
            np.zeros(boxes_shape, np.float32),
            np.zeros(scores_shape, np.float32),
            np.int32(per_class),
            np.int32(total),
            np.float32(iou),
            np.float32(0.0),
        ]
        return run_tflite(model, inputs, runtime)

    cases = [
        (((2, 5, 1, 4), (2, 5, 3)), {"total": 0}, "max_total_size must be > 0"),
        (((2, 5, 1, 4), (2, 5, 3)), {"per_class": -1}, "max_size_per_class must be positive"),
        (((2, 5, 1, 4), (2, 5, 3)), {"iou": 1.5}, r"iou_threshold must be in \[0, 1\]"),
        (((2, 5, 2, 4), (2, 5, 3)), {}, "third dimension of boxes must be either 1 or num classes"),
        (((2, 5, 1, 3), (2, 5, 3)), {}, "boxes must have 4 columns"),
        (((2, 5, 1, 4), (2, 6, 3)), {}, "scores has incompatible shape"),
        (((2, 5, 1, 4), (3, 5, 3)), {}, "boxes and scores must have same batch size"),
        # TF 2.21's kernel reads dims of a rank-3 boxes tensor before checking its rank.
        (((5, 1, 4), (2, 5, 3)), {}, r"boxes must be 4-D \[batch, num_boxes, q, 4\]", "must have same batch"),
    ]
    for (boxes_shape, scores_shape), kwargs, message, *tf_message in cases:
        with pytest.raises(RuntimeError, match="CombinedNonMaxSuppression: " + message):
            run(boxes_shape, scores_shape, **kwargs)
        args = {"per_class": 5, "total": 5, "iou": 0.5, **kwargs}
        with pytest.raises(tf.errors.InvalidArgumentError, match=tf_message[0] if tf_message else message):
            tf.raw_ops.CombinedNonMaxSuppression(
                boxes=np.zeros(boxes_shape, np.float32),
                scores=np.zeros(scores_shape, np.float32),
                max_output_size_per_class=args["per_class"],
                max_total_size=args["total"],
                iou_threshold=np.float32(args["iou"]),
                score_threshold=np.float32(0.0),
            )
