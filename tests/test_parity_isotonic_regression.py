"""IsotonicRegression (tf.nn.isotonic_regression): the TFLite kernel against TF's, bit for bit, in
both runtimes: every input dtype TF's CPU kernel registers (with the output dtype TF pairs it with)
in one model, rows with ties, NaN, infinities, long decreasing and increasing runs, ranks 1-3,
empty tensors, 1 and 2 threads; the public API's axis and decreasing=False around the op; and
TF's refusal of an output_dtype it has no kernel for."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.running import SignatureSession

# TF's kernels: float types keep their dtype, int8/int16 -> float, int32/int64 -> double.
OUT = {
    "float16": "float16",
    "bfloat16": "bfloat16",
    "float32": "float32",
    "float64": "float64",
    "int8": "float32",
    "int16": "float32",
    "int32": "float64",
    "int64": "float64",
}


def run(model: bytes, inputs: list[np.ndarray], runtime: str, threads: int = 1) -> dict[str, np.ndarray]:
    session = SignatureSession(model, runtime, num_threads=threads)
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()


def same_bits(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype, (
        what,
        got.shape,
        got.dtype,
        want.shape,
        want.dtype,
    )
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes(), (what, got, want)


def rows(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values with ties (small integers), runs, and a few NaN and infinities."""
    x = rng.integers(-6, 7, shape).astype(np.float64)
    flat = x.reshape(-1)
    if flat.size > 8:
        flat[: flat.size // 3] = np.sort(flat[: flat.size // 3])  # an increasing run: many merges
        flat[rng.integers(0, flat.size, 3)] = [np.nan, np.inf, -np.inf]
    return x


def cast(x: np.ndarray, dtype: str) -> np.ndarray:
    import tensorflow as tf

    if dtype.startswith("int"):
        return np.nan_to_num(x, nan=0, posinf=100, neginf=-100).astype(dtype)
    return tf.constant(x, dtype=dtype).numpy()


def test_registered_dtypes_match():
    assert registered_cpu_dtypes("IsotonicRegression") == set(OUT)


def test_every_dtype_bitwise(tf, rng):
    dtypes = sorted(OUT)

    def fn(*xs):
        out = {}
        for d, x in zip(dtypes, xs, strict=True):
            y, seg = tf.raw_ops.IsotonicRegression(input=x, output_dtype=tf.as_dtype(OUT[d]))
            out[f"{d}_y"], out[f"{d}_seg"] = y, seg
        return out

    specs = [([None, None, None], tf.as_dtype(d)) for d in dtypes]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"IsotonicRegression": len(dtypes)}
    f = tf.function(fn)
    for shape in [(2, 3, 7), (1, 1, 1), (3, 0, 4), (2, 2, 0), (1, 40, 300)]:
        inputs = [cast(rows(rng, shape), d) for d in dtypes]
        want = {k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()}
        for runtime in RUNTIMES:
            for threads in (1, 2) if shape[1] > 10 else (1,):
                got = run(model, inputs, runtime, threads)
                for k, v in want.items():
                    same_bits(got[k], v, f"[{runtime}, {threads}] {shape} {k}")


def test_public_api_axis_and_direction(tf, rng):
    def fn(x, v, s):
        inc, inc_seg = tf.nn.isotonic_regression(x, decreasing=False, axis=0)
        dec, dec_seg = tf.nn.isotonic_regression(v)
        sc, sc_seg = tf.raw_ops.IsotonicRegression(input=s)
        return {"inc": inc, "inc_seg": inc_seg, "dec": dec, "dec_seg": dec_seg, "sc": sc, "sc_seg": sc_seg}

    model = convert_fn(fn, ([None, None], tf.float32), ([None], tf.float64), ([], tf.float32))
    assert tflite_model.custom_op_counts(model) == {"IsotonicRegression": 3}
    f = tf.function(fn)
    for n in (1, 5, 64):
        inputs = [rows(rng, (n, 3)).astype(np.float32), rows(rng, (n,)), np.float32(rng.normal())]
        want = {k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()}
        for runtime in RUNTIMES:
            got = run(model, inputs, runtime)
            for k, v in want.items():
                # decreasing=False negates around the op: the sign of a NaN is then TFLite's
                # builtin NEG's, not the kernel's (test_every_dtype_bitwise has NaN bitwise).
                nan = np.isnan(v) if v.dtype.kind == "f" else np.zeros(v.shape, bool)
                assert np.array_equal(np.isnan(got[k]) if v.dtype.kind == "f" else nan, nan), (runtime, n, k)
                same_bits(np.where(nan, 0, got[k]), np.where(nan, 0, v), f"[{runtime}] n={n} {k}")


def test_output_dtype_without_kernel_fails(tf):
    """float input with output_dtype double: TF has no kernel, and neither do we."""

    def fn(x):
        return tf.raw_ops.IsotonicRegression(input=x, output_dtype=tf.float64)[0]

    with pytest.raises(Exception, match="No OpKernel was registered"):
        tf.function(fn)(tf.constant([1.0, 2.0]))
    model = convert_fn(fn, ([None], tf.float32))
    for runtime in RUNTIMES:
        with pytest.raises(
            RuntimeError,
            match="IsotonicRegression: no kernel for input 'input' of dtype float with output_dtype double",
        ):
            run(model, [np.array([1.0, 2.0], np.float32)], runtime)
