"""StringLength and Substr (tf.strings.length / tf.strings.substr): the TFLite kernels against TF's
own, exactly: BYTE and UTF8_CHAR units on valid and ill-formed UTF-8 and NUL bytes; Substr's scalar,
elementwise and broadcast (1-D and 2-D) paths with int32 and int64 pos/len, negative positions,
negative and long lengths, and TF's out-of-range and shape errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite
from string_parity import check_cases, strings

TEXTS = [
    b"",
    b"a",
    b"hello",
    b"h\xc3\xa9llo",
    b"\xe2\x82\xac\xf0\x9f\x98\x80!",
    b"\x00n\x00l",
    b"\x80\x80a\xc3",
    b"\xff",
]


def spec(tf, i, shape, dtype):
    return tf.TensorSpec(shape, dtype, name=f"input_{i}")


def test_string_length_both_units(tf):
    def fn(s):
        return {"bytes": tf.strings.length(s), "chars": tf.strings.length(s, unit="UTF8_CHAR")}

    f = tf.function(fn, input_signature=[spec(tf, 0, [None, None], tf.string)])
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"StringLength": 2}
    grid = strings([TEXTS[:4], TEXTS[4:]])
    check_cases(f, model, [(grid,), (grid[:0],), (grid.T[:1],)])


UNITS = ["BYTE", "UTF8_CHAR"]
POSITIONS = [0, 1, 2, 5, -1, -2, -5, 7]
LENGTHS = [0, 1, 3, 100, -1, -3]
SUBSTR_TEXTS = [b"hello", b"h\xc3\xa9l\xe2\x82\xaco!", b"\x80\x80ab\xc3"]


@pytest.mark.parametrize("dtype", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_substr_scalar_and_elementwise(tf, dtype):
    """Scalar pos/len over every string (each (pos, len) pair a case: TF and we must both succeed or
    both fail with TF's text), and elementwise pos/len."""
    t = tf.as_dtype(dtype)

    def fn(s, pos, length):
        return {u: tf.strings.substr(s, pos, length, unit=u) for u in UNITS}

    f = tf.function(
        fn, input_signature=[spec(tf, 0, [None], tf.string), spec(tf, 1, [], t), spec(tf, 2, [], t)]
    )
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"Substr": 2}
    s = strings(SUBSTR_TEXTS)
    for unit in UNITS:
        one = tf.function(
            lambda s, p, n, unit=unit: tf.strings.substr(s, p, n, unit=unit),
            input_signature=[spec(tf, 0, [None], tf.string), spec(tf, 1, [], t), spec(tf, 2, [], t)],
        )
        one_model = opbridge.convert(one)
        for p in POSITIONS:
            for n in LENGTHS:
                args = [s, np.array(p, dtype), np.array(n, dtype)]
                try:
                    want = one(*args).numpy()
                except tf.errors.InvalidArgumentError as e:
                    # TF's text without the graph's "{{function_node ...}} " prefix and node suffix.
                    message = re.sub(r"^\{\{function_node [^}]*\}\} ", "", e.message.split("\n")[0])
                    for runtime in RUNTIMES:
                        with pytest.raises(RuntimeError) as info:
                            run_tflite(one_model, args, runtime)
                        assert f"Substr: {message}" in str(info.value), (unit, p, n, runtime, str(info.value))
                    continue
                for runtime in RUNTIMES:
                    (got,) = run_tflite(one_model, args, runtime).values()
                    assert got.tolist() == want.tolist(), (unit, p, n, runtime)
    check_cases(
        f,
        model,
        [(s, np.array(0, dtype), np.array(2, dtype)), (s[:0], np.array(1, dtype), np.array(1, dtype))],
    )

    g = tf.function(
        fn, input_signature=[spec(tf, 0, [None], tf.string), spec(tf, 1, [None], t), spec(tf, 2, [None], t)]
    )
    elementwise = opbridge.convert(g)
    check_cases(
        g,
        elementwise,
        [
            (s, np.array([1, -2, 0], dtype), np.array([2, 1, -1], dtype)),
            (s, np.array([5, 0, 2], dtype), np.array([0, 9, 1], dtype)),
        ],
    )


