"""CTCBeamSearchDecoder: TFLite kernel vs TF's kernel (tf.nn.ctc_beam_search_decoder): list outputs
(3 * top_paths + 1 tensors), every attr, both dtypes, ties, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest
from flatbuffers import flexbuffers

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite


def beam_search(tf, beam_width, top_paths, merge_repeated=True):
    def fn(logits, lengths):
        decoded, log_prob = tf.compat.v1.nn.ctc_beam_search_decoder(
            logits, lengths, beam_width=beam_width, top_paths=top_paths, merge_repeated=merge_repeated
        )
        return [t for s in decoded for t in (s.indices, s.values, s.dense_shape)] + [log_prob]

    return fn


ATTRS = [(1, 1, True), (2, 2, False), (4, 3, True), (10, 4, False), (25, 1, True)]


@pytest.mark.parametrize(("beam_width", "top_paths", "merge_repeated"), ATTRS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_beam_search_matches_tf(tf, rng, dtype, beam_width, top_paths, merge_repeated):
    logits = rng.standard_normal((12, 5, 4)).astype(dtype) * 2
    lengths = np.array([12, 7, 3, 12, 5], np.int32)
    report = assert_parity(
        beam_search(tf, beam_width, top_paths, merge_repeated),
        [logits, lengths],
        rtol=0,
        atol=0,
        runtimes=RUNTIMES,
    )
    assert tflite_model.custom_op_counts(report.model) == {"CTCBeamSearchDecoder": 1}
    assert len(report.outputs) == 3 * top_paths + 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ties_and_many_classes_as_tf(tf, rng, dtype):
    """Quantized logits make beam probabilities tie: the beam container and its sorts must
    resolve them as TF's gtl::TopN does."""
    for logits in [
        np.zeros((6, 2, 5), dtype),
        np.round(rng.standard_normal((20, 3, 8)) * 2).astype(dtype),
        rng.standard_normal((30, 2, 40)).astype(dtype),
    ]:
        lengths = np.full(logits.shape[1], logits.shape[0], np.int32)
        assert_parity(beam_search(tf, 8, 3), [logits, lengths], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_one_model_many_batches_and_lengths(tf, rng, runtime):
    fn = tf.function(
        beam_search(tf, 5, 2),
        input_signature=[tf.TensorSpec([None, None, 6], tf.float32), tf.TensorSpec([None], tf.int32)],
    )
    model = opbridge.convert(fn)
    for time, batch in [(10, 3), (4, 1), (25, 6)]:
        logits = rng.standard_normal((time, batch, 6)).astype(np.float32)
        lengths = rng.integers(1, time + 1, batch).astype(np.int32)
        got = run_tflite(model, {"logits": logits, "lengths": lengths}, runtime)
        for i, want in enumerate(fn(logits, lengths)):
            np.testing.assert_array_equal(got[f"output_{i}"], want.numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_in_tf(tf, rng, runtime):
    logits = rng.standard_normal((4, 2, 5)).astype(np.float32)
    cases = [
        (2, 3, [4, 4], "requested more paths than the beam width"),
        (4, 2, [0, 4], "Less leaves in the beam search than requested"),
        (4, 1, [5, 1], r"sequence_length\(0\) <= 4"),
        (4, 1, [1, 1, 1], r"len\(sequence_length\) != batch_size"),
    ]
    for beam_width, top_paths, lengths, message in cases:
        fn = tf.function(
            beam_search(tf, beam_width, top_paths),
            input_signature=[tf.TensorSpec([None, None, 5], tf.float32), tf.TensorSpec([None], tf.int32)],
        )
        inputs = {"logits": logits, "lengths": np.array(lengths, np.int32)}
        with pytest.raises(RuntimeError, match="CTCBeamSearchDecoder: " + message):
            run_tflite(opbridge.convert(fn), inputs, runtime)
        with pytest.raises(
            (tf.errors.InvalidArgumentError, tf.errors.FailedPreconditionError), match=message
        ):
            fn(**inputs)


def beam_model(outputs, options):
    return tflite_model.single_custom_op_model(
        "CTCBeamSearchDecoder",
        [("inputs", [3, 1, 4], np.float32), ("sequence_length", [1], np.int32)],
        [(f"out_{i}", [1], np.int64) for i in range(outputs - 1)] + [("log_probability", [1, 1], np.float32)],
        options=flexbuffers.Dumps(options),
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_list_outputs_are_checked_against_the_node(runtime):
    """top_paths sets how many outputs the node must have: 3 * top_paths + 1."""
    inputs = {"inputs": np.zeros((3, 1, 4), np.float32), "sequence_length": np.array([3], np.int32)}
    cases = [
        (beam_model(4, {"beam_width": 4, "top_paths": 2}), "expects 7 outputs, the node has 4"),
        (
            beam_model(4, {"beam_width": 4, "top_paths": 1 << 20}),
            "attr 'top_paths' is 1048576, not a valid length",
        ),
        (beam_model(4, {"beam_width": 0, "top_paths": 1}), "attr 'beam_width' is 0, must be >= 1"),
    ]
    for model, message in cases:
        with pytest.raises(RuntimeError, match="CTCBeamSearchDecoder: " + message):
            run_tflite(model, inputs, runtime)
    outputs = run_tflite(beam_model(4, {"beam_width": 4, "top_paths": 1}), inputs, runtime)
    assert outputs["log_probability"].shape == (1, 1)
