"""StringSplitV2 (tf.strings.split) and StringSplit (tf.compat.v1.string_split, tf.strings.bytes_split):
the TFLite kernels against TF's own, exactly: whitespace and separator splitting, maxsplit (TF's
trailing-rest quirk), character-set delimiters, skip_empty, empty and all-whitespace strings,
multi-byte UTF-8, NUL bytes, empty batches, ragged results as users get them, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite
from string_parity import check_cases, strings

TEXTS = [
    b"",
    b"   ",
    b"a",
    b"hello world",
    b"  lead and  trail  ",
    b"\t\n\v\f\rtab\tnew\nline\r",
    b"a,,b,",
    b",",
    b"1<>2<>3<>",
    b"<><>",
    b"h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x83em-space\xc2\xa0nbsp",
    b"nul\x00byte here\x00 \x00x",
    b"\xff\xfe ill-formed \x80",
    b"a b c d e f",
    b"ab ab aab",
]
MAXSPLITS = (-1, 0, 1, 2, -7)
# Fed at run time. A separator ending in NUL cannot be fed (the Python runtimes drop trailing NULs of
# inputs): those are constants of the graph (NUL_SEPARATORS).
SEPARATORS = [b"", b" ", b",", b"<>", b"\x00x", b"\xc3\xa9", b"ab", b"a b c d e f g"]
NUL_SEPARATORS = [b"\x00", b"e\x00"]


def signature(tf, *specs):
    return [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]


def one(value: bytes) -> np.ndarray:
    """A scalar string fed as a [1] vector (the graph reshapes it): the Python runtimes' set_tensor
    writes a 0-d object array holding b"" as 8 bytes of a pointer, not as an empty string."""
    return strings([value])


def test_split_v2_every_separator_and_maxsplit(tf):
    """One model, the separator a run-time input, each maxsplit a node; every text in one batch."""

    def fn(s, sep):
        sep = tf.reshape(sep, [])
        out = {}
        for m in MAXSPLITS:
            indices, values, shape = tf.raw_ops.StringSplitV2(input=s, sep=sep, maxsplit=m)
            out.update({f"indices_{m}": indices, f"values_{m}": values, f"shape_{m}": shape})
        for k, const in enumerate(NUL_SEPARATORS):
            indices, values, shape = tf.raw_ops.StringSplitV2(input=s, sep=tf.constant(const), maxsplit=-1)
            out.update({f"nul_indices_{k}": indices, f"nul_values_{k}": values, f"nul_shape_{k}": shape})
        return out

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string), ([1], tf.string)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"StringSplitV2": len(MAXSPLITS) + len(NUL_SEPARATORS)}
    batch = strings(TEXTS)
    cases = [(batch, one(sep)) for sep in SEPARATORS]
    cases += [(strings(TEXTS[i : i + 1]), one(b"")) for i in range(len(TEXTS))]  # one row each
    cases += [(strings([]), one(b" ")), (strings([b"", b""]), one(b","))]
    check_cases(f, model, cases)


def test_tf_strings_split_as_users_call_it(tf):
    """tf.strings.split's ragged result (default whitespace, a separator with maxsplit) on rank 1 and
    rank 2 batches, read back as values and row splits."""

    def fn(s, m):
        a = tf.strings.split(s)
        b = tf.strings.split(s, sep=",", maxsplit=1)
        c = tf.strings.split(m)
        return {
            "a_values": a.values,
            "a_splits": a.row_splits,
            "b_values": b.values,
            "b_splits": b.row_splits,
            "c_values": c.flat_values,
            "c_splits": c.nested_row_splits[-1],
        }

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string), ([None, None], tf.string)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model).get("StringSplitV2") == 3
    grid = strings([[b"the quick  brown", b" fox "], [b"", b"jumps over\tthe lazy dog"]])
    check_cases(f, model, [(strings(TEXTS), grid), (strings([b"x,y,z", b"  "]), grid[:1])])


def test_split_v1_delimiters_and_skip_empty(tf):
    """StringSplit: empty delimiter (bytes), one byte, a set of bytes, NUL; skip_empty both ways."""

    def fn(s, delimiter):
        delimiter = tf.reshape(delimiter, [])
        out = {}
        for skip in (True, False):
            indices, values, shape = tf.raw_ops.StringSplit(input=s, delimiter=delimiter, skip_empty=skip)
            out.update({f"indices_{skip}": indices, f"values_{skip}": values, f"shape_{skip}": shape})
            for k, const in enumerate(NUL_SEPARATORS):
                indices, values, shape = tf.raw_ops.StringSplit(
                    input=s, delimiter=tf.constant(const), skip_empty=skip
                )
                out.update(
                    {
                        f"nul_{k}_{skip}": indices,
                        f"nul_values_{k}_{skip}": values,
                        f"nul_shape_{k}_{skip}": shape,
                    }
                )
        return out

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string), ([1], tf.string)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"StringSplit": 2 + 2 * len(NUL_SEPARATORS)}
    batch = strings(TEXTS)
    delimiters = [b"", b",", b", ", b"<>", b"\x00,", b" \t", b"\xc3\xa9", b"abc"]
    check_cases(f, model, [(batch, one(d)) for d in delimiters] + [(strings([]), one(b","))])


def test_bytes_split_as_users_call_it(tf):
    """tf.strings.bytes_split (keras-hub's BPE): StringSplit with an empty delimiter, skip_empty
    false, one token per byte (multi-byte UTF-8 split into bytes), on rank 1 and rank 0."""

    def fn(s, scalar):
        r = tf.strings.bytes_split(s)
        return {
            "values": r.values,
            "splits": r.row_splits,
            "scalar": tf.strings.bytes_split(tf.reshape(scalar, [])),
        }

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string), ([1], tf.string)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model).get("StringSplit") == 2
    check_cases(f, model, [(strings(TEXTS), one(b"h\xc3\xa9\x00!")), (strings([b"", b"ab"]), one(b""))])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    """A non-vector input and a non-scalar separator: TF's kernel refuses them, so do we."""
    for op, sep_name in (("StringSplitV2", "sep"), ("StringSplit", "delimiter")):
        raw = getattr(tf.raw_ops, op)
        with pytest.raises(tf.errors.InvalidArgumentError, match="input must be a vector, got shape"):
            raw(**{"input": [[b"a b"]], sep_name: b" "})
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"{sep_name} must be a scalar, got shape"):
            raw(**{"input": [b"a b"], sep_name: [b" "]})
        for in_shape, sep_shape, message in (
            ([1, 1], [], r"input must be a vector, got shape: \[1, 1\]"),
            ([1], [1], rf"{sep_name} must be a scalar, got shape: \[1\]"),
        ):
            model = tflite_model.single_custom_op_model(
                op,
                [("input", in_shape, np.object_), (sep_name, sep_shape, np.object_)],
                [("indices", [0, 2], np.int64), ("values", [0], np.object_), ("shape", [2], np.int64)],
            )
            feed = [np.full(in_shape, b"a b", dtype=object), np.full(sep_shape, b" ", dtype=object)]
            with pytest.raises(RuntimeError, match=f"{op}: {message}"):
                run_tflite(model, feed, runtime)
