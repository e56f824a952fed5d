"""StringNGrams (tf.strings.ngrams; Keras TextVectorization's ngrams): the TFLite kernel against TF's
own, exactly: widths, fixed and dynamic padding, pads wider than width - 1, preserve_short_sequences
(also with no widths at all), separators with NUL bytes and multi-byte UTF-8, empty rows, empty data
and splits, int32 and int64 splits, tf.strings.ngrams as users call it, TF's errors and the output
size limit."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite
from string_parity import check_cases, strings

# (ngram_widths, left_pad, right_pad, pad_width, preserve_short_sequences, separator)
CONFIGS = [
    ([1], "", "", 0, False, " "),
    ([2, 3], "", "", 0, False, " "),
    ([1, 2, 3], "<s>", "</s>", -1, False, "_"),
    ([3], "L", "R", 1, False, " "),
    ([4], "L", "R", 2, True, "::"),
    ([5], "", "", 0, True, ""),
    ([2], "\x00", "\u00e9", -1, True, "\x00sep"),
    ([], "L", "R", 1, True, " "),
    ([3, 1], "L", "R", 5, False, "+"),
    ([6], "L", "", -1, False, "-"),
]
TOKENS = [b"a", b"bb", b"", b"c\x00c", b"d\xc3\xa9", b"e", b"f", b"g"]
CASES = [  # (data, splits): ragged rows, empty rows, one long row, no data, no splits
    (TOKENS, [0, 2, 2, 5, 8]),
    (TOKENS, [0, 8]),
    (TOKENS[:1], [0, 0, 1, 1]),
    ([], [0]),
    ([], [0, 0, 0]),
    ([], []),
    (TOKENS[:3], []),
]


def ngrams_model(tf, splits_dtype):
    def fn(data, splits):
        out = {}
        for k, (widths, left, right, pad, preserve, sep) in enumerate(CONFIGS):
            ngrams, ngram_splits = tf.raw_ops.StringNGrams(
                data=data,
                data_splits=splits,
                separator=sep,
                ngram_widths=widths,
                left_pad=left,
                right_pad=right,
                pad_width=pad,
                preserve_short_sequences=preserve,
            )
            out.update({f"ngrams_{k}": ngrams, f"splits_{k}": ngram_splits})
        return out

    sig = [
        tf.TensorSpec([None], tf.string, name="input_0"),
        tf.TensorSpec([None], splits_dtype, name="input_1"),
    ]
    f = tf.function(fn, input_signature=sig)
    return f, opbridge.convert(f)


@pytest.mark.parametrize("splits_dtype", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_every_config(tf, splits_dtype):
    f, model = ngrams_model(tf, tf.as_dtype(splits_dtype))
    assert tflite_model.custom_op_counts(model) == {"StringNGrams": len(CONFIGS)}
    check_cases(f, model, [(strings(d), np.array(s, splits_dtype)) for d, s in CASES])


def test_tf_strings_ngrams_as_users_call_it(tf):
    """TextVectorization's ngrams=(1, 2, 3) over whitespace tokens, and ngrams with padding and
    preserve_short_sequences, on the ragged result of tf.strings.split."""

    def fn(s):
        tokens = tf.strings.split(s)
        a = tf.strings.ngrams(tokens, ngram_width=(1, 2, 3), separator=" ")
        b = tf.strings.ngrams(
            tokens, 4, pad_values=("<s>", "</s>"), padding_width=1, preserve_short_sequences=True
        )
        return {
            "a_values": a.values,
            "a_splits": a.row_splits,
            "b_values": b.values,
            "b_splits": b.row_splits,
        }

    f = tf.function(fn, input_signature=[tf.TensorSpec([None], tf.string, name="input_0")])
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model).get("StringNGrams") == 2
    texts = [b"the quick brown fox", b"", b"one", b"  two words ", b"h\xc3\xa9 \x00 z"]
    check_cases(f, model, [(strings(texts),), (strings(texts[2:3]),)])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    """Non-positive widths, bad splits, and preserve_short_sequences with no widths and a dynamic pad:
    TF's kernel errors, so do we, with TF's texts."""

    def fn(data, splits):
        return {
            "good": tf.raw_ops.StringNGrams(
                data=data,
                data_splits=splits,
                separator=" ",
                ngram_widths=[2],
                left_pad="",
                right_pad="",
                pad_width=0,
                preserve_short_sequences=False,
            )[0],
        }

    sig = [tf.TensorSpec([None], tf.string, name="input_0"), tf.TensorSpec([None], tf.int64, name="input_1")]
    f = tf.function(fn, input_signature=sig)
    model = opbridge.convert(f)
    data = strings([b"a", b"b", b"c"])
    for splits, message in (
        ([1, 3], "First split value must be 0, got 1"),
        ([0, 3, 2], r"Invalid split value 2, must be in \[3, 3\]"),
        ([0, 9], r"Invalid split value 9, must be in \[0, 3\]"),
        ([0, 2], "Last split value must be data size. Expected 3, got 2"),
    ):
        s = np.array(splits, np.int64)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(data, s)
        with pytest.raises(RuntimeError, match=f"StringNGrams: {message}"):
            run_tflite(model, [data, s], runtime)

    for widths, pad, message in (
        ([0], 0, "ngram_widths must contain positive values"),
        ([2, -1], 0, "ngram_widths must contain positive values"),
        ([], -1, "Pad width should be >= 0 when preserve_short_sequences is True and ngram_widths are not"),
    ):

        def bad(data, splits, widths=widths, pad=pad):
            return tf.raw_ops.StringNGrams(
                data=data,
                data_splits=splits,
                separator=" ",
                ngram_widths=widths,
                left_pad="",
                right_pad="",
                pad_width=pad,
                preserve_short_sequences=True,
            )[0]

        g = tf.function(bad, input_signature=sig)
        bad_model = opbridge.convert(g)
        s = np.array([0, 3], np.int64)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            g(data, s)
        with pytest.raises(RuntimeError, match=f"StringNGrams: {message}"):
            run_tflite(bad_model, [data, s], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_outputs_too_large_for_tflite_are_refused(tf, runtime):
    """A width of 2^30 with a dynamic pad makes 2^30 ngrams of one token; a width of 20000 with a
    1000-byte separator makes 4e11 bytes: both are refused before anything is built, naming the op
    and the output (TF would try to allocate them)."""
    sig = [tf.TensorSpec([None], tf.string, name="input_0"), tf.TensorSpec([None], tf.int64, name="input_1")]
    for width, sep in ((2**30, " "), (20000, "x" * 1000)):

        def fn(data, splits, width=width, sep=sep):
            return tf.raw_ops.StringNGrams(
                data=data,
                data_splits=splits,
                separator=sep,
                ngram_widths=[width],
                left_pad="<",
                right_pad=">",
                pad_width=-1,
                preserve_short_sequences=False,
            )[0]

        model = opbridge.convert(tf.function(fn, input_signature=sig))
        with pytest.raises(RuntimeError, match=r"StringNGrams: output 'ngrams' would hold \d+ strings"):
            run_tflite(model, [strings([b"a"]), np.array([0, 1], np.int64)], runtime)
