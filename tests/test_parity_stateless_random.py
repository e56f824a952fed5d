"""Stateless random ops (tf.random.stateless_*): opbridge's TFLite kernels give TF's exact bits.

The seed is always a model input, so StatelessRandomGetKeyCounter and the V2 op stay custom
(a constant seed lets the converter fold the whole draw). Outputs are compared bit for bit
(np.array_equal on the raw bytes) over seeds (negative, beyond int32, int32 and int64
seed tensors), shapes (scalar, empty, sizes not a multiple of 4, > 10k elements with 1 and
2 threads), every dtype TF's CPU kernels have, both runtimes; plus TF's errors, the V1 ops,
StatelessMultinomial and Keras' random image layers called with training=True."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession

SEEDS64 = [(0, 0), (7, -3), (-1, -(2**63)), (2**62 + 5, 123456789012)]
SEEDS32 = [(1, 2), (-5, 2**31 - 1), (-(2**31), -1)]
SIZES = [(0, 3), (1, 1), (3, 7), (2, 5003)]  # empty, one, odd, > 10k elements
FLOATS = ["float32", "float64", "float16", "bfloat16"]
LARGE = 10_000


def _bytes(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def assert_bitwise(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape}, TF gives {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, TF gives {want.dtype}"
    if _bytes(got) != _bytes(want):
        bad = np.flatnonzero(got.ravel() != want.ravel())
        raise AssertionError(f"{what}: {bad.size} of {want.size} elements differ, first at {bad[:3]}")


def run(model: bytes, inputs: list[np.ndarray], runtime: str, threads: int = 1) -> dict[str, np.ndarray]:
    session = SignatureSession(model, runtime, num_threads=threads)
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()


def check_model(tf: Any, fn: Any, model: bytes, inputs: list[np.ndarray], what: str) -> None:
    """Runs TF and both runtimes (2 threads too when the output is large), compares every output."""
    want = {k: v.numpy() for k, v in fn(*[tf.constant(a) for a in inputs]).items()}
    large = max(v.size for v in want.values()) > LARGE
    for runtime in RUNTIMES:
        for threads in (1, 2) if large else (1,):
            got = run(model, inputs, runtime, threads)
            for key, value in want.items():
                assert_bitwise(got[key], value, f"[{runtime}, {threads} threads] {what} {key}")


def signature(tf: Any, *specs: tuple[list[int | None], Any]) -> list[Any]:
    return [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_ops_bitwise(tf, dtype):
    """Uniform, normal and truncated normal (the V2 ops), output shape from a runtime tensor."""
    d = tf.as_dtype(dtype)

    def fn(seed, x):
        shape = tf.shape(x)
        return {
            "uniform": tf.random.stateless_uniform(shape, seed=seed, dtype=d),
            "normal": tf.random.stateless_normal(shape, seed=seed, dtype=d),
            "truncated": tf.random.stateless_truncated_normal(shape, seed=seed, dtype=d),
        }

    f = tf.function(fn, input_signature=signature(tf, ([2], tf.int64), ([None, None], tf.float32)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {
        "StatelessRandomGetKeyCounter": 1,  # the converter merges the three identical ones
        "StatelessRandomUniformV2": 1,
        "StatelessRandomNormalV2": 1,
        "StatelessTruncatedNormalV2": 1,
    }
    for seed in SEEDS64:
        for size in SIZES:
            check_model(
                tf, f, model, [np.array(seed, np.int64), np.zeros(size, np.float32)], f"{seed} {size}"
            )


def test_stock_converter_model(tf):
    """The stock tf.lite.TFLiteConverter (custom ops allowed) writes the same custom nodes;
    opbridge's kernels run its model, fed by index."""

    def fn(seed, x):
        shape = tf.shape(x)
        return {
            "u": tf.random.stateless_uniform(shape, seed=seed, dtype=tf.float16),
            "n": tf.random.stateless_normal(shape, seed=seed, dtype=tf.float64),
            "i": tf.random.stateless_uniform(shape, seed=seed, minval=-9, maxval=99, dtype=tf.int64),
            "c": tf.random.stateless_categorical(tf.reshape(x, [1, -1]), 7, seed=seed),
        }

    f = tf.function(fn, input_signature=signature(tf, ([2], tf.int32), ([None, None], tf.float32)))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    converter.allow_custom_ops = True
    model = converter.convert()
    assert tflite_model.custom_op_counts(model) == {
        "StatelessRandomGetKeyCounter": 1,
        "StatelessRandomUniformV2": 1,
        "StatelessRandomNormalV2": 1,
        "StatelessRandomUniformIntV2": 1,
        "StatelessMultinomial": 1,
    }
    seed, x = (
        np.array([-8, 2**31 - 1], np.int32),
        np.random.default_rng(1).normal(size=(3, 4001)).astype(np.float32),
    )
    want = {k: v.numpy() for k, v in f(seed, x).items()}
    for runtime in RUNTIMES:
        interpreter = opbridge.Interpreter(model_content=model, runtime=runtime, num_threads=2)
        # The frozen route: inputs in argument order, outputs in flatten order (sorted keys).
        inputs = interpreter.get_input_details()
        for detail, value in zip(inputs, [seed, x], strict=True):
            interpreter.resize_tensor_input(detail["index"], value.shape, strict=False)
        interpreter.allocate_tensors()
        for detail, value in zip(inputs, [seed, x], strict=True):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        outputs = interpreter.get_output_details()
        for key, detail in zip(sorted(want), outputs, strict=True):
            assert_bitwise(
                interpreter.get_tensor(detail["index"]), want[key], f"[{runtime}] stock model {key}"
            )


