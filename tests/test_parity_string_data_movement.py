"""The data-moving ops the converter leaves custom when their data is tf.string (GatherV2 past
TFLite's GATHER, ReverseV2, ConcatV2, Pack, Unpack, Transpose, Select, SelectV2, Pad, PadV2,
BroadcastTo, Split, SplitV) and Unique (string and the dtypes TFLite's UNIQUE lacks), against
TF's own kernels in both runtimes: one converted model per op family, fed several shapes by
resizing, with empty strings, multi-byte UTF-8, NUL bytes and empty dims. Exact equality."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession, run_tflite
from opbridge.source import output_values

# Empty, ASCII, NUL bytes, 2-, 3- and 4-byte UTF-8, a long one. No input ends in NUL: the
# Python runtimes' set_tensor goes through numpy bytes_, which drops trailing NULs (outputs
# keep them: the graph constants below end in one).
POOL = [
    b"",
    b"a",
    b"\x00\x00z",
    b"ab\x00c",
    b"\xc3\xa9t\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xf0\x9f\x98\x80!",
    b"x" * 70,
]


def strings(shape: Sequence[int], start: int = 0) -> np.ndarray:
    n = int(np.prod(shape))
    return np.array([POOL[(start + 3 * i) % len(POOL)] for i in range(n)], dtype=object).reshape(shape)


def check(
    tf: Any, fn: Callable[..., Any], specs: list[Any], cases: list[list[np.ndarray]], ops: dict[str, int]
):
    """Converts fn once (shapes left open), checks its custom nodes, then feeds every case to
    both runtimes (resizing the inputs) and compares each output with TF's, exactly."""
    model = opbridge.convert(tf.function(fn, input_signature=specs))
    assert tflite_model.custom_op_counts(model) == ops
    for runtime in RUNTIMES:
        session = SignatureSession(model, runtime)
        for inputs in cases:
            expected = [np.asarray(t) for t in output_values(tf, fn(*[tf.constant(a) for a in inputs]))]
            session.set_inputs(inputs)
            session.invoke()
            actual = session.outputs()
            assert len(actual) == len(expected), runtime
            for k, e in enumerate(expected):
                a = actual[f"output_{k}"]
                where = f"[{runtime}] output_{k} for input shapes {[x.shape for x in inputs]}"
                assert a.shape == e.shape, where
                if e.dtype == object:
                    assert a.tolist() == e.tolist(), where
                else:  # bit for bit: NaNs and the sign of zeros count
                    assert a.dtype == e.dtype and a.tobytes() == e.tobytes(), where


def spec(tf: Any, shape: list[int | None], dtype: Any = None) -> Any:
    return tf.TensorSpec(shape, dtype or tf.string)


def test_gather_v2(tf) -> None:
    def fn(x, i, j):
        return [
            tf.gather(x, i),  # rank-2 params: custom
            tf.gather(x, i[:1], axis=1),
            tf.gather(x, j, axis=1, batch_dims=1),
            tf.gather(x, tf.cast(j, tf.int64), axis=-1),
        ]

    specs = [spec(tf, [None, None]), spec(tf, [None], tf.int32), spec(tf, [None, None], tf.int32)]
    cases = [
        [strings((3, 4)), np.array([2, 0, 2, 1], np.int32), np.array([[3, 0], [1, 1], [0, 2]], np.int32)],
        [strings((1, 2), 5), np.array([0], np.int32), np.array([[1, 0, 1]], np.int32)],
        [strings((2, 3), 1), np.array([1, 1, 0], np.int32), np.array([[2], [0]], np.int32)],
    ]
    check(tf, fn, specs, cases, {"GatherV2": 4})


def test_reverse_v2_and_transpose(tf) -> None:
    def fn(x, y):
        return [
            tf.reverse(x, [0]),
            tf.reverse(x, [-1, 1]),
            tf.transpose(x, [2, 0, 1]),
            tf.transpose(y),
        ]

    specs = [spec(tf, [None, None, None]), spec(tf, [None, None])]
    cases = [
        [strings((2, 3, 4)), strings((3, 5), 2)],
        [strings((1, 1, 3), 4), strings((1, 1))],
        [strings((3, 2, 1), 7), strings((4, 2), 3)],
    ]
    check(tf, fn, specs, cases, {"ReverseV2": 2, "Transpose": 2})


def test_concat_pack_unpack(tf) -> None:
    def fn(x, y):
        return [
            tf.concat([x, y], 0),  # y may have no rows
            tf.concat([x, x, x[:, :1]], 1),
            tf.stack([x, x], 0),
            tf.stack([x, x[::-1]], -1),
            *tf.unstack(x, num=3, axis=1),
        ]

    specs = [spec(tf, [None, 3]), spec(tf, [None, 3])]
    cases = [
        [strings((2, 3)), strings((4, 3), 1)],
        [strings((1, 3), 3), strings((0, 3))],
        [strings((5, 3), 6), strings((1, 3), 2)],
    ]
    check(tf, fn, specs, cases, {"ConcatV2": 2, "Pack": 2, "Unpack": 1})


def test_select_and_select_v2(tf) -> None:
    def fn(c, r, x, y):
        return [
            tf.where(c, x, y),  # condition [rows, 1] broadcast over columns
            tf.where(r[:, None], x, "\u00e9\x00"),  # a scalar string broadcast
            tf.raw_ops.Select(condition=r, x=x, y=y),  # rows picked by a vector
            tf.raw_ops.Select(condition=tf.equal(x, y), x=x, y=y),  # same shapes
        ]

    specs = [
        spec(tf, [None, 1], tf.bool),
        spec(tf, [None], tf.bool),
        spec(tf, [None, None]),
        spec(tf, [None, None]),
    ]
    cases = [
        [
            np.array([[True], [False], [True]]),
            np.array([False, True, True]),
            strings((3, 4)),
            strings((3, 4), 2),
        ],
        [np.array([[False]]), np.array([True]), strings((1, 2), 1), strings((1, 2), 1)],
    ]
    check(tf, fn, specs, cases, {"SelectV2": 2, "Select": 2})


