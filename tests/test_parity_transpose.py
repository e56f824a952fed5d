"""Transpose, the CUSTOM node the converter leaves for the dtypes the builtin lacks (float64,
complex, half, string, uint32, ...): exact against TF for every permutation of ranks 2 to 4 and
some of rank 5, with dims of size 1 (folded away by the kernel), runs of dims that stay together
(merged), and sides longer than the kernel's 8x8 and 16x16 tiles with ragged edges, on 1 and 2
threads, in every element size the kernel instantiates."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

SHAPES = [(37, 19), (3, 17, 9), (2, 1, 19, 5), (3, 9, 2, 17), (1, 33, 1), (2, 3, 1, 5, 6)]
RANK5 = [(4, 2, 0, 3, 1), (0, 1, 2, 4, 3), (1, 0, 2, 3, 4), (2, 3, 4, 0, 1)]


def permutations(rank: int) -> list[tuple[int, ...]]:
    """All but the identity, which the converter drops."""
    return RANK5 if rank == 5 else list(itertools.permutations(range(rank)))[1:]


def values(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    n = int(np.prod(shape))
    if dtype == "string":
        # Lengths 0 to 20: views into the input's bytes of every length.
        return np.array([b"w%d" % i * (i % 7) for i in range(n)], dtype=object).reshape(shape)
    if dtype.startswith("complex"):
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype).reshape(shape)
    return rng.integers(0, 60000, n).astype(dtype).reshape(shape)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("dtype", ["float16", "uint32", "float64", "complex128", "string"])
def test_every_permutation_is_exact(tf, rng, dtype, runtime):
    inputs = [values(rng, shape, dtype) for shape in SHAPES]
    perms = [(i, p) for i, shape in enumerate(SHAPES) for p in permutations(len(shape))]

    def fn(*xs):
        return [tf.transpose(xs[i], p) for i, p in perms]

    tf_dtype = tf.string if dtype == "string" else tf.as_dtype(dtype)
    model = convert_fn(fn, *[(shape, tf_dtype) for shape in SHAPES])
    assert tflite_model.custom_op_counts(model) == {"Transpose": len(perms)}
    expected = [np.asarray(t) for t in fn(*[tf.constant(x) for x in inputs])]
    for threads in (1, 2):
        outputs = run_tflite(model, inputs, runtime, num_threads=threads)
        assert len(outputs) == len(expected)
        got = [outputs[f"output_{k}"] for k in range(len(expected))]
        for (i, p), g, e in zip(perms, got, expected, strict=True):
            where = f"{dtype} {SHAPES[i]} by {p} on {threads} threads"
            assert g.shape == e.shape, where
            if dtype == "string":
                assert g.tolist() == e.tolist(), where
            else:
                assert g.tobytes() == e.tobytes(), where


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_one_byte_dtype_through_a_hand_made_model(rng, runtime):
    """The converter takes uint8 to the builtin TRANSPOSE; a model that holds the custom node
    anyway (another tool's, or an older converter's) runs the kernel's 1-byte elements."""
    x = rng.integers(0, 256, (35, 3, 18)).astype(np.uint8)
    perm = np.array([2, 0, 1], np.int32)
    model = tflite_model.single_custom_op_model(
        "Transpose",
        [("x", x.shape, np.uint8), ("perm", perm.shape, np.int32)],
        [("y", [18, 35, 3], np.uint8)],
        constants={"perm": perm},
    )
    for threads in (1, 2):
        (got,) = run_tflite(model, [x], runtime, num_threads=threads).values()
        np.testing.assert_array_equal(got, np.transpose(x, perm))
