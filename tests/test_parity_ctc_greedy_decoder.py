"""CTCGreedyDecoder: TFLite kernel vs TF's kernel (tf.nn.ctc_greedy_decoder): sparse outputs
sized at run time, every attr value, both dtypes, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite


def greedy(tf, merge_repeated=True, blank_index=None):
    def fn(logits, lengths):
        (decoded,), log_prob = tf.nn.ctc_greedy_decoder(
            logits, lengths, merge_repeated=merge_repeated, blank_index=blank_index
        )
        return decoded.indices, decoded.values, decoded.dense_shape, log_prob

    return fn


def logits_with_repeats(rng, time, batch, classes, dtype):
    """Random logits where runs of the same class (and blanks) are common."""
    best = rng.integers(0, classes, (time, batch))
    best = np.where(rng.random((time, batch)) < 0.5, np.roll(best, 1, axis=0), best)
    x = rng.standard_normal((time, batch, classes))
    np.put_along_axis(x, best[..., None], 4.0, axis=2)
    return x.astype(dtype)


@pytest.mark.parametrize("blank_index", [None, 0, 2, -1, -3])
@pytest.mark.parametrize("merge_repeated", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ctc_greedy_decoder_matches_tf(tf, rng, dtype, merge_repeated, blank_index):
    cases = [
        (20, 4, 6, [20, 0, 7, 13]),
        (1, 1, 1, [1]) if blank_index in (None, 0, -1) else (1, 1, 3, [1]),
        (7, 3, 5, [-2, 7, 3]),  # a negative length decodes nothing, as in TF
        (9, 2, 3, [0, 0]),  # nothing decoded at all: empty sparse outputs
    ]
    inputs = []
    for time, batch, classes, lengths in cases:
        inputs += [logits_with_repeats(rng, time, batch, classes, dtype), np.array(lengths, np.int32)]
    decode = greedy(tf, merge_repeated, blank_index)

    def fn(*args):
        return [out for i in range(0, len(args), 2) for out in decode(args[i], args[i + 1])]

    report = assert_parity(fn, inputs, rtol=0, atol=1e-12, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"CTCGreedyDecoder": len(cases)}


def test_ties_and_nan_pick_classes_as_tf(tf, rng):
    """Ties go to the first class; a NaN never wins a comparison (a leading NaN keeps class 0)."""
    x = np.zeros((6, 3, 4), np.float32)
    x[:, 0, 1] = x[:, 0, 2] = 1.0  # tie between 1 and 2
    x[0, 1, 0] = np.nan  # NaN first logit: class 0, log-prob NaN
    x[1:, 1, 3] = np.nan
    x[1:, 1, 2] = 2.0
    x[:, 2] = rng.standard_normal((6, 4))
    report = assert_parity(
        greedy(tf, True, 0), [x, np.array([6, 6, 4], np.int32)], rtol=0, atol=1e-6, runtimes=RUNTIMES
    )
    _, values, shape, log_prob = report.outputs
    assert values.shape[0] > 0 and shape.shape == (2,) and log_prob.shape == (3, 1)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_one_model_many_batches_and_lengths(tf, rng, runtime):
    fn = tf.function(
        greedy(tf),
        input_signature=[tf.TensorSpec([None, None, 5], tf.float32), tf.TensorSpec([None], tf.int32)],
    )
    model = opbridge.convert(fn)
    for time, batch in [(10, 3), (4, 1), (30, 8)]:
        x = logits_with_repeats(rng, time, batch, 5, np.float32)
        seq = rng.integers(0, time + 1, batch).astype(np.int32)
        got = run_tflite(model, {"logits": x, "lengths": seq}, runtime)
        want = fn(x, seq)
        for name, w in zip(["output_0", "output_1", "output_2", "output_3"], want, strict=True):
            np.testing.assert_allclose(got[name], w.numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_in_tf(tf, rng, runtime):
    fn = tf.function(
        greedy(tf, True, 3),
        input_signature=[tf.TensorSpec([None, None, None], tf.float32), tf.TensorSpec([None], tf.int32)],
    )
    model = opbridge.convert(fn)
    x = rng.standard_normal((4, 2, 5)).astype(np.float32)
    cases = [
        ({"logits": x, "lengths": np.array([5, 1], np.int32)}, r"sequence_length\(0\) <= 4"),
        ({"logits": x, "lengths": np.array([1, 1, 1], np.int32)}, r"len\(sequence_length\) != batch_size"),
        (
            {"logits": x[:, :, :3], "lengths": np.array([1, 1], np.int32)},
            r"blank_index expected to be between -3",
        ),
        ({"logits": x[:0], "lengths": np.array([0, 0], np.int32)}, r"inputs must not be empty"),
    ]
    for inputs, message in cases:
        with pytest.raises(RuntimeError, match="CTCGreedyDecoder: " + message):
            run_tflite(model, inputs, runtime)
        with pytest.raises(
            (tf.errors.InvalidArgumentError, tf.errors.FailedPreconditionError), match=message
        ):
            fn(inputs["logits"], inputs["lengths"])