def test_pad_and_pad_v2(tf) -> None:
    # A scalar string is fed as a numpy bytes_ array (0-d object arrays are mis-fed, see
    # test_string_outputs), where b"" is one NUL byte: the empty constant is the graph's.
    def fn(x, p, c):
        return [
            tf.pad(x, [[1, 2], [0, 1]]),  # Pad: "" around
            tf.pad(x, p),  # paddings at run time
            tf.pad(x, [[0, 1], [2, 0]], constant_values=c),  # PadV2, the constant an input
            tf.pad(x, [[1, 0], [1, 1]], constant_values="\u20ac\x00"),
            tf.pad(x, [[1, 1], [0, 0]], constant_values=""),  # tf.pad makes this a Pad
        ]

    specs = [spec(tf, [None, None]), spec(tf, [2, 2], tf.int32), spec(tf, [])]
    cases = [
        [strings((2, 3)), np.array([[0, 1], [3, 0]], np.int32), np.array(b"\xf0\x9f\x98\x80")],
        [strings((1, 1), 4), np.array([[2, 2], [0, 0]], np.int32), np.array(b"-")],
        [strings((0, 2)), np.array([[1, 0], [0, 1]], np.int32), np.array(b"\x00z")],  # empty input
        [strings((3, 0)), np.array([[0, 0], [1, 1]], np.int32), np.array(b"q")],
    ]
    check(tf, fn, specs, cases, {"Pad": 3, "PadV2": 2})


def test_broadcast_to_split_split_v(tf) -> None:
    def fn(x, s, sizes):
        return [
            tf.broadcast_to(x, s),
            tf.broadcast_to(x[:1], [2, 3, 4]),
            *tf.split(x, 2, axis=1),
            *tf.split(x, [1, -1, 1], axis=1),
            *tf.split(x, sizes, axis=1),
        ]

    specs = [spec(tf, [None, 4]), spec(tf, [3], tf.int32), spec(tf, [2], tf.int32)]
    cases = [
        [strings((3, 4)), np.array([2, 3, 4], np.int32), np.array([3, 1], np.int32)],
        [strings((1, 4), 5), np.array([3, 2, 4], np.int32), np.array([1, 3], np.int32)],
        [strings((2, 4), 3), np.array([1, 2, 4], np.int32), np.array([2, 2], np.int32)],
    ]
    check(tf, fn, specs, cases, {"BroadcastTo": 2, "Split": 1, "SplitV": 2})


def test_unique_strings(tf) -> None:
    def fn(x):
        y, idx = tf.unique(x)
        y64, idx64 = tf.unique(x[::-1], out_idx=tf.int64)
        return [y, idx, y64, idx64]

    cases = [
        [
            np.array(
                [b"b", b"", b"a\x00b", b"b", b"a", b"", b"\xc3\xa9", b"a\x00b", b"\xc3\xa9"], dtype=object
            )
        ],
        [np.array([b"only"], dtype=object)],
        [strings((17,), 2)],
        [strings((0,))],  # empty: y and idx empty
    ]
    check(tf, fn, [spec(tf, [None])], cases, {"Unique": 2})


@pytest.mark.parametrize("dtype", ["float64", "float16", "bool", "uint16", "uint32", "uint64"])
def test_unique_numbers(tf, dtype: str) -> None:
    """The dtypes TFLite's UNIQUE lacks; TF's equality: for float64 -0.0 and 0.0 are one value
    (the first one's sign kept) and each NaN its own; float16 keeps -0 and +0 apart."""
    np_dtype = np.dtype(dtype)
    if np_dtype.kind == "f":
        x = np.array([1.5, -0.0, np.nan, 0.0, 1.5, np.nan, -2.0, 0.0, np.inf, -np.inf, np.inf], np_dtype)
    elif np_dtype.kind == "b":
        x = np.array([True, True, False, True, False])
    else:
        x = np.array([7, 0, np.iinfo(np_dtype).max, 7, 3, 0, np.iinfo(np_dtype).max], np_dtype)

    def fn(v):
        y, idx = tf.unique(v, out_idx=tf.int64)
        return [y, idx]

    check(
        tf,
        fn,
        [spec(tf, [None], getattr(tf, dtype))],
        [[x], [x[::-1].copy()], [x[:1]], [x[:0]]],
        {"Unique": 1},
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_string_refusals_name_the_op(tf, runtime: str) -> None:
    """Where TF refuses string inputs, the kernels refuse with TF's text, naming the op."""

    def fn(x, i, p):
        return [tf.gather(x, i, axis=1), tf.reverse(x, [0]), tf.pad(x, p)]

    specs = [spec(tf, [None, None]), spec(tf, [None], tf.int32), spec(tf, [2, 2], tf.int32)]
    model = opbridge.convert(tf.function(fn, input_signature=specs))
    x = strings((2, 3))
    ok = [np.array([0, 2], np.int32), np.zeros((2, 2), np.int32)]
    for args, text in (
        ([x, np.array([3], np.int32), ok[1]], r"GatherV2: indices\[0\] = 3 is not in \[0, 3\)"),
        ([x, ok[0], np.array([[0, -1], [0, 0]], np.int32)], "Pad: Paddings must be non-negative: 0 -1"),
    ):
        with pytest.raises(tf.errors.InvalidArgumentError):
            fn(*[tf.constant(a) for a in args])
        with pytest.raises(RuntimeError, match=text):
            run_tflite(model, args, runtime)
