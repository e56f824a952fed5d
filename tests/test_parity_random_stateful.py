"""Stateful random ops (TruncatedNormal, RandomUniformInt, RandomShuffle, RandomGamma,
RandomPoissonV2): opbridge's TFLite kernels give TF's exact bits, run after run.

TF's kernel keeps a Philox stream per node, keyed by its (seed, seed2) attrs, and every run
reserves a block of it; a tf.function called n times gives the n-th block. The tests call the
tf.function and invoke one interpreter per runtime the same number of times, with the input
sizes changing between runs (TFLite re-prepares the nodes then; the stream must survive), and
compare every output's bytes. Ops with seed = seed2 = 0 draw fresh seeds, in TF as here: those
are checked for their distribution's support and for differing between nodes and runs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.running import SignatureSession

FLOATS = ["float16", "bfloat16", "float32", "float64"]
SHUFFLE_TYPES = [
    "float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8",
    "uint16", "uint32", "uint64", "bool", "complex64", "complex128", "string",
]  # fmt: skip
# Run-to-run input sizes: the stream must carry on across resizes, empty outputs reserve nothing.
SIZES = [(3, 5), (3, 5), (0, 4), (2, 3), (1, 2500)]


def assert_bitwise(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape}, TF gives {want.shape}"
    # Strings: the runtimes hand an empty string tensor back as bytes_ ('S1'), TF as object.
    strings = want.dtype == object and (got.dtype == object or got.dtype.kind == "S")
    assert strings or got.dtype == want.dtype, f"{what}: dtype {got.dtype}, TF gives {want.dtype}"
    if want.dtype == object:
        same = [bytes(a) == bytes(b) for a, b in zip(got.ravel(), want.ravel(), strict=True)]
        assert all(same), f"{what}: {same.count(False)} of {want.size} strings differ"
    elif np.ascontiguousarray(got).tobytes() != np.ascontiguousarray(want).tobytes():
        bad = np.flatnonzero(got.ravel() != want.ravel())
        raise AssertionError(f"{what}: {bad.size} of {want.size} elements differ, first at {bad[:3]}")


def signature(tf: Any, *specs: tuple[list[int | None], Any]) -> list[Any]:
    return [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]


def run_series(tf: Any, f: Any, model: bytes, series: list[list[np.ndarray]], threads: int = 1) -> None:
    """Calls f once per input list, and each runtime's interpreter as often: run i equals TF's run i."""
    want = [{k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()} for inputs in series]
    for runtime in RUNTIMES:
        session = SignatureSession(model, runtime, num_threads=threads)
        for i, inputs in enumerate(series):
            session.set_inputs(inputs)
            session.invoke()
            got = session.outputs()
            for key, value in want[i].items():
                assert_bitwise(got[key], value, f"[{runtime}, {threads} threads] run {i} {key}")


def test_registered_dtypes_covered(tf):
    """Every dtype TF's CPU kernels take (and its op definitions admit) is in the tests below."""
    assert registered_cpu_dtypes("TruncatedNormal", "dtype") == set(FLOATS)
    assert registered_cpu_dtypes("RandomUniformInt", "Tout") == {"int32", "int64"}
    assert registered_cpu_dtypes("RandomShuffle") - {"resource", "variant"} == set(SHUFFLE_TYPES)
    # TF registers a bfloat16 RandomGamma kernel its op definition cannot reach.
    assert registered_cpu_dtypes("RandomGamma") - {"bfloat16"} == {"float16", "float32", "float64"}
    poisson = {"float16", "float32", "float64", "int32", "int64"}
    assert (
        registered_cpu_dtypes("RandomPoissonV2", "R")
        == registered_cpu_dtypes("RandomPoissonV2", "dtype")
        == poisson
    )


