"""NonMaxSuppressionWithOverlaps (tf.image.non_max_suppression_overlaps): the TFLite kernel selects
TF's exact indices in both runtimes: random overlap matrices (not symmetric, values outside [0, 1]),
scores with ties (broken by lower index), NaN and infinite scores and overlaps (TF's weight
arithmetic: a NaN or -inf overlap drops or delays a candidate), score thresholds below, at and
above the scores, max_output_size 0, small and larger than the boxes, no boxes; and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession


def run(model: bytes, inputs: list, runtime: str) -> np.ndarray:
    session = SignatureSession(model, runtime)
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()["output_0"]


def fn_of(tf):
    def fn(overlaps, scores, max_out, overlap_thr, score_thr):
        return tf.image.non_max_suppression_overlaps(overlaps, scores, max_out, overlap_thr, score_thr)

    return fn


def cases(rng: np.random.Generator) -> list[list]:
    out = []
    for n in (0, 1, 2, 5, 30, 200):
        m = rng.uniform(-0.2, 1.2, (n, n)).astype(np.float32)
        s = np.round(rng.uniform(-1, 1, n), 1).astype(np.float32)  # many ties
        for max_out, thr, sthr in [
            (n, 0.5, -np.inf),
            (3, 0.3, 0.0),
            (0, 0.5, -1.0),
            (n + 4, 0.9, 0.2),
            (n, -0.1, -2.0),
        ]:
            out.append([m, s, np.int32(max_out), np.float32(thr), np.float32(sthr)])
    # NaN and infinities in overlaps and scores, with a negative score threshold (soft path).
    n = 12
    m = rng.uniform(0, 1, (n, n)).astype(np.float32)
    m[rng.integers(0, n, 6), rng.integers(0, n, 6)] = np.nan
    m[rng.integers(0, n, 4), rng.integers(0, n, 4)] = -np.inf
    m[rng.integers(0, n, 4), rng.integers(0, n, 4)] = np.inf
    s = rng.uniform(0, 1, n).astype(np.float32)
    s[[1, 4]] = np.nan
    s[2] = np.inf
    s[7] = 0.0
    for sthr in (-1.0, 0.0, np.nan):
        for thr in (0.5, np.nan, np.inf):
            out.append([m, s, np.int32(n), np.float32(thr), np.float32(sthr)])
    return out


def test_selects_tf_indices(tf, rng):
    fn = fn_of(tf)
    model = convert_fn(
        fn,
        ([None, None], tf.float32),
        ([None], tf.float32),
        ([], tf.int32),
        ([], tf.float32),
        ([], tf.float32),
    )
    assert tflite_model.custom_op_counts(model) == {"NonMaxSuppressionWithOverlaps": 1}
    f = tf.function(fn)
    for k, inputs in enumerate(cases(rng)):
        want = f(*[tf.constant(a) for a in inputs]).numpy()
        for runtime in RUNTIMES:
            got = run(model, inputs, runtime)
            assert got.dtype == want.dtype and got.tolist() == want.tolist(), (runtime, k, got, want)


def test_errors_as_tf(tf):
    raw = tf.raw_ops.NonMaxSuppressionWithOverlaps

    def fn(overlaps, scores, max_out, overlap_thr, score_thr):
        return raw(
            overlaps=overlaps,
            scores=scores,
            max_output_size=max_out,
            overlap_threshold=overlap_thr,
            score_threshold=score_thr,
        )

    specs = [
        ([None, None], tf.float32),
        ([None], tf.float32),
        ([], tf.int32),
        ([], tf.float32),
        ([], tf.float32),
    ]
    model = convert_fn(fn, *specs)
    # Unknown dims, as the model has: TF's graph-time shape check would stop known ones first.
    f = tf.function(fn, input_signature=[tf.TensorSpec(shape, dtype) for shape, dtype in specs])
    m = np.eye(3, dtype=np.float32)
    s = np.ones(3, np.float32)
    one = np.int32(2)
    bad = [
        ([m[:2], s, one], "overlaps must be square"),
        ([m, s[:2], one], "scores has incompatible shape"),
    ]
    for args, message in bad:
        inputs = [*args, np.float32(0.5), np.float32(0.0)]
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(*[tf.constant(a) for a in inputs])
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"NonMaxSuppressionWithOverlaps: {message}"):
                run(model, inputs, runtime)


def test_negative_max_output_size(tf):
    fn = fn_of(tf)
    model = convert_fn(
        fn,
        ([None, None], tf.float32),
        ([None], tf.float32),
        ([], tf.int32),
        ([], tf.float32),
        ([], tf.float32),
    )
    inputs = [
        np.eye(3, dtype=np.float32),
        np.ones(3, np.float32),
        np.int32(-1),
        np.float32(0.5),
        np.float32(0),
    ]
    with pytest.raises(tf.errors.InvalidArgumentError, match="output size must be non-negative"):
        tf.function(fn)(*[tf.constant(a) for a in inputs])
    for runtime in RUNTIMES:
        with pytest.raises(
            RuntimeError, match="NonMaxSuppressionWithOverlaps: output size must be non-negative"
        ):
            run(model, inputs, runtime)
