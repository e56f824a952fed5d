"""StatelessShuffle (tf.random.experimental.stateless_shuffle): the TFLite kernel gives TF's exact
permutation, bit for bit, in both runtimes: every dtype TF's CPU kernel registers that TFLite can
hold (all in one model, strings included), vectors of 0, 1, 2, odd and > 1000 rows, rank-3
tensors (rows of several elements, one row, no rows), a scalar, int32 and int64 seeds (the seed an
input, so StatelessRandomGetKeyCounter stays a custom op too), 1 and 2 threads; the raw op with
key/counter/alg inputs (alg AUTO_SELECT and Philox), and TF's errors for a bad alg or key."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.running import SignatureSession

# TF registers TF_CALL_ALL_TYPES; resource and variant tensors cannot be model inputs.
DTYPES = [
    "bfloat16",
    "bool",
    "complex128",
    "complex64",
    "float16",
    "float32",
    "float64",
    "int16",
    "int32",
    "int64",
    "int8",
    "string",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
]


def run(model: bytes, inputs: list[np.ndarray], runtime: str, threads: int = 1) -> dict[str, np.ndarray]:
    session = SignatureSession(model, runtime, num_threads=threads)
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()


def same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if want.dtype == object or want.dtype.kind == "S":
        assert [bytes(v) for v in got.ravel()] == [bytes(v) for v in want.ravel()], what
        return
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes(), (what, got, want)


def values(tf, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct values (so any wrong permutation shows) of `dtype`."""
    n = int(np.prod(shape))
    base = np.arange(n)
    if dtype == "string":
        return np.array([f"s{i}".encode() for i in base], dtype=object).reshape(shape)
    if dtype == "bool":
        return (base % 3 == 0).reshape(shape)
    if dtype.startswith("complex"):
        return (base + 1j * (n - base)).astype(dtype).reshape(shape)
    return tf.constant(base % 120, dtype=dtype).numpy().reshape(shape)


def test_registered_dtypes_covered():
    assert registered_cpu_dtypes("StatelessShuffle") - {"resource", "variant"} == set(DTYPES)


def test_every_dtype_bitwise(tf):
    def fn(seed, *xs):
        return {d: tf.random.experimental.stateless_shuffle(x, seed) for d, x in zip(DTYPES, xs, strict=True)}

    model = convert_fn(fn, ([2], tf.int64), *[([None], tf.as_dtype(d)) for d in DTYPES])
    assert tflite_model.custom_op_counts(model) == {
        "StatelessShuffle": len(DTYPES),
        "StatelessRandomGetKeyCounter": 1,
    }
    f = tf.function(fn)
    for n, seed in [(0, (1, 2)), (1, (3, 4)), (2, (0, 0)), (7, (-1, 2**40)), (1501, (2**62, -(2**63)))]:
        inputs = [np.array(seed, np.int64)] + [values(tf, d, (n,)) for d in DTYPES]
        want = {k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()}
        for runtime in RUNTIMES:
            got = run(model, inputs, runtime)
            for k, v in want.items():
                same(got[k], v, f"[{runtime}] n={n} seed={seed} {k}")


def test_rows_and_scalars(tf):
    def fn(seed, x, s, t):
        return {
            "rows": tf.random.experimental.stateless_shuffle(x, seed),
            "scalar": tf.random.experimental.stateless_shuffle(s, seed),
            "strings": tf.random.experimental.stateless_shuffle(t, seed),
        }

    model = convert_fn(
        fn, ([2], tf.int32), ([None, None, None], tf.float32), ([], tf.int32), ([None, None], tf.string)
    )
    f = tf.function(fn)
    for shape, seed in [
        ((7, 3, 2), (5, 6)),
        ((1, 4, 4), (1, 1)),
        ((0, 3, 2), (2, 2)),
        ((4, 0, 2), (9, 9)),
        ((3000, 2, 3), (-7, 2**31 - 1)),
    ]:
        inputs = [
            np.array(seed, np.int32),
            values(tf, "float32", shape),
            np.int32(42),
            values(tf, "string", shape[:2]),
        ]
        want = {k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()}
        for runtime in RUNTIMES:
            for threads in (1, 2) if shape[0] > 100 else (1,):
                got = run(model, inputs, runtime, threads)
                for k, v in want.items():
                    same(got[k], v, f"[{runtime}, {threads}] {shape} {k}")


def test_raw_op_key_counter_alg_and_errors(tf):
    def fn(x, key, counter, alg):
        return tf.raw_ops.StatelessShuffle(value=x, key=key, counter=counter, alg=alg)

    model = convert_fn(fn, ([None], tf.int32), ([None], tf.uint64), ([None], tf.uint64), ([], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"StatelessShuffle": 1}
    f = tf.function(fn)
    x = np.arange(50, dtype=np.int32)
    good = [
        (x, np.array([123], np.uint64), np.array([4, 5], np.uint64), np.int32(1)),
        (x, np.array([2**64 - 1], np.uint64), np.array([2**63, 7], np.uint64), np.int32(3)),
    ]
    for inputs in good:
        want = f(*[tf.constant(a) for a in inputs]).numpy()
        for runtime in RUNTIMES:
            same(run(model, list(inputs), runtime)["output_0"], want, f"[{runtime}] alg {inputs[3]}")
    bad = [
        (
            (x, np.array([1], np.uint64), np.array([4, 5], np.uint64), np.int32(2)),
            "Unsupported algorithm id: 2",
        ),
        (
            (x[:0], np.array([1], np.uint64), np.array([4, 5], np.uint64), np.int32(2)),
            "Unsupported algorithm id: 2",
        ),
        (
            (x, np.array([1, 2], np.uint64), np.array([4, 5], np.uint64), np.int32(1)),
            "key must have shape [1]",
        ),
    ]
    for inputs, message in bad:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message.replace("[", r"\[")):
            f(*[tf.constant(a) for a in inputs])
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match="StatelessShuffle: " + message.replace("[", r"\[")):
                run(model, list(inputs), runtime)