@pytest.mark.parametrize("threads", [1, 2])
def test_samplers_run_after_run(tf, threads):
    """TruncatedNormal (every dtype, shape from a runtime tensor and from int64 constants),
    RandomUniformInt (int32 and int64 bounds fed at run time, wide ranges), RandomGamma (alpha
    below, at and above 1, every dtype) and RandomPoissonV2 (Knuth's and PTRS's rates, every rate
    and output dtype), five runs with changing sizes."""
    from tensorflow.python.ops import gen_random_ops as g

    def fn(x, lo32, hi32, lo64, hi64, alpha, rate):
        shape = tf.shape(x)
        out = {}
        for i, d in enumerate(FLOATS):
            out[f"tn_{d}"] = g.truncated_normal(shape, tf.as_dtype(d), seed=11, seed2=i + 1)
        out["tn_const64"] = g.truncated_normal(
            tf.constant([2, 3], tf.int64), tf.float32, seed=-7, seed2=2**40
        )
        out["tn_scalar"] = g.truncated_normal(tf.constant([], tf.int32), tf.float64, seed=0, seed2=5)
        out["ui32"] = g.random_uniform_int(shape, lo32, hi32, seed=3, seed2=4)
        out["ui64"] = g.random_uniform_int(tf.cast(shape, tf.int64), lo64, hi64, seed=3, seed2=-4)
        out["ui_const"] = g.random_uniform_int([5], -(2**31), 2**31 - 1, seed=1, seed2=0)
        n = tf.shape(x)[1:]  # samples per alpha/rate follow x's columns
        for d in ("float16", "float32", "float64"):
            out[f"gamma_{d}"] = g.random_gamma(n, tf.cast(alpha, d), seed=5, seed2=6)
        out["gamma_const"] = g.random_gamma(tf.constant([3, 2], tf.int64), alpha, seed=5, seed2=7)
        for r in ("float16", "float32", "float64", "int32", "int64"):
            for d in ("float16", "float64", "int32", "int64"):
                out[f"poisson_{r}_{d}"] = g.random_poisson_v2(
                    n, tf.cast(rate, r), seed=8, seed2=hash((r, d)) % 1000, dtype=tf.as_dtype(d)
                )
        out["poisson_const"] = g.random_poisson_v2([4], rate, seed=8, seed2=9, dtype=tf.float32)
        return out

    specs = [([None, None], tf.float32), ([], tf.int32), ([], tf.int32), ([], tf.int64), ([], tf.int64)]
    specs += [([4], tf.float32), ([5], tf.float32)]
    f = tf.function(fn, input_signature=signature(tf, *specs))
    model = opbridge.convert(f)
    counts = tflite_model.custom_op_counts(model)
    assert counts["TruncatedNormal"] == 6 and counts["RandomUniformInt"] == 3, counts
    assert counts["RandomGamma"] == 4 and counts["RandomPoissonV2"] == 21, counts
    alpha = np.array([0.3, 1.0, 2.5, 40.0], np.float32)
    rate = np.array([0.0, 0.7, 9.5, 10.5, 300.0], np.float32)
    bounds = [(0, 10, 0, 10), (-5, 7, -(2**62), 2**62 + 3), (-(2**31), 2**31 - 1, -1, 2**40), (6, 7, 0, 1)]
    types = ["int32", "int32", "int64", "int64"]
    series = []
    for i, size in enumerate(SIZES):
        lims = [np.array(b, t) for b, t in zip(bounds[i % 4], types, strict=True)]
        series.append([np.zeros(size, np.float32), *lims, alpha, rate])
    run_series(tf, f, model, series, threads)


def test_shuffle_every_dtype(tf):
    """RandomShuffle on every dtype, 1-D and 3-D (rows of 6 elements), a single row, a scalar and
    an empty tensor (passed through without drawing), five runs with changing sizes."""
    from tensorflow.python.ops import gen_random_ops as g

    def fn(*xs):
        out = {}
        for i, (d, x) in enumerate(zip(SHUFFLE_TYPES, xs, strict=True)):
            out[f"{d}_1d"] = g.random_shuffle(tf.reshape(x, [-1]), seed=21, seed2=i)
            out[f"{d}_3d"] = g.random_shuffle(x, seed=i, seed2=22)
        out["scalar"] = g.random_shuffle(tf.reduce_sum(xs[2]), seed=1, seed2=1)
        out["one_row"] = g.random_shuffle(xs[6][:1], seed=2, seed2=2)
        return out

    f = tf.function(
        fn, input_signature=signature(tf, *[([None, 2, 3], tf.as_dtype(d)) for d in SHUFFLE_TYPES])
    )
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model)["RandomShuffle"] == 2 * len(SHUFFLE_TYPES) + 2
    rng = np.random.default_rng(3)

    def values(d: str, rows: int) -> np.ndarray:
        shape = (rows, 2, 3)
        if d == "string":
            return np.array([b"s%d" % v for v in rng.integers(0, 10**6, shape).ravel()], object).reshape(
                shape
            )
        if d == "bool":
            return rng.integers(0, 2, shape).astype(bool)
        if d.startswith("complex"):
            return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(d)
        if d == "bfloat16":
            return tf.cast(rng.normal(size=shape), tf.bfloat16).numpy()
        # distinct values: a wrong permutation cannot hide among equal elements
        return (rng.permutation(int(np.prod(shape))).reshape(shape) % 120).astype(d)

    series = [[values(d, rows) for d in SHUFFLE_TYPES] for rows in (7, 7, 0, 1, 400)]
    run_series(tf, f, model, series)


