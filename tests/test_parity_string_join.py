"""StringJoin, ReduceJoin and UnsortedSegmentJoin (tf.strings.join / reduce_join /
unsorted_segment_join): the TFLite kernels against TF's own, exactly: scalars repeated among
same-shape inputs, separators with NUL bytes (whole for StringJoin and ReduceJoin, cut at the NUL by
UnsortedSegmentJoin, as TF 2.21 does), ReduceJoin's axis-order join order, keep_dims, empty axes,
UnsortedSegmentJoin's empty-piece quirk and ranked segment ids, int32/int64 indices, empty tensors,
the calls as users write them, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite
from string_parity import check_cases, strings

WORDS = [b"", b"a", b"h\xc3\xa9", b"n\x00l", b"  ", b"xyz"]


def spec(tf, i, shape, dtype):
    return tf.TensorSpec(shape, dtype, name=f"input_{i}")


def test_string_join(tf):
    """N = 1, 2, 3 with scalars among vectors, all scalars, rank 2, separators "", "-", "x\\0y"."""

    def fn(a, b, c, m):
        c = tf.reshape(c, [])  # fed as [1]: the Python runtimes cannot feed a scalar b""
        return {
            "ab": tf.strings.join([a, b]),
            "acb": tf.strings.join([a, c, b], separator="-"),
            "cc": tf.strings.join([c, c], separator="x\x00y"),
            "a": tf.strings.join([a], separator="!"),
            "mcm": tf.strings.join([m, c, m], separator=", "),
        }

    sig = [spec(tf, 0, [None], tf.string), spec(tf, 1, [None], tf.string), spec(tf, 2, [1], tf.string)]
    sig.append(spec(tf, 3, [None, None], tf.string))
    f = tf.function(fn, input_signature=sig)
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"StringJoin": 5}
    a, b = strings(WORDS), strings(WORDS[::-1])
    m = strings([WORDS[:3], WORDS[3:]])
    check_cases(
        f,
        model,
        [
            (a, b, strings([b"\xe2\x82\xac"]), m),
            (a[:0], b[:0], strings([b""]), m[:0]),
            (a[:1], b[:1], strings([b""]), m.T),
        ],
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_string_join_shape_mismatch_as_tf(tf, runtime):
    def fn(a, b):
        return tf.strings.join([a, b])

    sig = [spec(tf, 0, [None], tf.string), spec(tf, 1, [None], tf.string)]
    f = tf.function(fn, input_signature=sig)
    model = opbridge.convert(f)
    a, b = strings([b"a", b"b"]), strings([b"c", b"d", b"e"])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input shapes do not match"):
        f(a, b)
    with pytest.raises(RuntimeError, match=r"StringJoin: Input shapes do not match: \[2\] vs. \[3\]"):
        run_tflite(model, [a, b], runtime)


AXES = [[], [0], [1], [-1], [0, 1], [1, 0], [2, 0, 1], [0, 1, 2], [-1, 0]]


def test_reduce_join_axes_order_keep_dims_and_empty(tf):
    """Axes as a run-time input: every order (the first listed axis varies fastest), keep_dims, and
    shapes with an empty axis, reduced or kept."""

    def fn(x, axes):
        out = {}
        for keep in (False, True):
            for k, sep in enumerate(("", ", ", "\x00|")):
                out[f"keep{keep}_{k}"] = tf.raw_ops.ReduceJoin(
                    inputs=x, reduction_indices=axes, keep_dims=keep, separator=sep
                )
        return out

    f = tf.function(
        fn, input_signature=[spec(tf, 0, [None, None, None], tf.string), spec(tf, 1, [None], tf.int32)]
    )
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"ReduceJoin": 6}
    x = strings([[[f"{i}{j}{k}".encode() for k in range(4)] for j in range(3)] for i in range(2)])
    x[0, 1, 2] = b""
    x[1, 0, 0] = b"\xc3\xa9\x00z"  # no trailing NUL: the Python runtimes drop those of inputs
    cases = [(x, np.array(a, np.int32)) for a in AXES]
    for shape in ((0, 3, 2), (2, 0, 3), (1, 1, 1)):
        empty = strings(np.full(shape, b"s", dtype=object))
        cases += [(empty, np.array(a, np.int32)) for a in ([1], [0, 2], [])]
    check_cases(f, model, cases)


def test_reduce_join_as_users_call_it(tf):
    """tf.strings.reduce_join with axis=None (all axes), axis=-1 with keepdims, and on a ragged
    result of tf.strings.split (GPT-2's BPE joins words back)."""

    def fn(x, s):
        words = tf.strings.split(s)
        return {
            "all": tf.strings.reduce_join(x, separator="+"),
            "last": tf.strings.reduce_join(x, axis=-1, keepdims=True, separator=" "),
            "ragged": tf.strings.reduce_join(words, axis=-1, separator="_"),
        }

    f = tf.function(
        fn, input_signature=[spec(tf, 0, [None, None], tf.string), spec(tf, 1, [None], tf.string)]
    )
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model).get("ReduceJoin", 0) >= 2
    x = strings([WORDS[:3], WORDS[3:]])
    check_cases(f, model, [(x, strings([b"a b  c", b"", b" d "])), (x[:, :1], strings([b"one"]))])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_reduce_join_errors_as_tf(tf, runtime):
    f = tf.function(
        lambda x, axes: tf.raw_ops.ReduceJoin(inputs=x, reduction_indices=axes),
        input_signature=[spec(tf, 0, [None, None, None], tf.string), spec(tf, 1, [None], tf.int32)],
    )
    model = opbridge.convert(f)
    x = strings(np.full((2, 1, 3), b"s", dtype=object))
    for axes, error, message in (
        ([3], tf.errors.OutOfRangeError, r"Invalid reduction dimension 3 for input with 3 dimension\(s\)"),
        (
            [0, -4],
            tf.errors.OutOfRangeError,
            r"Invalid reduction dimension -4 for input with 3 dimension\(s\)",
        ),
        ([1, -2], tf.errors.InvalidArgumentError, "Duplicate reduction dimension -2"),
    ):
        a = np.array(axes, np.int32)
        with pytest.raises(error, match=message):
            f(x, a)
        with pytest.raises(RuntimeError, match=f"ReduceJoin: {message}"):
            run_tflite(model, [x, a], runtime)
    # An input of no elements can still have a huge kept dim: the output TFLite could not hold is
    # refused before it is allocated (TF would build 2^30 empty strings).
    empty = np.zeros((2**30, 0, 1), dtype=object)
    with pytest.raises(RuntimeError, match=r"ReduceJoin: output 'output' would hold 1073741824 strings"):
        run_tflite(model, [empty, np.array([1], np.int32)], runtime)


