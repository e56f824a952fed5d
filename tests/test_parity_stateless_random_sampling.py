"""Stateless samplers with parameters (tf.random.stateless_binomial, stateless_gamma,
stateless_poisson, stateless_parameterized_truncated_normal): opbridge's TFLite kernels give TF's
exact bits.

Seeds and parameters are model inputs (the converter folds nothing). Outputs are compared byte
for byte over every dtype pair TF's CPU kernels register, each sampler's branches (binomial
inversion / BTRS / mirrored, gamma alpha == 1 / < 1 / > 1, Poisson Knuth / PTRS, the three
truncated-normal samplers), broadcast parameters, edge values, both runtimes and 1 and 2 threads.
TF's errors are compared too."""

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

FLOATS = ["float16", "float32", "float64"]
OUTPUTS = ["float16", "float32", "float64", "int32", "int64"]
SEEDS = [np.array([12, -34], np.int64), np.array([-(2**31), 7], np.int32)]


def run(model: bytes, inputs: list[np.ndarray], runtime: str, threads: int = 1) -> dict[str, np.ndarray]:
    session = SignatureSession(model, runtime, num_threads=threads)
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()


def assert_bitwise(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape}, TF gives {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, TF gives {want.dtype}"
    if np.ascontiguousarray(got).tobytes() != np.ascontiguousarray(want).tobytes():
        bad = np.flatnonzero(got.ravel() != want.ravel())
        raise AssertionError(
            f"{what}: {bad.size} of {want.size} differ, first at {bad[:3]}: "
            f"{got.ravel()[bad[:3]]} vs TF {want.ravel()[bad[:3]]}"
        )


def convert(tf: Any, fn: Any, *specs: tuple[list[int | None], Any]) -> tuple[Any, bytes]:
    sig = [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]
    f = tf.function(fn, input_signature=sig)
    return f, opbridge.convert(f)


def check(tf: Any, f: Any, model: bytes, inputs: list[np.ndarray], what: str, threads=(1, 2)) -> None:
    want = {k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()}
    for runtime in RUNTIMES:
        for n in threads:
            got = run(model, inputs, runtime, n)
            for key, value in want.items():
                assert_bitwise(got[key], value, f"[{runtime}, {n} threads] {what} {key}")


@pytest.mark.parametrize("dtype", FLOATS)
def test_binomial_every_branch_and_output_dtype(tf, dtype):
    """counts [4, 1] x probs [6]: p = 0, 1, tiny, < 0.5 and > 0.5 (mirrored), count * p on both
    sides of 10 (inversion / BTRS), counts 0, negative and fractional; 200 samples each."""
    d = tf.as_dtype(dtype)

    def fn(seed, counts, probs):
        return {
            o: tf.raw_ops.StatelessRandomBinomial(
                shape=[200, 4, 6], seed=seed, counts=counts, probs=probs, dtype=tf.as_dtype(o)
            )
            for o in OUTPUTS
        }

    f, model = convert(tf, fn, ([2], tf.int64), ([4, 1], d), ([6], d))
    assert tflite_model.custom_op_counts(model) == {"StatelessRandomBinomial": 5}
    counts = np.array([[0.0], [7.0], [40.5], [1000.0]], dtype)
    probs = np.array([0.0, 1.0, 0.001, 0.3, 0.75, 0.999], dtype)
    check(tf, f, model, [SEEDS[0], counts, probs], dtype)
    negative = np.array([[-3.0], [1.0], [2.0], [60000.0]], dtype)
    check(tf, f, model, [SEEDS[0], negative, probs[::-1].copy()], f"{dtype} negative count")


def test_binomial_seeds_shapes_and_nan(tf):
    """int32 seeds, an int64 shape input, scalar parameters, an empty output; a NaN prob is NaN
    in the float outputs (TF's integer outputs of a NaN are undefined, not compared)."""

    def fn(seed, shape, counts, probs):
        return {
            o: tf.raw_ops.StatelessRandomBinomial(
                shape=shape, seed=seed, counts=counts, probs=probs, dtype=tf.as_dtype(o)
            )
            for o in ("float32", "float64")
        }

    f, model = convert(tf, fn, ([2], tf.int32), ([None], tf.int64), ([], tf.float64), ([None], tf.float64))
    for shape, probs in (
        ([3001, 1], [0.4]),
        ([0, 1], [0.4]),
        ([5], [np.nan] * 5),
        ([2, 3], [0.6, 0.01, np.nan]),
    ):
        for counts in (3.0, 25.0):
            inputs = [SEEDS[1], np.array(shape, np.int64), np.array(counts), np.array(probs)]
            check(tf, f, model, inputs, f"{shape} {counts} {probs}")


def test_gamma_bitwise(tf):
    """tf.random.stateless_gamma (V3 after StatelessRandomGetKeyCounter) in every dtype and the
    raw V2 op: alpha == 1 (exponential), < 1 (boosted), > 1, huge, 0, negative, NaN, inf."""
    alphas = [1.0, 0.3, 0.01, 2.5, 7.0, 1e4, 0.0, -1.0, np.nan, np.inf]

    def fn(seed, alpha):
        out = {}
        key, counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)
        for d in FLOATS:
            a = tf.cast(alpha, d)
            out[d] = tf.raw_ops.StatelessRandomGammaV3(
                shape=[300, 10], key=key, counter=counter, alg=1, alpha=a
            )
            out[f"v2_{d}"] = tf.raw_ops.StatelessRandomGammaV2(shape=[300, 10], seed=seed, alpha=a)
        out["api"] = tf.random.stateless_gamma([7, 10], seed, alpha=tf.cast(alpha, tf.float32))
        return out

    f, model = convert(tf, fn, ([2], tf.int64), ([10], tf.float64))
    counts = tflite_model.custom_op_counts(model)
    assert counts["StatelessRandomGammaV3"] == 4 and counts["StatelessRandomGammaV2"] == 3
    for seed in SEEDS[:1]:
        check(tf, f, model, [seed, np.array(alphas)], "gamma")


