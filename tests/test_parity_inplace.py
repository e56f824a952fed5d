"""InplaceUpdate, InplaceAdd and InplaceSub (tf.raw_ops / tf.compat.v1 inplace ops): the TFLite
kernels against TF's own, bit for bit, in both runtimes. One model holds a node of each op for
every dtype TF's kernel computes (Update: every number type, bool and string; Add/Sub: the number
types), each with its own x (TF's kernel writes into its x's buffer, so two nodes must not share
one); then i wrapping modulo the rows (negative, past the end, INT32_MIN), repeated rows taking each
update in turn, integer wraparound, NaN, empty x and v, ranks 1-3; then TF's errors in its words."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

import tf_op_parity
from conftest import RUNTIMES
from opbridge.testing import run_tflite

BF16 = np.dtype(ml_dtypes.bfloat16)
NUMBERS: list[Any] = [
    np.float32, np.float64, np.float16, BF16, np.int8, np.int16, np.int32, np.int64,
    np.uint8, np.uint16, np.uint32, np.uint64, np.complex64, np.complex128,
]  # fmt: skip
OPS = {"InplaceUpdate": [*NUMBERS, np.bool_, object], "InplaceAdd": NUMBERS, "InplaceSub": NUMBERS}
NODES = [(op, d) for op, dtypes in OPS.items() for d in dtypes]


def tf_dtype(tf: Any, d: Any) -> Any:
    return tf.string if d is object else tf.as_dtype(np.dtype(d))


def values(rng: np.random.Generator, d: Any, shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape))
    if d is object:
        return np.array([b"s%d" % k for k in rng.integers(0, 50, n)], object).reshape(shape)
    d = np.dtype(d)
    if d == np.bool_:
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if d.kind in "iu":  # extremes too: the sums wrap
        info = np.iinfo(d)
        return (
            rng.integers(info.min, info.max, n, dtype=np.int64 if d.kind == "i" else np.uint64)
            .astype(d)
            .reshape(shape)
        )
    out = rng.normal(scale=3, size=n) + (1j * rng.normal(size=n) if d.kind == "c" else 0)
    out = out.astype(d)
    if n > 2 and d.kind == "f":
        out[:3] = [np.nan, -0.0, np.inf]
    return out.reshape(shape)


def copy(a: np.ndarray) -> np.ndarray:
    return np.array(a, dtype=a.dtype, copy=True)


def check(tf: Any, concrete: Any, model: bytes, arrays: list[np.ndarray], op: str) -> None:
    """tf_op_parity.check, TF fed copies: its kernel writes into x, which a tf.constant of a numpy
    array may share with the array the runtimes are fed next."""
    want, message = tf_op_parity.tf_outputs(tf, concrete, [copy(a) for a in arrays])
    original = tf_op_parity.tf_outputs
    tf_op_parity.tf_outputs = lambda *_: (want, message)
    try:
        tf_op_parity.check(tf, concrete, model, arrays, op)
    finally:
        tf_op_parity.tf_outputs = original


@pytest.fixture(scope="module")
def all_dtypes_model(tf):
    def fn(i, *xv):
        return {
            f"{op}_{k}": getattr(tf.raw_ops, op)(x=xv[2 * k], i=i, v=xv[2 * k + 1])
            for k, (op, _) in enumerate(NODES)
        }

    specs: list[tuple[list[int | None], Any]] = [([None], np.int32)]
    for _, d in NODES:
        specs += [([None, None], tf_dtype(tf, d))] * 2
    return tf_op_parity.convert(tf, fn, specs)


def test_every_dtype_rows_and_wrapping(tf, rng, all_dtypes_model):
    concrete, model = all_dtypes_model
    for rows, cols, i in [
        (4, 3, [1, 3]),
        (5, 2, [-1, 7, -2147483648, 2147483647, 0]),  # wrapped: 4, 2, 2, 2, 0
        (3, 4, [2, 2, 2]),  # a repeated row takes each update in turn
        (1, 5, [0]),
        (6, 1, []),  # no updates
        (0, 3, []),  # empty x
        (3, 0, [1, 2]),  # empty rows: x unchanged
    ]:
        arrays = [np.array(i, np.int32)]
        for _, d in NODES:
            arrays += [values(rng, d, (rows, cols)), values(rng, d, (len(i), cols))]
        check(tf, concrete, model, arrays, "Inplace")


@pytest.mark.parametrize("op", list(OPS))
def test_ranks_and_errors(tf, rng, op):
    """Ranks 1 and 3 through a float model, then TF's errors: i not a vector, ranks or a trailing dim
    differing, i's length not v's rows, a scalar x."""
    fn = lambda x, i, v: {"y": getattr(tf.raw_ops, op)(x=x, i=i, v=v)}  # noqa: E731
    concrete, model = tf_op_parity.convert(tf, fn, [(None, np.float32), (None, np.int32), (None, np.float32)])
    f32 = np.float32
    cases = [
        (rng.normal(size=5).astype(f32), [4, -5], rng.normal(size=2).astype(f32)),
        (rng.normal(size=(3, 2, 4)).astype(f32), [1, -1], rng.normal(size=(2, 2, 4)).astype(f32)),
        (np.ones((3, 2), f32), [[0]], np.ones((1, 2), f32)),
        (np.ones((3, 2), f32), [0], np.ones((1, 2, 1), f32)),
        (np.ones((3, 2), f32), [0], np.ones((1, 3), f32)),
        (np.ones((3, 2), f32), [0, 1], np.ones((1, 2), f32)),
        (f32(1), [0], f32(2)),
    ]
    for x, i, v in cases:
        check(tf, concrete, model, [np.asarray(x), np.array(i, np.int32), np.asarray(v)], op)


def test_add_of_bool_is_tf_error(tf):
    """TF's kernel takes any T but adds only numbers: bool is its run-time error, which ours gives,
    and an empty bool x passes as in TF."""
    fn = lambda x, i, v: {"y": tf.raw_ops.InplaceAdd(x=x, i=i, v=v)}  # noqa: E731
    concrete, model = tf_op_parity.convert(
        tf, fn, [([None, 2], np.bool_), ([None], np.int32), ([None, 2], np.bool_)]
    )
    check(
        tf,
        concrete,
        model,
        [np.ones((3, 2), bool), np.array([0], np.int32), np.zeros((1, 2), bool)],
        "InplaceAdd",
    )
    check(
        tf,
        concrete,
        model,
        [np.ones((0, 2), bool), np.zeros(0, np.int32), np.zeros((0, 2), bool)],
        "InplaceAdd",
    )
    for runtime in RUNTIMES:  # the model runs again after an error
        run_tflite(model, [np.ones((2, 2), bool), np.zeros(0, np.int32), np.zeros((0, 2), bool)], runtime)