def test_substr_broadcast(tf):
    """Broadcasting beyond TF's scalar and same-shape paths: strings [n, 1] against pos/len [m],
    strings [n] against [k, n], a scalar string against a vector."""

    def fn(s2, p1, n1, s1, p2, n2, s0, p3, n3):
        out = {}
        for u in UNITS:
            out[f"a_{u}"] = tf.strings.substr(s2, p1, n1, unit=u)
            out[f"b_{u}"] = tf.strings.substr(s1, p2, n2, unit=u)
            out[f"c_{u}"] = tf.strings.substr(s0, p3, n3, unit=u)
        return out

    i = tf.int64
    sig = [spec(tf, 0, [None, None], tf.string), spec(tf, 1, [None], i), spec(tf, 2, [None], i)]
    sig += [spec(tf, 3, [None], tf.string), spec(tf, 4, [None, None], i), spec(tf, 5, [None, None], i)]
    sig += [spec(tf, 6, [], tf.string), spec(tf, 7, [None], i), spec(tf, 8, [None], i)]
    f = tf.function(fn, input_signature=sig)
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"Substr": 6}
    s = strings(SUBSTR_TEXTS)
    args = [
        s.reshape(3, 1),
        np.array([0, 1, -2, 3], np.int64),
        np.array([1, 2, 5, -1], np.int64),
        s,
        np.array([[0, 1, 2], [-1, -2, 0]], np.int64),
        np.array([[2, 2, 2], [1, 0, 9]], np.int64),
        strings(b"h\xc3\xa9llo"),
        np.array([0, 2, 4], np.int64),
        np.array([3, 1, -1], np.int64),
    ]
    check_cases(f, model, [args])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_substr_errors_as_tf(tf, runtime):
    """Out-of-range pos in each path (TF's texts, 2-D indices in the broadcast path), pos/len of
    different shapes, incompatible broadcast and broadcast beyond rank 2."""
    i = tf.int32
    for shapes, args, message in (
        (([None], [], []), [strings([b"ab", b"c"]), 3, 1], r"pos 3 out of range for string b'ab' at index 0"),
        (
            ([None], [None], [None]),
            [strings([b"ab", b"c"]), [0, -2], [1, 1]],
            r"pos -2 out of range for string b'c' at index 1",
        ),
        (
            ([None, None], [None], [None]),
            [strings([[b"ab"], [b"c"]]), [0, 2], [1, 1]],
            r"pos 2 out of range for string b'c' at index \(1, 1\)",
        ),
        (
            ([None], [None], [None]),
            [strings([b"ab", b"c"]), [0], [1, 1]],
            r"pos and len should have the same shape",
        ),
        (
            ([None], [None], [None]),
            [strings([b"ab", b"c"]), [0, 0, 0], [1, 1, 1]],
            r"Incompatible shapes: \[2\] vs. \[3\]",
        ),
        (
            ([None, None, None], [None], [None]),
            [strings([[[b"ab"], [b"c"]]]), [0, 0], [1, 1]],
            r"Substr broadcast not implemented for 3 dimensions",
        ),
    ):
        f = tf.function(
            lambda s, p, n: tf.strings.substr(s, p, n),
            input_signature=[
                spec(tf, 0, shapes[0], tf.string),
                spec(tf, 1, shapes[1], i),
                spec(tf, 2, shapes[2], i),
            ],
        )
        model = opbridge.convert(f)
        feed = [args[0], np.array(args[1], np.int32), np.array(args[2], np.int32)]
        with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
            f(*feed)
        with pytest.raises(RuntimeError, match=f"Substr: {message}"):
            run_tflite(model, feed, runtime)


@pytest.mark.parametrize("dtype", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_substr_extreme_positions_and_lengths(tf, dtype):
    """pos and len at the dtype's limits, where TF's `-pos - len` overflows: TF's build behaves as if
    computed exactly, and so do we; each pair gives TF's string or fails as TF does."""
    info = np.iinfo(dtype)
    values = [int(info.min), int(info.min) + 1, -3, -1, 0, 2, int(info.max) - 1, int(info.max)]
    t = tf.as_dtype(dtype)
    s = strings([b"h\xc3\xa9llo", b""])
    for unit in UNITS:
        f = tf.function(
            lambda s, p, n, unit=unit: tf.strings.substr(s, p, n, unit=unit),
            input_signature=[spec(tf, 0, [None], tf.string), spec(tf, 1, [], t), spec(tf, 2, [], t)],
        )
        model = opbridge.convert(f)
        for p in values:
            for n in values:
                args = [s, np.array(p, dtype), np.array(n, dtype)]
                try:
                    want: list | None = f(*args).numpy().tolist()
                except tf.errors.InvalidArgumentError:
                    want = None
                for runtime in RUNTIMES:
                    try:
                        got: list | None = run_tflite(model, args, runtime)["output_0"].tolist()
                    except RuntimeError as e:
                        assert "Substr: pos" in str(e), str(e)
                        got = None
                    assert got == want, (unit, p, n, runtime, got, want)
