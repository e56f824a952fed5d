"""FractionalMaxPool and FractionalAvgPool (tf.nn.fractional_max_pool / fractional_avg_pool): output and
both pooling sequences exactly as TF for given seeds, over pseudo_random x overlapping, fractional and
integer ratios, sizes the ratios do not divide, every registered dtype, shapes known only at run time;
unseeded ops give valid fresh sequences; TF's errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession
from opbridge.testing import assert_parity, run_tflite

OPS = ["FractionalMaxPool", "FractionalAvgPool"]
# (row ratio, col ratio): fractional in (1, 2), exactly 2, irrational, beyond 2, one per dim.
RATIOS = [(1.44, 1.73), (2.0, math.sqrt(2)), (math.sqrt(2), 2.0), (1.73, 2.6), (3.3, 1.0)]
# (seed, seed2) pairs, including negative and 64-bit ones (TF reads both as uint64).
SEEDS = [(1, 2), (0, 7), (-5, 2**62 + 3), (123456789, 0)]


def raw(tf, op, x, ratio, pseudo_random, overlapping, seed, seed2):
    return getattr(tf.raw_ops, op)(
        value=x,
        pooling_ratio=[1.0, ratio[0], ratio[1], 1.0],
        pseudo_random=pseudo_random,
        overlapping=overlapping,
        deterministic=True,
        seed=seed,
        seed2=seed2,
    )


def every_setting(tf, op):
    """Every pseudo_random x overlapping x ratio, each with its own seeds; then the tf.nn wrapper with a
    seed (which sets deterministic and derives seed/seed2 from the graph seed)."""
    wrapper = tf.nn.fractional_max_pool if op == "FractionalMaxPool" else tf.nn.fractional_avg_pool

    def fn(x, even):
        outs = []
        k = 0
        for pseudo_random in (False, True):
            for overlapping in (False, True):
                for ratio in RATIOS:
                    outs += raw(tf, op, x, ratio, pseudo_random, overlapping, *SEEDS[k % len(SEEDS)])
                    k += 1
                # Ratios that divide the sizes: TF still draws (pseudo-random shifts the regions by one).
                outs += raw(tf, op, even, (2.0, 4.0), pseudo_random, overlapping, 11, 3)
                outs += wrapper(x, [1.0, 1.6, 1.9, 1.0], pseudo_random, overlapping, seed=17 + k)
        return outs

    return fn


def values(rng, shape, dtype):
    if np.dtype(dtype).kind == "i":
        return rng.integers(-(2**20), 2**20, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.int32, np.int64], ids=lambda d: np.dtype(d).name
)
@pytest.mark.parametrize("op", OPS)
def test_seeded_pooling_matches_tf(tf, rng, op, dtype):
    """All three outputs exactly, for 2 x 2 x 5 settings and two input shapes per model."""
    x = values(rng, (2, 17, 23, 3), dtype)
    even = values(rng, (1, 12, 16, 2), dtype)
    report = assert_parity(every_setting(tf, op), [x, even], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 2 * 2 * (len(RATIOS) + 2)}


@pytest.mark.parametrize("op", OPS)
def test_nan_infinities_and_integer_sums_as_tf(tf, rng, op):
    """A NaN never wins a max (TF's maximum starts at lowest and takes only larger values) but spreads
    through a mean; -inf regions give -inf; int32 sums wrap and int32 means truncate toward zero."""
    x = rng.standard_normal((1, 13, 11, 4)).astype(np.float32)
    x[0, ::3, ::2, 0] = np.nan
    x[0, :, :, 1] = -np.inf
    x[0, 2:5, :, 2] = np.inf
    big = rng.integers(2**30, 2**31 - 1, (1, 13, 11, 2)).astype(np.int32)
    big[..., 1] = -big[..., 1] // 3

    def fn(a, b):
        outs = []
        for pseudo_random in (False, True):
            for overlapping in (False, True):
                outs += raw(tf, op, a, (1.44, 1.73), pseudo_random, overlapping, 5, 6)
                outs += raw(tf, op, b, (2.6, 1.44), pseudo_random, overlapping, 7, 8)
        return outs

    assert_parity(fn, [x, big], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_shapes_known_at_run_time(tf, rng, runtime):
    """Output size and sequences follow each input shape the model is run with."""

    def fn(v):
        return [
            *raw(tf, "FractionalMaxPool", v, (1.44, 1.73), True, True, 3, 4),
            *raw(tf, "FractionalAvgPool", v, (1.73, 1.44), False, False, 5, 6),
        ]

    model = convert_fn(fn, ((None,) * 4, tf.float32))
    for shape in [(2, 9, 14, 3), (1, 20, 7, 5), (1, 2, 2, 1)]:
        x = rng.standard_normal(shape).astype(np.float32)
        got = list(run_tflite(model, [x], runtime).values())
        want = [t.numpy() for t in fn(x)]
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


def pool_by_sequences(x, rows, cols, overlapping, reduce):
    """The pooling TF's kernel does with given sequences: region [s[i], s[i+1]] with overlapping, else
    [s[i], s[i+1]), clipped to the input."""
    out = np.empty((x.shape[0], len(rows) - 1, len(cols) - 1, x.shape[3]), x.dtype)
    for r in range(len(rows) - 1):
        r1 = min(rows[r + 1] + overlapping, x.shape[1])
        for c in range(len(cols) - 1):
            c1 = min(cols[c + 1] + overlapping, x.shape[2])
            out[:, r, c] = reduce(x[:, rows[r] : r1, cols[c] : c1], axis=(1, 2))
    return out


def check_sequence(seq, size, ratio):
    """TF's invariants: 0 to size in floor(size / ratio) steps of k or k + 1, k = size // steps."""
    steps = int(np.floor(np.float32(size) / np.float32(ratio)))
    k = size // steps
    assert seq.dtype == np.int64 and len(seq) == steps + 1 and seq[0] == 0 and seq[-1] == size
    assert set(np.diff(seq)) <= {k, k + 1}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_unseeded_pooling_is_fresh_and_valid(tf, rng, runtime):
    """seed=0 (deterministic=false): TF draws new seeds at every run, so only validity is comparable:
    sequence invariants, and the output is the pooling over the sequences returned with it. With
    deterministic=true and both seeds 0 TF draws the seeds once per kernel: repeated runs agree."""

    def fn(v):
        return [
            *tf.nn.fractional_max_pool(v, [1.0, 1.44, 1.73, 1.0], pseudo_random=False, overlapping=True),
            *tf.nn.fractional_avg_pool(v, [1.0, 1.73, 1.44, 1.0], pseudo_random=True, overlapping=False),
            *raw(tf, "FractionalMaxPool", v, (1.44, 1.73), False, False, 0, 0),
        ]

    model = convert_fn(fn, ((1, 31, 29, 2), tf.float64))
    assert tflite_model.custom_op_counts(model) == {"FractionalMaxPool": 2, "FractionalAvgPool": 1}
    x = rng.standard_normal((1, 31, 29, 2))
    session = SignatureSession(model, runtime)  # one interpreter: one kernel per node, as in TF
    session.set_inputs([x])
    runs = []
    for _ in range(4):
        session.invoke()
        runs.append(list(session.outputs().values()))
    for out in runs:
        for (y, rows, cols), (ratio_r, ratio_c), overlapping, reduce in [
            (out[0:3], (1.44, 1.73), True, np.max),
            (out[3:6], (1.73, 1.44), False, np.mean),
            (out[6:9], (1.44, 1.73), False, np.max),
        ]:
            check_sequence(rows, 31, ratio_r)
            check_sequence(cols, 29, ratio_c)
            np.testing.assert_allclose(y, pool_by_sequences(x, rows, cols, overlapping, reduce), rtol=1e-15)
    # 21 row regions of 1 or 2 in random order: four equal draws are (practically) impossible.
    assert len({tuple(out[1]) for out in runs}) > 1
    assert len({tuple(out[7]) + tuple(out[8]) for out in runs}) == 1


def pool_model(op, options, shape=(1, 6, 6, 2), out=(1, 4, 4, 2)):
    base = {
        "T": 0,
        "pooling_ratio": [1.0, 1.5, 1.5, 1.0],
        "pseudo_random": False,
        "overlapping": False,
        "deterministic": True,
        "seed": 1,
        "seed2": 2,
    }
    seq = [
        ("row_pooling_sequence", (out[1] + 1,), np.int64),
        ("col_pooling_sequence", (out[2] + 1,), np.int64),
    ]
    return tflite_model.single_custom_op_model(
        op,
        [("value", shape, np.float32)],
        [("output", out, np.float32), *seq],
        options=flexbuffers.Dumps({**base, **options}),
    )


# (options, input shape, TF's message; {} for the op's wording).
ERRORS = {
    "ratio below 1": (
        {"pooling_ratio": [1.0, 0.5, 1.5, 1.0]},
        None,
        r"pooling_ratio cannot be smaller than 1",
    ),
    "batch ratio": (
        {"pooling_ratio": [2.0, 1.5, 1.5, 1.0]},
        None,
        r"{} pooling is not yet supported on the batch",
    ),
    "channel ratio": (
        {"pooling_ratio": [1.0, 1.5, 1.5, 2.0]},
        None,
        r"{} pooling is not yet supported on the batch nor channel dimension",
    ),
    "three ratios": (
        {"pooling_ratio": [1.0, 1.5, 1.5]},
        None,
        r"pooling_ratio' of 3 must be at least minimum 4",
    ),
    "five ratios": (
        {"pooling_ratio": [1.0, 1.5, 1.5, 1.0, 1.0]},
        None,
        r"pooling_ratio field must specify 4",
    ),
    "seed without determinism": (
        {"deterministic": False, "seed2": 3},
        None,
        r"Both seed and seed2 should be 0",
    ),
    "ratio above size": (
        {"pooling_ratio": [1.0, 1.5, 7.5, 1.0]},
        None,
        r"Pooling ratio is higher than input dimension size for dimension 2",
    ),
    "empty input": ({}, (1, 0, 6, 2), r"Pooling ratio is higher than input dimension size for dimension 1"),
    "rank 3": ({}, (6, 6, 2), r"tensor_in must be 4-dimensional"),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", sorted(ERRORS))
@pytest.mark.parametrize("op", OPS)
def test_bad_attrs_and_inputs_are_errors_as_in_tf(tf, op, runtime, case):
    options, shape, message = ERRORS[case]
    message = message.replace("{}", "Fractional max" if op == "FractionalMaxPool" else "Fractional average")
    shape = shape or (1, 6, 6, 2)
    attrs = {
        "pooling_ratio": [1.0, 1.5, 1.5, 1.0],
        "pseudo_random": False,
        "overlapping": False,
        "deterministic": True,
        "seed": 1,
        "seed2": 2,
        **options,
    }
    x = np.ones(shape, np.float32)
    if runtime == RUNTIMES[0]:  # TF's side once per case
        with pytest.raises((tf.errors.UnimplementedError, tf.errors.InvalidArgumentError), match=message):
            getattr(tf.raw_ops, op)(value=x, **attrs)
    with pytest.raises(RuntimeError, match=op + ": .*" + message):
        run_tflite(pool_model(op, options, shape=shape), [x], runtime)
