"""SparseToDense (tf.sparse.to_dense, tf.compat.v1.sparse_to_dense) against TF's kernel in both
runtimes: every value dtype TF registers that a TFLite tensor can carry and the converter leaves
custom, int32 and int64 indices, indices as a matrix, a vector and a scalar, one value per entry
or one for all, validate_indices true (sorted, distinct, in bounds) and false (any order, the
last of repeated entries wins), empty and rank-0 outputs; and TF's errors, in its words: entries
out of order, repeated, out of bounds (both settings), a default_value that is not a scalar,
sparse_values of the wrong length, a negative output dim."""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite

# TF's registered value dtypes that LiteRT tensors carry (the quantized qint/quint ones do not).
DTYPES = [
    "bfloat16", "bool", "complex128", "complex64", "float16", "float32", "float64", "int8", "int16",
    "int32", "int64", "uint8", "uint16", "uint32", "uint64", "string",
]  # fmt: skip


BUILTIN = ["float32", "int32", "int64", "int8", "uint8"]


def values_of(tf, dtype: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if dtype == "string":
        return np.array([f"v{i}".encode() * (i % 3) for i in range(n)], dtype=object)
    if dtype == "bool":
        return rng.integers(0, 2, n).astype(bool)
    np_dtype = tf.as_dtype(dtype).as_numpy_dtype
    v = rng.integers(1, 100, n).astype(np.float64)
    if dtype.startswith("complex"):
        return (v - 1j * v).astype(np_dtype)
    return v.astype(np_dtype)


def default_of(tf, dtype: str) -> np.ndarray:
    if dtype == "string":
        return np.array(b"none", dtype=object)
    if dtype == "bool":
        return np.array(True)
    return np.array(7, tf.as_dtype(dtype).as_numpy_dtype)


def test_registered_dtypes():
    quantized = {"qint8", "quint8", "qint16", "quint16", "qint32"}
    assert registered_cpu_dtypes("SparseToDense") - quantized == set(DTYPES)


def sorted_entries(rng: np.random.Generator, shape: tuple[int, ...], n: int) -> np.ndarray:
    flat = np.sort(rng.choice(int(np.prod(shape)), n, replace=False))
    return np.stack(np.unravel_index(flat, shape), 1).astype(np.int64)


def test_sparse_to_dense_matches_tf(tf, rng):
    """One model: per dtype, a SparseTensor's to_dense (validated), int32 indices with one value
    for all entries, vector indices, a scalar index."""
    tfdtypes = [tf.string if d == "string" else tf.as_dtype(d) for d in DTYPES]

    def fn(indices, shape, idx32, shape32, vector, length, *per_dtype):
        out = {}
        for k, d in enumerate(DTYPES):
            values, default = per_dtype[2 * k], per_dtype[2 * k + 1]
            out[d] = tf.sparse.to_dense(tf.SparseTensor(indices, values, shape), default)
            out[d + "_vector"] = tf.compat.v1.sparse_to_dense(
                vector, length, values[: tf.size(vector)], default
            )
            if d in BUILTIN:  # TFLite's builtin refuses a scalar sparse_values (measured): not ours
                continue
            out[d + "_int32_one_value"] = tf.compat.v1.sparse_to_dense(idx32, shape32, values[0], default)
            out[d + "_scalar_index"] = tf.compat.v1.sparse_to_dense(vector[0], length, values[0], default)
        return out

    specs = [
        ([None, None], tf.int64), ([None], tf.int64), ([None, None], tf.int32), ([None], tf.int32),
        ([None], tf.int64), ([1], tf.int64),
    ]  # fmt: skip
    specs += [s for d in tfdtypes for s in (([None], d), ([], d))]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    # float32, int32, int64, int8 and uint8 go to TFLite's builtin SPARSE_TO_DENSE (measured).
    assert counts.get("SparseToDense") == 4 * (len(DTYPES) - len(BUILTIN)), counts
    assert tflite_model.op_histogram(model).get("SPARSE_TO_DENSE") == 2 * len(BUILTIN)
    reference = tf.function(fn, input_signature=[tf.TensorSpec(s, d) for s, d in specs])
    for n, (shape, nnz) in enumerate([((3, 4, 5), 11), ((6, 1), 6), ((9,), 2), ((), 1)]):
        indices = sorted_entries(rng, shape, nnz) if shape else np.zeros((nnz, 0), np.int64)
        dims = np.array(shape, np.int64)
        inputs = [indices, dims, indices.astype(np.int32), dims.astype(np.int32)]
        inputs += [np.array([1, 4, 6][: min(3, nnz)], np.int64), np.array([8], np.int64)]
        for d in DTYPES:
            inputs += [values_of(tf, d, nnz, rng), default_of(tf, d)]
        want = {k: np.asarray(v.numpy()) for k, v in reference(*inputs).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            for name, w in want.items():
                g = np.asarray(got[name])  # a 0-d string output comes back as bytes
                assert g.shape == w.shape, (runtime, n, name, g.shape, w.shape)
                np.testing.assert_array_equal(g, w, err_msg=f"[{runtime}] case {n} {name}")


def kernel_error(tf, fn, inputs) -> str:
    """TF's kernel text, without the function-node prefix: its first line (the rest of a multi-line
    text is compared as the runtimes' text goes on)."""
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(*inputs)
    return re.sub(r"^\{\{function_node [^}]*\}\} ", "", info.value.message).split("\n")[0]


def test_any_order_and_errors_as_tf(tf):
    """Unvalidated entries in any order (the last of repeated ones wins) and TF's errors."""

    def fn(indices, shape, values, default):
        return {
            "checked": tf.compat.v1.sparse_to_dense(indices, shape, values, default),
            "unchecked": tf.compat.v1.sparse_to_dense(
                indices, shape, values, default, validate_indices=False
            ),
        }

    def unchecked(indices, shape, values, default):
        return {
            "unchecked": tf.compat.v1.sparse_to_dense(indices, shape, values, default, validate_indices=False)
        }

    specs = [([None, None], tf.int64), ([None], tf.int64), ([None], tf.float64), ([], tf.float64)]
    model = convert_fn(fn, *specs)
    model_unchecked = convert_fn(unchecked, *specs)
    reference = tf.function(unchecked)
    f64 = lambda *v: np.array(v, np.float64)  # noqa: E731
    shape = np.array([3, 4], np.int64)
    # Any order, repeated entries: TF's last-wins writes.
    scrambled = [
        np.array([[2, 1], [0, 3], [2, 1], [1, 0], [0, 0]], np.int64),
        shape,
        f64(1, 2, 3, 4, 5),
        np.array(-1.0),
    ]
    want = reference(*scrambled)["unchecked"].numpy()
    empty = [np.zeros((0, 2), np.int64), np.array([0, 4], np.int64), f64(), np.array(2.0)]
    want_empty = {k: v.numpy() for k, v in tf.function(fn)(*empty).items()}
    for runtime in RUNTIMES:
        np.testing.assert_array_equal(run_tflite(model_unchecked, scrambled, runtime)["unchecked"], want)
        got = run_tflite(model, empty, runtime)
        for name, w in want_empty.items():
            assert got[name].shape == w.shape == (0, 4), (runtime, name, got[name].shape)
    bad = {
        "out of order": [np.array([[1, 0], [0, 3]], np.int64), shape, f64(1, 2), np.array(0.0)],
        "repeated": [np.array([[1, 0], [1, 0]], np.int64), shape, f64(1, 2), np.array(0.0)],
        "out of bounds": [np.array([[1, 0], [3, 0]], np.int64), shape, f64(1, 2), np.array(0.0)],
        "negative": [np.array([[1, 0], [-1, 0]], np.int64), shape, f64(1, 2), np.array(0.0)],
        "default not scalar": [np.array([[1, 0]], np.int64), shape, f64(1), f64(0, 1)],
        "values length": [np.array([[1, 0], [2, 0]], np.int64), shape, f64(1, 2, 3), np.array(0.0)],
        "negative dim": [np.array([[1, 0]], np.int64), np.array([3, -4], np.int64), f64(1), np.array(0.0)],
        "shape length": [np.array([[1, 0]], np.int64), np.array([3, 4, 5], np.int64), f64(1), np.array(0.0)],
    }
    checked = tf.function(lambda *a: fn(*a)["checked"])
    only_unchecked = tf.function(lambda *a: unchecked(*a)["unchecked"])
    for what, inputs in bad.items():
        message = kernel_error(tf, checked, inputs)
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError) as info:
                run_tflite(model, inputs, runtime)
            assert f"SparseToDense: {message}" in str(info.value), (what, runtime, message, str(info.value))
    for what in ["out of bounds", "negative"]:
        message = kernel_error(tf, only_unchecked, bad[what])
        assert message.startswith("Indices are not valid (out of bounds)"), message
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError) as info:
                run_tflite(model_unchecked, bad[what], runtime)
            assert f"SparseToDense: {message}" in str(info.value), (what, runtime, message, str(info.value))