def test_user_apis_with_global_seed(tf):
    """The Python APIs under tf.random.set_seed (the op seeds TF derives), through the stock
    converter with custom ops allowed, fed by index: tf.image.random_crop (RandomUniformInt),
    tf.random.shuffle and tf.random.truncated_normal with and without an op seed."""
    tf.random.set_seed(1234)

    def fn(image):
        return {
            "crop": tf.image.random_crop(image, [3, 4, 3], seed=7),
            "shuffle": tf.random.shuffle(image, seed=8),
            "tn": tf.random.truncated_normal([4, 5], stddev=0.5, mean=1.0, seed=9),
            "tn_global": tf.random.truncated_normal([3, 3]),  # the op seed from the global one
        }

    f = tf.function(fn, input_signature=signature(tf, ([6, 9, 3], tf.float32)))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    converter.allow_custom_ops = True
    model = converter.convert()
    counts = tflite_model.custom_op_counts(model)
    assert counts == {"RandomUniformInt": 1, "RandomShuffle": 1, "TruncatedNormal": 2}, counts
    image = np.random.default_rng(5).normal(size=(6, 9, 3)).astype(np.float32)
    want = [{k: v.numpy() for k, v in f(image).items()} for _ in range(3)]
    for runtime in RUNTIMES:
        interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
        interpreter.allocate_tensors()
        for run in range(3):
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
            interpreter.invoke()
            for key, detail in zip(sorted(want[run]), interpreter.get_output_details(), strict=True):
                assert_bitwise(
                    interpreter.get_tensor(detail["index"]), want[run][key], f"[{runtime}] run {run} {key}"
                )


def test_unseeded_nodes_draw_fresh_streams(tf):
    """seed = seed2 = 0: TF draws random seeds per kernel, opbridge per node. Values stay in each
    distribution's support, two nodes with the same attrs differ, runs differ, interpreters differ."""
    from tensorflow.python.ops import gen_random_ops as g

    def fn(x):
        return {
            "tn_a": g.truncated_normal([64], tf.float32),
            "tn_b": g.truncated_normal([64], tf.float32),
            "ui": g.random_uniform_int([64], -3, 4),
            "shuffle": g.random_shuffle(x),
            "gamma": g.random_gamma([64], [2.0]),
            "poisson": g.random_poisson_v2([64], [3.0]),
        }

    f = tf.function(fn, input_signature=signature(tf, ([64], tf.int32)))
    model = opbridge.convert(f)
    x = np.arange(64, dtype=np.int32)
    for runtime in RUNTIMES:
        runs = []
        for _ in range(2):
            session = SignatureSession(model, runtime)
            for _ in range(2):
                session.set_inputs([x])
                session.invoke()
                runs.append(session.outputs())
        for out in runs:
            assert np.all(np.abs(out["tn_a"]) < 2) and np.all((out["ui"] >= -3) & (out["ui"] < 4))
            assert sorted(out["shuffle"].tolist()) == x.tolist()
            assert np.all(out["gamma"] > 0) and np.all(out["poisson"] >= 0)
            assert out["tn_a"].tobytes() != out["tn_b"].tobytes()
        for key in ("tn_a", "ui", "shuffle", "gamma"):
            assert len({r[key].tobytes() for r in runs}) == 4, f"[{runtime}] {key} repeats across runs"


def test_errors_as_tf(tf):
    """TF's run-time errors: minval >= maxval (only for a non-empty output), a negative dim."""
    from tensorflow.python.ops import gen_random_ops as g

    def fn(shape, lo, hi):
        return {
            "ui": g.random_uniform_int(shape, lo, hi, seed=1, seed2=2),
            "tn": g.truncated_normal(shape, tf.float32, seed=1),
        }

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.int32), ([], tf.int64), ([], tf.int64)))
    model = opbridge.convert(f)
    cases = [
        ([3], 5, 5, "Need minval < maxval, got 5 >= 5"),
        ([2, -1], 0, 5, "Dimension -1 must be >= 0"),
    ]
    for shape, lo, hi, message in cases:
        inputs = [np.array(shape, np.int32), np.array(lo, np.int64), np.array(hi, np.int64)]
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(*inputs)
        for runtime in RUNTIMES:
            session = SignatureSession(model, runtime)
            session.set_inputs(inputs)
            with pytest.raises(RuntimeError, match=message):
                session.invoke()
    ok = [np.array([0, 3], np.int32), np.array(5, np.int64), np.array(5, np.int64)]  # empty: no range check
    # A fresh tf.function: the failed calls above ran (and advanced) f's TruncatedNormal kernel.
    fresh = tf.function(fn, input_signature=f.input_signature)
    run_series(
        tf, fresh, model, [ok, [np.array([4], np.int32), np.array(-2, np.int64), np.array(9, np.int64)]]
    )