@pytest.mark.parametrize("rate_dtype", OUTPUTS)
def test_poisson_bitwise(tf, rate_dtype):
    """Rates below 10 (Knuth), at and above 10 (PTRS), large, 0 and negative, in each rate dtype
    and each output dtype; floats also inf (a NaN sample, as TF's)."""
    d = tf.as_dtype(rate_dtype)

    def fn(seed, lam):
        return {
            o: tf.raw_ops.StatelessRandomPoisson(shape=[150, 8], seed=seed, lam=lam, dtype=tf.as_dtype(o))
            for o in OUTPUTS
        }

    f, model = convert(tf, fn, ([2], tf.int64), ([8], d))
    assert tflite_model.custom_op_counts(model) == {"StatelessRandomPoisson": 5}
    lam = np.array([0.5, 3, 9.9, 10, 37, 5000, 0, -2]).astype(rate_dtype)
    check(tf, f, model, [SEEDS[0], lam], rate_dtype)
    if rate_dtype.startswith("float"):
        fn_f = lambda seed, lam: {"f": tf.random.stateless_poisson([3, 4], seed, lam, dtype=tf.float32)}  # noqa: E731
        f2, model2 = convert(tf, fn_f, ([2], tf.int32), ([4], d))
        check(tf, f2, model2, [SEEDS[1], np.array([np.inf, -np.inf, 1e6, 1e-30]).astype(rate_dtype)], "inf")


@pytest.mark.parametrize("dtype", FLOATS)
def test_parameterized_truncated_normal_bitwise(tf, dtype):
    """All three samplers (normal draws, uniform proposal, exponential proposal), bounds on either
    side of the mean, one infinite bound, broadcast [4, 1] x [4] parameters; 10 samples each (TF
    runs these in one shard)."""
    d = tf.as_dtype(dtype)

    def fn(seed, means, stddevs, minvals, maxvals):
        return {
            "t": tf.random.stateless_parameterized_truncated_normal(
                [10, 4, 4], seed, means, stddevs, minvals, maxvals
            )
        }

    f, model = convert(tf, fn, ([2], tf.int64), ([4, 1], d), ([4], d), ([4, 4], d), ([4, 4], d))
    assert tflite_model.custom_op_counts(model) == {"StatelessParameterizedTruncatedNormal": 1}
    means = np.array([[0.0], [1.0], [-2.0], [0.0]], dtype)
    stddevs = np.array([1.0, 0.5, 2.0, 0.1], dtype)
    minvals = [[-1, 2, 0.1, -np.inf], [0.9, -5, 3, 1.0], [-3, -2.01, -np.inf, -2.5], [2, 3, -np.inf, 0.5]]
    maxvals = [[1, 2.5, 0.2, -1], [np.inf, 5, 3.5, 1.05], [-2.9, -1.99, 0.0, 10], [np.inf, 20, -5, 3]]
    minvals, maxvals = np.array(minvals, dtype), np.array(maxvals, dtype)
    for seed in (SEEDS[0], np.array([2**40, -1], np.int64)):
        check(tf, f, model, [seed, means, stddevs, minvals, maxvals], f"{dtype} {seed}")


ONE_THREAD_TF = """
import sys
import numpy as np
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(1)
lo, hi = [-1.0, 0.5], [1.0, 0.6]
out = tf.random.stateless_parameterized_truncated_normal([3000, 2], [5, -9], 0.0, 1.0, lo, hi)
np.save(sys.argv[1], out.numpy())
"""


