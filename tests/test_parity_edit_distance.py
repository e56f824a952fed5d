"""EditDistance (tf.edit_distance): the TFLite kernel against TF's own, bit for bit, in both
runtimes. One model holds a node per value dtype TF registers (every number type, bool, string) and
normalize value; its cases cover ranks 2-4, hypothesis and truth shapes differing (the output takes
the larger dims), keys only in one tensor (inf and 1 when normalizing), empty tensors, unsorted and
repeated indices (TF walks runs of equal keys as given), NaN and signed zeros; then TF's errors."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

import tf_op_parity
from conftest import registered_cpu_dtypes

I64 = np.int64
BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES: list[Any] = [
    np.float32, np.float64, np.float16, BF16, np.int8, np.int16, np.int32, np.int64, np.uint8,
    np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128, object,
]  # fmt: skip


def tf_dtype(tf: Any, d: Any) -> Any:
    return tf.string if d is object else tf.as_dtype(np.dtype(d))


def values(rng: np.random.Generator, d: Any, n: int) -> np.ndarray:
    """Values from a small alphabet (so sequences share elements), NaN and -0.0 among floats."""
    k = rng.integers(0, 3, n)
    if d is object:
        return np.array([b"ab"[:j] for j in k], object)
    d = np.dtype(d)
    out = (k % 2 if d == np.bool_ else k).astype(d)
    if d.kind in "fc" and n > 3:
        out[rng.integers(0, n, 2)] = np.nan
        out[rng.integers(0, n, 1)] = -0.0
    return out


def sparse(rng: np.random.Generator, shape: list[int], density: float, order: str = "sorted") -> np.ndarray:
    size = int(np.prod(shape))
    flat = np.sort(rng.choice(size, round(size * density), replace=False))
    if order != "sorted":
        flat = rng.permutation(flat)
    if order == "repeated" and flat.size:
        flat = rng.permutation(np.concatenate([flat, rng.choice(flat, max(1, flat.size // 3))]))
    return np.stack(np.unravel_index(flat, shape), axis=1).astype(I64).reshape(-1, len(shape))


@pytest.fixture(scope="module")
def model(tf):
    def fn(hi, hs, ti, ts, *vals):
        out = {}
        for k in range(len(DTYPES)):
            for normalize in (True, False):
                out[f"d{k}_{normalize}"] = tf.raw_ops.EditDistance(
                    hypothesis_indices=hi,
                    hypothesis_values=vals[2 * k],
                    hypothesis_shape=hs,
                    truth_indices=ti,
                    truth_values=vals[2 * k + 1],
                    truth_shape=ts,
                    normalize=normalize,
                )
        return out

    specs: list[tuple[list[int | None], Any]] = [([None, None], I64), ([None], I64)] * 2
    for d in DTYPES:
        specs += [([None], tf_dtype(tf, d))] * 2
    return tf_op_parity.convert(tf, fn, specs)


def arrays(rng, hi, hs, ti, ts) -> list[np.ndarray]:
    out = [np.asarray(hi, I64).reshape(-1, len(hs)), np.asarray(hs, I64)]
    out += [np.asarray(ti, I64).reshape(-1, len(ts)), np.asarray(ts, I64)]
    for d in DTYPES:
        out += [values(rng, d, len(out[0])), values(rng, d, len(out[2]))]
    return out


def check(tf, concrete, model, a) -> None:
    """tf_op_parity.check, TF's InternalError (a key past the output) read as its other errors are."""
    try:
        want, message = tf_op_parity.tf_outputs(tf, concrete, a)
    except tf.errors.InternalError as e:
        want, message = None, e.message.split("\n\t [[")[0].strip().split("\n")[-1].split("}} ")[-1]
    original = tf_op_parity.tf_outputs
    tf_op_parity.tf_outputs = lambda *_: (want, message)
    try:
        tf_op_parity.check(tf, concrete, model, a, "EditDistance")
    finally:
        tf_op_parity.tf_outputs = original


def test_declared_dtypes_are_tf_registrations(tf):
    import opbridge

    declared = {tf.as_dtype(n).name for n in opbridge.catalog.attr_info("EditDistance", "T").allowed}
    assert declared == registered_cpu_dtypes("EditDistance") - {"resource", "variant"}


def test_every_dtype_and_layout(tf, rng, model):
    concrete, m = model
    for hshape, tshape, hd, td, order in [
        ([3, 6], [3, 6], 0.6, 0.6, "sorted"),
        ([2, 3, 5], [4, 2, 7], 0.5, 0.4, "sorted"),  # output [4, 3]
        ([5, 4], [5, 4], 0.2, 0.2, "sorted"),  # keys only in one tensor
        ([2, 2, 2, 3], [2, 2, 2, 3], 0.7, 0.7, "sorted"),
        ([4, 5], [4, 5], 0.6, 0.5, "shuffled"),
        ([3, 2, 4], [3, 2, 4], 0.6, 0.6, "repeated"),
        ([3, 4], [3, 4], 0.0, 0.5, "sorted"),  # empty hypothesis
        ([3, 4], [3, 4], 0.5, 0.0, "sorted"),  # empty truth
        ([2, 0], [2, 3], 0.0, 0.5, "sorted"),  # a zero-length sequence dim
        ([1, 40], [1, 37], 0.9, 0.9, "sorted"),  # long sequences
    ]:
        hi = sparse(rng, hshape, hd, order)
        ti = sparse(rng, tshape, td, order)
        check(tf, concrete, m, arrays(rng, hi, hshape, ti, tshape))


def test_errors(tf, rng, model):
    concrete, m = model
    for hi, hs, ti, ts in [
        ([[0]], [2], [[0]], [2]),  # rank 1
        ([[0, 0]], [1, 2], [[0, 0, 0]], [1, 2, 2]),  # ranks differ
        ([[0, 0]], [-1, 2], [[0, 0]], [1, 2]),  # a negative dim
        ([[0, 0]], [1, 2], [[0, 0]], [1, -3]),
        (np.zeros((0, 2)), [0, 2], np.zeros((0, 2)), [0, 3]),  # output [0]
        ([[5, 0]], [2, 2], [[0, 0]], [2, 2]),  # a key past the output
        ([[0, 0, 0]], [2, 2, 2], [[0, 7, 0]], [2, 2, 2]),  # past its dim, past the output
        ([[0, 0], [-1, 0]], [2, 2], [[0, 0]], [2, 2]),  # a negative index
        ([[0, 3, 0]], [2, 2, 2], [[0, 0, 0]], [2, 2, 2]),  # past its dim, inside the output: written
    ]:
        check(tf, concrete, m, arrays(rng, hi, hs, ti, ts))
    # Shapes of the inputs themselves: indices' columns, values' lengths.
    base = arrays(rng, [[0, 0]], [1, 2], [[0, 1]], [1, 2])
    for k, bad in [(0, np.zeros((1, 3), I64)), (2, np.zeros((2, 2), I64)), (1, np.array([1, 2, 3], I64))]:
        a = list(base)
        a[k] = bad
        check(tf, concrete, m, a)
