"""InTopKV2: TFLite kernel vs TF's own kernel (tf.math.in_top_k, tf.nn.in_top_k).

The converter leaves CUSTOM "InTopKV2" {T}. TF's rule: true when the target is in
[0, classes), the row is all finite, and fewer than k predictions are strictly greater
than the target's. Out-of-range targets and non-finite rows give false, not an error.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite


def in_top_k(tf):
    def model(predictions, targets, k):
        return tf.raw_ops.InTopKV2(predictions=predictions, targets=targets, k=k)

    return model


def convert(tf, dtype, predictions_shape=(None, None), targets_shape=(None,), k_shape=()):
    index = tf.as_dtype(dtype)
    converted = convert_fn(
        in_top_k(tf), (predictions_shape, tf.float32), (targets_shape, index), (k_shape, index)
    )
    assert tflite_model.custom_op_counts(converted) == {"InTopKV2": 1}
    return converted


def hard_rows(rng, classes):
    """Ties (small integers), NaN and +-inf rows, -0.0 against 0.0."""
    p = rng.integers(-3, 4, (40, classes)).astype(np.float32)
    p[0, 2] = np.nan
    p[1, 0] = np.inf
    p[2, classes - 1] = -np.inf
    p[3, :] = 0.0
    p[3, ::2] = -0.0
    p[4, :] = rng.standard_normal(classes).astype(np.float32)
    return p


@pytest.mark.parametrize("dtype", [np.int32, np.int64], ids=["int32", "int64"])
def test_ties_non_finite_and_out_of_range_targets_match_tf(tf, rng, dtype):
    classes = 9
    predictions = hard_rows(rng, classes)
    targets = rng.integers(0, classes, 40).astype(dtype)
    targets[5:9] = [-1, classes, np.iinfo(dtype).max, np.iinfo(dtype).min]
    targets[0] = 2  # the NaN itself
    targets[10] = 3  # another class in the NaN row's neighbour rows
    converted = convert(tf, dtype)
    model = in_top_k(tf)
    for k in [-1, 0, 1, 2, 5, classes, classes + 3]:
        inputs = [predictions, targets, np.asarray(k, dtype)]
        expected = model(*[tf.constant(a) for a in inputs]).numpy()
        for runtime in RUNTIMES:
            (actual,) = run_tflite(converted, inputs, runtime).values()
            np.testing.assert_array_equal(actual, expected, err_msg=f"k={k} {runtime}")


def test_api_and_static_shapes(tf, rng):
    """tf.math.in_top_k with a constant k in a model with static shapes."""
    predictions = rng.standard_normal((16, 100)).astype(np.float32)
    targets = rng.integers(0, 100, 16).astype(np.int32)
    targets[::2] = np.argsort(-predictions[::2], axis=1)[:, 6]  # the 7th largest: in
    targets[1::4] = np.argsort(-predictions[1::4], axis=1)[:, 7]  # the 8th: out

    def model(p, t):
        return tf.math.in_top_k(t, p, 7)

    converted = convert_fn(model, ((16, 100), tf.float32), ((16,), tf.int32))
    assert tflite_model.custom_op_counts(converted) == {"InTopKV2": 1}
    expected = model(tf.constant(predictions), tf.constant(targets)).numpy()
    assert expected.any() and not expected.all()
    for runtime in RUNTIMES:
        (actual,) = run_tflite(converted, [predictions, targets], runtime).values()
        np.testing.assert_array_equal(actual, expected, err_msg=runtime)


@pytest.mark.parametrize("shape", [(0, 5), (3, 0)])
def test_empty(tf, shape):
    predictions = np.zeros(shape, np.float32)
    targets = np.zeros(shape[0], np.int64)
    inputs = [predictions, targets, np.int64(1)]
    expected = in_top_k(tf)(*[tf.constant(a) for a in inputs]).numpy()
    converted = convert(tf, np.int64)
    for runtime in RUNTIMES:
        (actual,) = run_tflite(converted, inputs, runtime).values()
        assert actual.shape == expected.shape, runtime
        np.testing.assert_array_equal(actual, expected, err_msg=runtime)


@pytest.mark.parametrize(
    "predictions, targets, k, specs, message",
    [
        (
            np.zeros((3, 4)),
            np.zeros(2),
            1,
            None,
            "First dimension of predictions 3 must match length of targets 2",
        ),
        (
            np.zeros((3, 4)),
            np.zeros(3),
            [1],
            ((None, None), (None,), (None,)),
            r"k must be 0-D, got shape \[1\]",
        ),
        (np.zeros(4), np.zeros(4), 1, (None, (None,), ()), "predictions must be 2-dimensional"),
        (np.zeros((2, 4)), np.zeros((2, 1)), 1, ((None, None), None, ()), "targets must be 1-dimensional"),
    ],
)
def test_errors_are_tfs(tf, predictions, targets, k, specs, message):
    inputs = [np.asarray(predictions, np.float32), np.asarray(targets, np.int32), np.asarray(k, np.int32)]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        in_top_k(tf)(*[tf.constant(a) for a in inputs])
    converted = convert(tf, np.int32, *(specs or ((None, None), (None,), ())))
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="InTopKV2: .*" + message):
            run_tflite(converted, inputs, runtime)


def test_vector_paths_match_tf(tf, rng, tmp_path):
    """Rows of 1..40 classes (whole vectors of 4 or 8 and tails, steps of two vectors), a NaN or
    +-inf at every position, ties at the target's value, on the AVX2 path (where the CPU has it)
    and the baseline path (OPBRIDGE_NO_AVX2=1), each in a fresh process, against TF."""
    from conftest import cpu_has_avx2, run_tflite_each_in_process

    model = convert(tf, np.int32)
    input_sets, expected = [], []
    for classes in range(1, 41):
        rows = 3 * classes + 8
        predictions = rng.integers(-4, 5, (rows, classes)).astype(np.float32)
        for c in range(classes):  # one non-finite value in each column of three rows
            predictions[3 * c : 3 * c + 3, c] = [np.nan, np.inf, -np.inf]
        targets = rng.integers(0, classes, rows).astype(np.int32)
        targets[1::2] = np.argmax(np.nan_to_num(predictions[1::2], nan=-9, posinf=-9), axis=1)
        k = np.int32(classes // 3 + 1)
        input_sets.append([predictions, targets, k])
        expected.append(in_top_k(tf)(*[tf.constant(a) for a in input_sets[-1]]).numpy())
        assert expected[-1].any() and not expected[-1].all()
    for baseline in (False, True) if cpu_has_avx2() else (True,):
        work = tmp_path / ("baseline" if baseline else "auto")
        work.mkdir()
        outputs = run_tflite_each_in_process(model, input_sets, work, baseline)
        for want, out, inputs in zip(expected, outputs, input_sets, strict=True):
            (actual,) = out.values()
            message = f"classes={inputs[0].shape[1]} baseline={baseline}"
            np.testing.assert_array_equal(actual, want, err_msg=message)