INDEX = [np.int32, np.int64]


@pytest.mark.parametrize("num_dtype", INDEX, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("ids_dtype", INDEX, ids=lambda d: np.dtype(d).name)
def test_unsorted_segment_join(tf, ids_dtype, num_dtype):
    """Segment ids of rank 1 and 2 over rank-2 strings, empty segments, empty pieces swallowing the
    separator, a separator cut at its NUL, no ids at all."""
    it, nt = tf.as_dtype(ids_dtype), tf.as_dtype(num_dtype)

    def fn(x, ids, ids2, n):
        return {
            "rows": tf.strings.unsorted_segment_join(x, ids, n, separator=", "),
            "nul": tf.strings.unsorted_segment_join(x, ids, n, separator="x\x00y"),
            "cells": tf.strings.unsorted_segment_join(x, ids2, n),
        }

    sig = [spec(tf, 0, [None, None], tf.string), spec(tf, 1, [None], it), spec(tf, 2, [None, None], it)]
    sig.append(spec(tf, 3, [], nt))
    f = tf.function(fn, input_signature=sig)
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"UnsortedSegmentJoin": 3}
    x = strings([[b"", b"a"], [b"b", b""], [b"h\xc3\xa9", b"\x00z"], [b"", b""]])
    ids = np.array([2, 0, 2, 0], ids_dtype)
    ids2 = np.array([[1, 1], [0, 3], [3, 3], [1, 0]], ids_dtype)
    check_cases(
        f,
        model,
        [
            (x, ids, ids2, np.array(4, num_dtype)),
            (x, ids, ids2, np.array(6, num_dtype)),
            (x[:0], ids[:0], ids2[:0], np.array(2, num_dtype)),
            (x[:, :0], ids, ids2[:, :0], np.array(3, num_dtype)),
        ],
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_unsorted_segment_join_errors_as_tf(tf, runtime):
    f = tf.function(
        lambda x, ids, n: tf.raw_ops.UnsortedSegmentJoin(inputs=x, segment_ids=ids, num_segments=n),
        input_signature=[
            spec(tf, 0, [None], tf.string),
            spec(tf, 1, [None], tf.int32),
            spec(tf, 2, [], tf.int32),
        ],
    )
    model = opbridge.convert(f)
    x = strings([b"a", b"b", b"c"])
    for ids, n, message in (
        ([0, 3, 1], 3, "segment_ids are not allowed to exceed num_segments or to have negative values."),
        ([0, -1, 1], 3, "segment_ids are not allowed to exceed num_segments or to have negative values."),
        ([0, 1, 1], -1, "Number of segments must be non-negative but got -1"),
        ([0, 1], 3, "Segment dimension is 2 while input dimension is 1 in rank 0"),
    ):
        a, b = np.array(ids, np.int32), np.array(n, np.int32)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(x, a, b)
        with pytest.raises(RuntimeError, match=f"UnsortedSegmentJoin: {message}"):
            run_tflite(model, [x, a, b], runtime)
    # A num_segments whose output TFLite could not hold is refused before it is allocated.
    with pytest.raises(
        RuntimeError, match=r"UnsortedSegmentJoin: output 'output' would hold 2000000000 strings"
    ):
        run_tflite(model, [x, np.array([0, 0, 1], np.int32), np.array(2_000_000_000, np.int32)], runtime)