def test_static_shapes_and_int32_seed(tf):
    """Shapes known at conversion (a scalar included): the outputs are sized in prepare."""

    def fn(seed):
        out = {}
        for d in FLOATS:
            for shape in ([], [5], [3, 1, 9]):
                key = f"{d}_{len(shape)}"
                out[f"u_{key}"] = tf.random.stateless_uniform(shape, seed=seed, dtype=tf.as_dtype(d))
                out[f"n_{key}"] = tf.random.stateless_normal(shape, seed=seed, dtype=tf.as_dtype(d))
                out[f"t_{key}"] = tf.random.stateless_truncated_normal(shape, seed=seed, dtype=tf.as_dtype(d))
        return out

    f = tf.function(fn, input_signature=signature(tf, ([2], tf.int32)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model)["StatelessRandomUniformV2"] == 12
    for seed in SEEDS32:
        check_model(tf, f, model, [np.array(seed, np.int32)], f"seed {seed}")


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_uniform_int_bitwise(tf, dtype):
    """minval + bits % range with bounds fed at run time: ranges of 1, powers of two and their
    neighbours, the widest range and ranges above half the type's span."""
    d = tf.as_dtype(dtype)

    def fn(seed, x, lo, hi):
        return {"int": tf.random.stateless_uniform(tf.shape(x), seed=seed, minval=lo, maxval=hi, dtype=d)}

    specs = (([2], tf.int32), ([None, None], tf.float32), ([], d), ([], d))
    f = tf.function(fn, input_signature=signature(tf, *specs))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {
        "StatelessRandomGetKeyCounter": 1,
        "StatelessRandomUniformIntV2": 1,
    }
    info = np.iinfo(dtype)
    bits = info.bits
    ranges = [(0, 10), (-5, 1000), (-3, -2), (int(info.min), int(info.max)), (int(info.min), 7)]
    ranges += [(0, 2 ** (bits - 2)), (-1, 2 ** (bits - 2)), (1, 2 ** (bits - 2))]
    ranges += [(int(info.min), 1), (-1000, 10**9)]
    for lo, hi in ranges:
        for seed, size in zip(SEEDS32, SIZES[1:], strict=True):
            inputs = [
                np.array(seed, np.int32),
                np.zeros(size, np.float32),
                np.array(lo, dtype),
                np.array(hi, dtype),
            ]
            check_model(tf, f, model, inputs, f"[{lo}, {hi}) {seed} {size}")


def test_uniform_full_int_bitwise(tf):
    def fn(seed, x):
        return {
            d: tf.random.stateless_uniform(
                tf.shape(x), seed=seed, minval=None, maxval=None, dtype=tf.as_dtype(d)
            )
            for d in ("int32", "int64", "uint32", "uint64")
        }

    f = tf.function(fn, input_signature=signature(tf, ([2], tf.int64), ([None, None], tf.float32)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model)["StatelessRandomUniformFullIntV2"] == 4
    for seed, size in zip(SEEDS64, SIZES, strict=True):
        check_model(tf, f, model, [np.array(seed, np.int64), np.zeros(size, np.float32)], f"{seed} {size}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_uniform_int_range_errors_as_tf(tf, runtime):
    def fn(seed, x, lo, hi):
        return {
            "int": tf.random.stateless_uniform(tf.shape(x), seed=seed, minval=lo, maxval=hi, dtype=tf.int32)
        }

    specs = (([2], tf.int64), ([None], tf.float32), ([], tf.int32), ([], tf.int32))
    f = tf.function(fn, input_signature=signature(tf, *specs))
    model = opbridge.convert(f)
    seed = np.array([1, 2], np.int64)
    for lo, hi in [(5, 5), (3, -3)]:
        bounds = [np.array(lo, np.int32), np.array(hi, np.int32)]
        message = f"Need minval < maxval, got {lo} >= {hi}"
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(seed, np.zeros(4, np.float32), *bounds)
        with pytest.raises(RuntimeError, match=f"StatelessRandomUniformIntV2: {message}"):
            run(model, [seed, np.zeros(4, np.float32), *bounds], runtime)
        # An empty output is never checked, in TF as here.
        assert f(seed, np.zeros(0, np.float32), *bounds)["int"].shape == (0,)
        assert run(model, [seed, np.zeros(0, np.float32), *bounds], runtime)["int"].shape == (0,)


def raw_v2(tf: Any, op: str = "StatelessRandomUniformV2", dtype: str = "float32") -> tuple[Any, bytes]:
    """A V2 float op (uniform by default) with shape, key, counter and alg all fed at run time."""

    def fn(shape, key, counter, alg):
        return {"u": getattr(tf.raw_ops, op)(shape=shape, key=key, counter=counter, alg=alg, dtype=dtype)}

    specs = (([None], tf.int64), ([None], tf.uint64), ([None], tf.uint64), ([], tf.int32))
    f = tf.function(fn, input_signature=signature(tf, *specs))
    return f, opbridge.convert(f)


def test_alg_key_counter_inputs(tf):
    """AUTO_SELECT (3) is Philox (1) on CPU; any counter of >= 2 words (only 2 are read)."""
    f, model = raw_v2(tf)
    assert tflite_model.custom_op_counts(model) == {"StatelessRandomUniformV2": 1}
    key = np.array([0xFEDCBA9876543210], np.uint64)
    for alg in (1, 3):
        for counter in ([0, 0], [2**64 - 1, 2**63 + 3], [1, 2, 3]):
            shape = np.array([5, 2003], np.int64)  # > 10k values: 2 threads skip into the counter's carries
            inputs = [shape, key, np.array(counter, np.uint64), np.array(alg, np.int32)]
            check_model(tf, f, model, inputs, f"alg {alg} counter {counter}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_counter_carries(tf, dtype):
    """float32 and float64 normal values are drawn eight Philox blocks at a time on AVX2 CPUs while the
    counter's low word does not wrap within them, one block at a time from there: counters
    whose low word wraps inside the output (and whose carry runs into the high words), at 1
    and 2 threads (each thread skips to its own first block)."""
    f, model = raw_v2(tf, "StatelessRandomNormalV2", dtype)
    assert tflite_model.custom_op_counts(model) == {"StatelessRandomNormalV2": 1}
    key = np.array([0x0123456789ABCDEF], np.uint64)
    for counter in ([2**32 - 5, 7], [2**32 - 2500, 0], [2**64 - 3, 2**63 + 1], [2**64 - 1, 2**64 - 1]):
        shape = np.array([5, 2003], np.int64)
        inputs = [shape, key, np.array(counter, np.uint64), np.array(1, np.int32)]
        check_model(tf, f, model, inputs, f"counter {counter}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_v2_input_errors_as_tf(tf, runtime):
    f, model = raw_v2(tf)
    shape, key, counter = np.array([5], np.int64), np.array([1], np.uint64), np.array([0, 1], np.uint64)
    cases = [  # (inputs, TF's message)
        # THREEFRY (2): TF has no CPU kernel for it.
        ([shape, key, counter, np.array(2, np.int32)], "Unsupported algorithm id: 2"),
        ([shape, key, counter, np.array(0, np.int32)], "Unsupported algorithm id: 0"),
        ([shape, key, counter, np.array(5, np.int32)], r"counter must be a vector with length at least 5"),
        ([shape, np.array([1, 2], np.uint64), counter, np.array(1, np.int32)], r"key must have shape \[1\]"),
        ([np.array([2, -1], np.int64), key, counter, np.array(1, np.int32)], "Dimension -1 must be >= 0"),
    ]
    for inputs, message in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(*inputs)
        with pytest.raises(RuntimeError, match=f"StatelessRandomUniformV2: {message}"):
            run(model, inputs, runtime)
    # THREEFRY with an empty output: TF returns before looking at the algorithm.
    empty = [np.array([0, 4], np.int64), key, counter, np.array(2, np.int32)]
    assert run(model, empty, runtime)["u"].shape == f(*empty)["u"].shape == (0, 4)
    # A one-word counter: TF's Philox reads a second word past its end; opbridge refuses it.
    with pytest.raises(RuntimeError, match="Philox needs 2 elements"):
        run(model, [shape, key, np.array([7], np.uint64), np.array(1, np.int32)], runtime)


def test_key_counter_ops(tf):
    """StatelessRandomGetKeyCounter(Alg) and GetAlg themselves (TF's Python API emits only the first)."""

    def fn(seed64, seed32):
        key, counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed64)
        key_a, counter_a, alg = tf.raw_ops.StatelessRandomGetKeyCounterAlg(seed=seed32)
        alone = tf.raw_ops.StatelessRandomGetAlg() + seed32[0] * 0
        return {
            "key": key,
            "counter": counter,
            "key_a": key_a,
            "counter_a": counter_a,
            "alg": alg,
            "alone": alone,
        }

    f = tf.function(fn, input_signature=signature(tf, ([2], tf.int64), ([2], tf.int32)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {
        "StatelessRandomGetKeyCounter": 1,
        "StatelessRandomGetKeyCounterAlg": 1,
        "StatelessRandomGetAlg": 1,
    }
    for s64, s32 in zip(SEEDS64, [*SEEDS32, (0, 0)], strict=True):
        check_model(tf, f, model, [np.array(s64, np.int64), np.array(s32, np.int32)], f"{s64} {s32}")


@pytest.mark.parametrize("dtype", FLOATS)
def test_v1_ops_bitwise(tf, dtype):
    """The V1 ops (seed in the op) over int32 and int64 shapes and seeds."""
    d = tf.as_dtype(dtype)

    def fn(shape, seed64, seed32):
        r = tf.raw_ops
        out = {
            "u": r.StatelessRandomUniform(shape=shape, seed=seed64, dtype=d),
            "n": r.StatelessRandomNormal(shape=tf.cast(shape, tf.int32), seed=seed32, dtype=d),
            "t": r.StatelessTruncatedNormal(shape=shape, seed=seed32, dtype=d),
        }
        if dtype == "float32":
            for i in ("int32", "int64"):
                lo, hi = tf.constant(-7, i), tf.constant(2**31 - 1, i)
                out[f"i_{i}"] = r.StatelessRandomUniformInt(shape=shape, seed=seed64, minval=lo, maxval=hi)
            for i in ("int32", "int64", "uint32", "uint64"):
                out[f"f_{i}"] = r.StatelessRandomUniformFullInt(
                    shape=shape, seed=seed32, dtype=tf.as_dtype(i)
                )
        return out

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.int64), ([2], tf.int64), ([2], tf.int32)))
    model = opbridge.convert(f)
    counts = tflite_model.custom_op_counts(model)
    assert counts["StatelessRandomUniform"] == counts["StatelessTruncatedNormal"] == 1
    assert counts["StatelessRandomNormal"] == 1
    if dtype == "float32":
        assert counts["StatelessRandomUniformInt"] == 2 and counts["StatelessRandomUniformFullInt"] == 4
    for s64, s32, shape in zip(SEEDS64, [*SEEDS32, (3, 3)], [[], [0, 5], [7], [3, 3371]], strict=True):
        inputs = [np.array(shape, np.int64), np.array(s64, np.int64), np.array(s32, np.int32)]
        check_model(tf, f, model, inputs, f"{shape} {s64} {s32}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_v1_errors_as_tf(tf, runtime):
    def fn(shape, seed):
        return {"u": tf.raw_ops.StatelessRandomUniform(shape=shape, seed=seed)}

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.int32), ([None], tf.int64)))
    model = opbridge.convert(f)
    for inputs, message in [
        ([np.array([3], np.int32), np.array([1, 2, 3], np.int64)], r"seed must have shape \[2\], not \[3\]"),
        ([np.array([-3], np.int32), np.array([1, 2], np.int64)], "Dimension -3 must be >= 0"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(*inputs)
        with pytest.raises(RuntimeError, match=f"StatelessRandomUniform: {message}"):
            run(model, inputs, runtime)


def test_multinomial_bitwise(tf, rng):
    """tf.random.stateless_categorical: logits of every float dtype, with NaN, +-inf, all -inf rows,
    num_samples fed at run time, int32 and int64 outputs. Batches stay below TF's sharding
    threshold, where TF draws every row from one stream (docs/ops/stateless_random.md)."""

    def fn(logits, num_samples, seed):
        out = {}
        for d in FLOATS:
            x = tf.cast(logits, tf.as_dtype(d))
            out[d] = tf.random.stateless_categorical(x, num_samples, seed=seed)
            out[f"{d}_i32"] = tf.random.stateless_categorical(x, num_samples, seed=seed, dtype=tf.int32)
        return out

    specs = (([None, None], tf.float32), ([], tf.int32), ([2], tf.int64))
    f = tf.function(fn, input_signature=signature(tf, *specs))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"StatelessMultinomial": 8}
    special = np.array([[np.nan, 0.5, np.inf, -1.0], [-np.inf] * 4, [3.0, -np.inf, 3.0, 2.0]], np.float32)
    cases = [
        (rng.normal(size=(1, 32000)).astype(np.float32), 5),  # a language model's vocabulary
        (rng.normal(size=(3, 50)).astype(np.float32) * 4, 63),
        (special, 17),
        (rng.normal(size=(2, 3)).astype(np.float32), 0),
        (np.zeros((0, 3), np.float32), 4),
    ]
    for (logits, n), seed in zip(cases, [*SEEDS64, (9, 9)], strict=True):
        check_model(
            tf, f, model, [logits, np.array(n, np.int32), np.array(seed, np.int64)], f"{logits.shape} {n}"
        )


ONE_THREAD_TF = """
import sys
import numpy as np
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(1)
logits = np.load(sys.argv[1])
np.save(sys.argv[2], tf.random.stateless_categorical(logits, 64, seed=[3, -4]).numpy())
"""


def test_multinomial_large_batches_are_one_threaded_tf(tf, rng, tmp_path):
    """Batches heavy enough that TF shards them over its pool (its result then depends on its
    thread count): opbridge gives TF's one-thread result, for any TFLite thread count."""
    logits = rng.normal(size=(8, 1000)).astype(np.float32)
    np.save(tmp_path / "logits.npy", logits)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    script = [sys.executable, "-c", ONE_THREAD_TF, str(tmp_path / "logits.npy"), str(tmp_path / "want.npy")]
    subprocess.run(script, check=True, env=env)
    want = np.load(tmp_path / "want.npy")

    def fn(x, seed):
        return {"s": tf.random.stateless_categorical(x, 64, seed=seed)}

    f = tf.function(fn, input_signature=signature(tf, ([None, None], tf.float32), ([2], tf.int64)))
    model = opbridge.convert(f)
    seed = np.array([3, -4], np.int64)
    for runtime in RUNTIMES:
        for threads in (1, 2):
            assert_bitwise(run(model, [logits, seed], runtime, threads)["s"], want, f"[{runtime}, {threads}]")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_multinomial_errors_as_tf(tf, runtime):
    def fn(logits, num_samples, seed):
        return {"s": tf.random.stateless_categorical(logits, num_samples, seed=seed)}

    specs = (([None, None], tf.float32), ([], tf.int32), ([2], tf.int32))
    f = tf.function(fn, input_signature=signature(tf, *specs))
    model = opbridge.convert(f)
    seed = np.array([1, 2], np.int32)
    for logits, n, message in [
        (np.zeros((2, 3), np.float32), -1, "num_samples should be non-negative, got -1"),
        (np.zeros((2, 0), np.float32), 3, "num_classes should be positive, got 0"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(logits, np.array(n, np.int32), seed)
        with pytest.raises(RuntimeError, match=f"StatelessMultinomial: {message}"):
            run(model, [logits, np.array(n, np.int32), seed], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dtypes_tf_has_no_cpu_kernel_for_are_refused(tf, runtime):
    """The ops admit integer logits (StatelessMultinomial) and uint32/uint64 bounds
    (StatelessRandomUniformIntV2), the converter emits them, but TF's CPU kernels take neither: TF
    refuses the nodes, and so do the kernels, before anything else (an empty output too)."""
    r = tf.raw_ops
    logits = np.ones((2, 3), np.int32)
    with pytest.raises(tf.errors.NotFoundError):
        r.StatelessMultinomial(logits=logits, num_samples=2, seed=[1, 2])
    f = tf.function(
        lambda x, n, seed: {"s": r.StatelessMultinomial(logits=x, num_samples=n, seed=seed)},
        input_signature=signature(tf, ([None, None], tf.int32), ([], tf.int32), ([2], tf.int32)),
    )
    model = opbridge.convert(f)
    message = r"StatelessMultinomial: TF has no CPU kernel for T=int32 \(only half, bfloat16, float, double\)"
    for n in (2, 0):
        with pytest.raises(RuntimeError, match=message):
            run(model, [logits, np.array(n, np.int32), np.array([1, 2], np.int32)], runtime)
    for dtype in (np.uint32, np.uint64):
        d = tf.as_dtype(dtype)

        def uniform(shape, key, counter, d=d):
            bounds = {"minval": tf.constant(0, d), "maxval": tf.constant(10, d)}
            return {
                "u": r.StatelessRandomUniformIntV2(shape=shape, key=key, counter=counter, alg=1, **bounds)
            }

        inputs = [np.array([3], np.int32), np.array([1], np.uint64), np.array([0, 0], np.uint64)]
        with pytest.raises(tf.errors.NotFoundError):
            uniform(*inputs)
        specs = (([None], tf.int32), ([1], tf.uint64), ([2], tf.uint64))
        model = opbridge.convert(tf.function(uniform, input_signature=signature(tf, *specs)))
        message = (
            rf"StatelessRandomUniformIntV2: no CPU kernel for dtype {d.name} \(TF registers int32 and int64"
        )
        for shape in ([3], [0]):
            with pytest.raises(RuntimeError, match=message):
                run(model, [np.array(shape, np.int32), *inputs[1:]], runtime)


LAYERS = {
    "RandomFlip": lambda k: k.layers.RandomFlip(seed=3),
    "RandomRotation": lambda k: k.layers.RandomRotation(0.2, seed=3),
    "RandomContrast": lambda k: k.layers.RandomContrast(0.3, seed=3),
    "RandomTranslation": lambda k: k.layers.RandomTranslation(0.1, 0.2, seed=3),
    "RandomZoom": lambda k: k.layers.RandomZoom(0.2, seed=3),
    "RandomBrightness": lambda k: k.layers.RandomBrightness(0.2, seed=3),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_keras_random_layers_in_training_mode(tf, layer):
    """A Keras model calling an augmentation layer with training=True: its SeedGenerator state
    becomes a TFLite resource variable, advanced at each invoke as in TF, and the draws are
    TF's. RandomRotation also goes through builtin SIN/COS, which are not bit-exact with TF."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    class Augment(keras.Model):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def call(self, x: Any) -> Any:
            return self.inner(x, training=True)

    x = np.random.default_rng(5).random((2, 9, 7, 3)).astype(np.float32) * 255
    model = Augment(LAYERS[layer](keras))
    model(x[:1])
    converted = opbridge.convert(model)
    counts = tflite_model.custom_op_counts(converted)
    assert counts["StatelessRandomUniformV2"] == counts["StatelessRandomGetKeyCounter"] >= 1
    twin = Augment(LAYERS[layer](keras))
    twin(x[:1])
    for mine, theirs in zip(twin.variables, model.variables, strict=True):
        mine.assign(theirs)
    want = [twin(x).numpy() for _ in range(2)]
    for runtime in RUNTIMES:
        session = SignatureSession(converted, runtime)
        session.set_inputs([x])
        for step, expected in enumerate(want):
            session.invoke()
            (got,) = session.outputs().values()
            if layer in ("RandomRotation", "RandomContrast"):
                np.testing.assert_allclose(
                    got, expected, rtol=0, atol=1e-3, err_msg=f"[{runtime}] step {step}"
                )
            else:
                assert_bitwise(got, expected, f"[{runtime}] {layer} step {step}")
