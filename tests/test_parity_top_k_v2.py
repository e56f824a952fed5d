"""TopKV2 (tf.math.top_k, tf.sort, tf.argsort): the TFLite kernel vs TF's own kernel, bit for bit.

The converter's builtin TOPK_V2 takes float32/int8/uint8/int16/int32/int64 with int32 k and
indices; float64, float16, uint16/32/64, an int64 k or int64 indices stay CUSTOM "TopKV2".
TF's CPU kernel has three paths (k == 1: an Eigen max then the first equal column; k == n: a
sort then runs of equal values by index; else a TopN heap), each reproduced, NaN included.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

CUSTOM_DTYPES = [np.float64, np.float16, np.uint16, np.uint32, np.uint64]


def values_for(rng: np.random.Generator, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 20, shape).astype(dtype)  # small range: many ties
    return np.round(rng.standard_normal(shape), 1).astype(dtype)  # rounded: ties too


def split(outputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(values, indices) of a top_k model's outputs, told apart by dtype."""
    (values,) = (v for v in outputs.values() if not np.issubdtype(v.dtype, np.integer))
    (indices,) = (v for v in outputs.values() if np.issubdtype(v.dtype, np.integer))
    return values, indices


def top_k(tf, k: int, sorted: bool = True):
    return lambda x: tf.math.top_k(x, k, sorted=sorted)


@pytest.mark.parametrize("dtype", CUSTOM_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("k", [0, 1, 3, 17], ids=lambda k: f"k{k}")
def test_every_dtype(tf, rng, dtype, k):
    x = values_for(rng, dtype, (3, 5, 17))
    report = assert_parity(top_k(tf, k), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    # k = 0 with a known shape: the converter folds the empty outputs to constants.
    assert tflite_model.custom_op_counts(report.model) == ({"TopKV2": 1} if k else {})


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int8, np.int64], ids=lambda d: np.dtype(d).name)
def test_int64_k_and_indices_make_any_dtype_custom(tf, rng, dtype):
    x = values_for(rng, dtype, (4, 9))
    for k_type, index_type in ((tf.int64, tf.int32), (tf.int32, tf.int64), (tf.int64, tf.int64)):

        def fn(v, k_type=k_type, index_type=index_type):
            return tf.raw_ops.TopKV2(input=v, k=tf.constant(4, k_type), index_type=index_type)

        report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
        assert tflite_model.custom_op_counts(report.model) == {"TopKV2": 1}