MANY_MEMBERS_TF = """
import sys
import numpy as np
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(1)
args = np.load(sys.argv[1])
out = tf.random.stateless_parameterized_truncated_normal(
    [700, 48], [7, 11], args["means"], args["stddevs"], args["lo"], args["hi"]
)
np.save(sys.argv[2], out.numpy())
"""


def many_member_bounds():
    """48 float32 batch members over the three samplers: normal draws (wide bounds, one side
    infinite), exponential proposals (lower bounds 0.3-4 above the mean, some of them with
    upper bounds close enough to reject often), uniform proposals (narrow intervals), and
    bounds below the mean (swapped)."""
    rng = np.random.default_rng(5)
    lo = np.concatenate(
        [
            rng.uniform(-2.5, 0.0, 12),  # normal draws
            rng.uniform(0.3, 4.0, 14),  # exponential proposals
            rng.uniform(0.5, 2.0, 10),  # uniform proposals (narrow, below)
            [-np.inf, -np.inf, -3.0, -1.0, 2.0, 3.5, -0.2, 1.0, 0.2, 0.1, -5.0, -2.0],
        ]
    )
    hi = np.concatenate(
        [
            rng.uniform(0.5, 3.0, 12),
            np.where(np.arange(14) % 3 == 0, lo[12:26] + 0.4, np.inf),
            lo[26:36] + rng.uniform(0.01, 0.2, 10),
            [0.5, -1.0, -2.5, 1.0, np.inf, 3.6, 0.2, 1.01, 0.3, 5.0, -4.0, 2.0],
        ]
    )
    means = np.where(np.arange(48) % 5 == 0, 0.25, 0.0)
    stddevs = np.where(np.arange(48) % 7 == 0, 1.5, 1.0)
    return {k: v.astype(np.float32) for k, v in dict(means=means, stddevs=stddevs, lo=lo, hi=hi).items()}


def test_parameterized_truncated_normal_many_members_on_threads(tf, tmp_path):
    """float32 with enough members that the kernel spreads them over threads (each starting at
    the stream position the members before it reach, found by an approximate pass and checked):
    TF's one-thread bits on 1, 2 and 3 threads, in both runtimes."""
    args = many_member_bounds()
    np.savez(tmp_path / "args.npz", **args)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [sys.executable, "-c", MANY_MEMBERS_TF, str(tmp_path / "args.npz"), str(tmp_path / "want.npy")],
        check=True,
        env=env,
    )
    want = np.load(tmp_path / "want.npy")

    def fn(seed, means, stddevs, lo, hi):
        out = tf.random.stateless_parameterized_truncated_normal([700, 48], seed, means, stddevs, lo, hi)
        return {"t": out}

    spec = ([48], tf.float32)
    _, model = convert(tf, fn, ([2], tf.int32), spec, spec, spec, spec)
    inputs = [np.array([7, 11], np.int32), args["means"], args["stddevs"], args["lo"], args["hi"]]
    for runtime in RUNTIMES:
        for threads in (1, 2, 3):
            got = run(model, inputs, runtime, threads)["t"]
            assert_bitwise(got, want, f"[{runtime}, {threads}]")