@pytest.mark.parametrize("direction", ["ASCENDING", "DESCENDING"])
@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.uint32], ids=lambda d: np.dtype(d).name)
def test_sort_and_argsort(tf, rng, dtype, direction):
    x = values_for(rng, dtype, (6, 40))
    fns = {
        "float64": lambda v: {
            "sort": tf.sort(v, direction=direction),
            "argsort": tf.argsort(v, direction=direction, stable=True),
        },
    }
    fn = fns.get(np.dtype(dtype).name, lambda v: {"sort": tf.sort(v, direction=direction)})
    assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("sorted_", [True, False], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("k", [1, 2, 5, 31, 32], ids=lambda k: f"k{k}")
def test_special_values_as_tf(tf, rng, k, sorted_):
    """NaN, +-inf, -0.0/+0.0 and duplicates: TF's comparators do not order NaN, so its output
    with NaNs is what its sort/heap algorithms make of them; the same algorithms run here."""
    pool = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 1.0, -2.5, 3.0])
    x = rng.choice(pool, (64, 32))
    x[0] = np.nan
    x[1] = -0.0
    x[2, ::2] = np.nan
    for dtype in (np.float64, np.float16):
        assert_parity(top_k(tf, k, sorted_), [x.astype(dtype)], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("n", [1, 3, 4, 7, 8, 9, 16, 17, 33], ids=lambda n: f"n{n}")
def test_k1_nan_positions_as_tf(tf, n):
    """k == 1 is Eigen's vectorized max: NaNs in whole packets are skipped, a NaN last in the
    scalar tail wins (then the value and index are column 0's)."""
    rows = []
    for at in range(n):
        row = np.arange(n, dtype=np.float64)[::-1].copy()
        row[at] = np.nan
        rows.append(row)
        two = row.copy()
        two[n - 1] = np.nan
        rows.append(two)
    rows.append(np.full(n, np.nan))
    x = np.array(rows)
    for dtype in (np.float64, np.float16):
        assert_parity(top_k(tf, 1), [x.astype(dtype)], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("dtype", [np.float64, np.float16], ids=lambda d: np.dtype(d).name)
def test_long_rows_with_nan_as_tf(tf, rng, dtype):
    """Rows above Eigen's leaf (1024 packets of 4 doubles, 200 of 8 halves) are reduced by halves
    split at packet boundaries of the flat index: k == 1's NaN outcome depends on the split."""
    rng = np.random.default_rng(1)  # NaNs where the split decides (seen failing without the tree model)
    x = np.round(rng.standard_normal((6, 5003)), 2)
    x[rng.uniform(size=x.shape) < 0.01] = np.nan
    x[1, -1] = np.nan
    x[2, 2500] = np.nan
    x[3, 2501:2503] = np.nan
    for k in (1, 10, 40, 5003):
        assert_parity(top_k(tf, k, k != 10), [x.astype(dtype)], rtol=0, atol=0, runtimes=RUNTIMES)


def test_small_k_of_long_rows_without_nan(tf, rng):
    """k > 16 with 8k < n, no NaN: candidates are collected past a bar (the k-th best key so far,
    strictly) and only the k best sorted. Many ties (later equal values rank lower), signed zeros
    (equal to TF), infinities, ascending and descending rows (the bar moves at every column, or
    never)."""
    x = np.round(rng.standard_normal((6, 1500)), 1)
    x[0] = -np.abs(x[0]) - 0.1  # the zeros below are the row's largest values
    x[0, ::7] = -0.0
    x[0, 3::7] = 0.0
    x[1, :40] = np.inf
    x[2] = np.arange(1500.0)
    x[3] = -np.arange(1500.0)
    x[4, 1000:] = -np.inf
    for k in (17, 40, 100, 187):
        assert_parity(top_k(tf, k), [x], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("sorted_", [True, False], ids=["sorted", "unsorted"])
def test_ties_lower_index_first_and_unsorted_heap_order(tf, rng, sorted_):
    x = rng.integers(0, 3, (50, 40)).astype(np.float64)
    for k in (2, 7, 39, 40):
        assert_parity(top_k(tf, k, sorted_), [x], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dynamic_shapes_and_k(tf, rng, runtime):
    model = convert_fn(lambda x, k: tf.math.top_k(x, k), ((None, None, None), tf.float64), ((), tf.int32))
    for shape, k in (
        ((2, 3, 10), 4),
        ((1, 1, 1), 1),
        ((0, 2, 5), 3),
        ((3, 4, 0), 0),
        ((5, 2, 64), 64),
        ((2, 2, 9), 0),
    ):
        x = values_for(rng, np.float64, shape)
        got = run_tflite(model, [x, np.int32(k)], runtime)
        want = tf.math.top_k(x, k)
        got_values, got_indices = split(got)
        assert got_values.shape == tuple(want.values.shape)
        np.testing.assert_array_equal(got_values, want.values.numpy())
        np.testing.assert_array_equal(got_indices, want.indices.numpy())


def test_threads_do_not_change_results(tf, rng):
    x = values_for(rng, np.float64, (500, 300))
    x[::7, ::5] = np.nan
    model = convert_fn(lambda v: tf.math.top_k(v, 10, sorted=False), (x.shape, tf.float64))
    one = run_tflite(model, [x], num_threads=1)
    four = run_tflite(model, [x], num_threads=4)
    want = tf.math.top_k(x, 10, sorted=False)
    for got_one, got_four, tf_out in zip(split(one), split(four), want, strict=True):
        np.testing.assert_array_equal(got_one, got_four)
        np.testing.assert_array_equal(got_one, tf_out.numpy())


def test_errors_as_tf(tf):
    x = np.ones((2, 3), np.float64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="input must have at least k columns"):
        tf.raw_ops.TopKV2(input=x, k=4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need k >= 0, got -1"):
        tf.raw_ops.TopKV2(input=x, k=-1)
    model = convert_fn(lambda v, k: tf.math.top_k(v, k), ((None, None), tf.float64), ((), tf.int32))
    for runtime in RUNTIMES:
        with pytest.raises(
            RuntimeError, match=r"TopKV2: input must have at least k columns\. Had 3, needed 4"
        ):
            run_tflite(model, [x, np.int32(4)], runtime)
        with pytest.raises(RuntimeError, match=r"TopKV2: Need k >= 0, got -1"):
            run_tflite(model, [x, np.int32(-1)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes(tf, runtime):
    def model(input_shape, k_shape):
        return tflite_model.single_custom_op_model(
            "TopKV2",
            [("input", input_shape, np.float64), ("k", k_shape, np.int32)],
            [("values", [1], np.float64), ("indices", [1], np.int32)],
        )

    for (input_shape, k_shape), message in (
        (([3, 2], [1]), r"k must be scalar, got shape \[1\]"),
        (([], []), r"input 'input' must have rank >= 1"),
    ):
        inputs = [np.ones(input_shape, np.float64), np.zeros(k_shape, np.int32)]
        with pytest.raises(RuntimeError, match="TopKV2: " + message):
            run_tflite(model(input_shape, k_shape), inputs, runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="k must be scalar"):
        tf.raw_ops.TopKV2(input=np.ones((3, 2)), k=[1])