def test_parameterized_truncated_normal_large_is_one_threaded_tf(tf, tmp_path):
    """Enough samples that TF shards them over its pool (its bits then depend on its thread count):
    opbridge gives TF's one-thread result, for any TFLite thread count."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", ONE_THREAD_TF, str(tmp_path / "want.npy")], check=True, env=env)
    want = np.load(tmp_path / "want.npy")

    def fn(seed):
        return {
            "t": tf.random.stateless_parameterized_truncated_normal(
                [3000, 2], seed, 0.0, 1.0, [-1.0, 0.5], [1.0, 0.6]
            )
        }

    _, model = convert(tf, fn, ([2], tf.int32))
    for runtime in RUNTIMES:
        for threads in (1, 2):
            got = run(model, [np.array([5, -9], np.int32)], runtime, threads)["t"]
            assert_bitwise(got, want, f"[{runtime}, {threads}]")


def error_cases(tf: Any) -> list[tuple[str, Any, list[tuple[list[int | None], Any]], list[np.ndarray], str]]:
    raw = tf.raw_ops
    ptn = raw.StatelessParameterizedTruncatedNormal
    i64, f32 = tf.int64, tf.float32
    seed = np.array([1, 2], np.int64)
    return [
        (
            "StatelessRandomBinomial",
            lambda s, c, p: {
                "o": raw.StatelessRandomBinomial(shape=[4, 3], seed=s, counts=c, probs=p, dtype=f32)
            },
            [([2], i64), ([None], f32), ([None], f32)],
            [seed, np.ones(2, np.float32), np.full(3, 0.5, np.float32)],
            r"counts and probs must have compatible batch dimensions: \[2\] vs. \[3\]",
        ),
        (
            "StatelessRandomBinomial",
            lambda s, c, p: {
                "o": raw.StatelessRandomBinomial(shape=[4, 3], seed=s, counts=c, probs=p, dtype=f32)
            },
            [([2], i64), ([None], f32), ([None], f32)],
            [seed, np.ones(2, np.float32), np.full(2, 0.5, np.float32)],
            "Shape passed in must end with broadcasted shape.",
        ),
        (
            "StatelessRandomGammaV2",
            lambda s, a: {"o": raw.StatelessRandomGammaV2(shape=[4, 3], seed=s, alpha=a)},
            [([2], i64), ([None], f32)],
            [seed, np.ones(4, np.float32)],
            "Shape passed in must end with broadcasted shape.",
        ),
        (
            "StatelessRandomPoisson",
            lambda s, r: {"o": raw.StatelessRandomPoisson(shape=[4, 3], seed=s, lam=r, dtype=f32)},
            [([2], i64), ([None], f32)],
            [seed, np.ones(2, np.float32)],
            "Shape passed in must end with broadcasted shape.",
        ),
        (
            "StatelessParameterizedTruncatedNormal",
            lambda s, m: {
                "o": ptn(shape=[5, 3], seed=s, means=m, stddevs=tf.ones([2]), minvals=-1.0, maxvals=1.0)
            },
            [([2], i64), ([None], f32)],
            [seed, np.ones(3, np.float32)],
            r"means, stddevs, minvals, maxvals must have compatible batch dimensions: "
            r"\[3\] vs. \[2\] vs. \[\] vs. \[\]",
        ),
        (
            "StatelessParameterizedTruncatedNormal",
            lambda s, lo: {"o": ptn(shape=[5, 2], seed=s, means=0.0, stddevs=1.0, minvals=lo, maxvals=1.0)},
            [([2], i64), ([None], f32)],
            [seed, np.array([0.0, 2.0], np.float32)],
            "Invalid parameters",
        ),
        (
            "StatelessParameterizedTruncatedNormal",
            lambda s, sd: {"o": ptn(shape=[5, 2], seed=s, means=0.0, stddevs=sd, minvals=-1.0, maxvals=1.0)},
            [([2], i64), ([None], f32)],
            [seed, np.array([1.0, 0.0], np.float32)],
            "Invalid parameters",
        ),
    ]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    for op, fn, specs, inputs, message in error_cases(tf):
        f, model = convert(tf, fn, *specs)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(*inputs)
        with pytest.raises(RuntimeError, match=f"{op}: {message}"):
            run(model, inputs, runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_no_hang_where_tf_loops_forever(tf, runtime):
    """A NaN rate (TF's rejection loop never accepts): opbridge errors instead of hanging; an
    empty output with invalid truncated-normal bounds is no error, as in TF."""

    def fn(seed, lam):
        return {"o": tf.raw_ops.StatelessRandomPoisson(shape=[2], seed=seed, lam=lam, dtype=tf.int32)}

    _, model = convert(tf, fn, ([2], tf.int64), ([], tf.float32))
    with pytest.raises(RuntimeError, match="StatelessRandomPoisson: lam gives no sample"):
        run(model, [np.array([1, 2], np.int64), np.array(np.nan, np.float32)], runtime)

    # A rate whose samples all overflow int32 (TF retries forever): one stuck sample fails the
    # op, and the other 2^21 do not each spend the sampler's tries (hours before the fix).
    def many(seed, lam):
        o = tf.raw_ops.StatelessRandomPoisson(shape=[1 << 20, 2], seed=seed, lam=lam, dtype=tf.int32)
        return {"o": o}

    _, model = convert(tf, many, ([2], tf.int64), ([2], tf.float32))
    with pytest.raises(RuntimeError, match="StatelessRandomPoisson: lam gives no sample"):
        run(model, [np.array([1, 2], np.int64), np.array([3.0, 1e30], np.float32)], runtime)

    def empty(seed, lo):
        return {"o": tf.random.stateless_parameterized_truncated_normal([0, 2], seed, 0.0, 1.0, lo, 1.0)}

    f, model = convert(tf, empty, ([2], tf.int64), ([2], tf.float32))
    inputs = [np.array([1, 2], np.int64), np.array([5.0, 5.0], np.float32)]
    assert f(*inputs)["o"].shape == (0, 2)
    assert run(model, inputs, runtime)["o"].shape == (0, 2)
