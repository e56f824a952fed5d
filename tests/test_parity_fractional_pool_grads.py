"""FractionalMaxPoolGrad and FractionalAvgPoolGrad (the gradients of fractional pooling, which a
converted training step leaves custom): exact against TF through the tape and as raw ops over
pseudo_random x overlapping, every registered dtype, ties, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

SETTINGS = [(pr, ov) for pr in (False, True) for ov in (False, True)]


def forward(tf, op, x, ratio, pseudo_random, overlapping, seed):
    return getattr(tf.raw_ops, op)(
        value=x,
        pooling_ratio=[1.0, ratio[0], ratio[1], 1.0],
        pseudo_random=pseudo_random,
        overlapping=overlapping,
        deterministic=True,
        seed=seed,
        seed2=seed + 1,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_tape_gradients_are_custom_and_match_tf(tf, rng, dtype):
    """d/dx sum(w * pool(x)) through tf.GradientTape, as a train step computes it."""
    shape = (2, 13, 17, 3)
    w_max = [rng.standard_normal((2, 9, 9, 3)).astype(dtype) for _ in SETTINGS]
    w_avg = [rng.standard_normal((2, 7, 11, 3)).astype(dtype) for _ in SETTINGS]

    def fn(x):
        losses = []
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            for k, (pr, ov) in enumerate(SETTINGS):
                y_max = tf.nn.fractional_max_pool(x, [1.0, 1.44, 1.73, 1.0], pr, ov, seed=3 + k)[0]
                y_avg = tf.nn.fractional_avg_pool(x, [1.0, 1.73, 1.44, 1.0], pr, ov, seed=9 + k)[0]
                losses += [tf.reduce_sum(y_max * w_max[k]), tf.reduce_sum(y_avg * w_avg[k])]
        # One gradient per loss: summing them would add TF's AddN order to what is compared.
        return [tape.gradient(loss, x) for loss in losses]

    x = rng.standard_normal(shape).astype(dtype)
    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    counts = tflite_model.custom_op_counts(report.model)
    assert counts.get("FractionalMaxPoolGrad") == 4 and counts.get("FractionalAvgPoolGrad") == 4, counts


def values(rng, shape, dtype, ties):
    if ties:  # small integers: many equal maxima per region
        return rng.integers(-2, 3, shape).astype(dtype)
    if np.dtype(dtype).kind == "i":
        return rng.integers(-(2**20), 2**20, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.int32, np.int64], ids=lambda d: np.dtype(d).name
)
def test_raw_gradients_match_tf(tf, rng, dtype, ties):
    """The grad ops fed the forward op's outputs and a given out_backprop (integers too, where the
    average gradient truncates its double sums)."""

    def fn(x, g_max, g_avg):
        outs = []
        for k, (pr, ov) in enumerate(SETTINGS):
            y, rows, cols = forward(tf, "FractionalMaxPool", x, (1.44, 1.73), pr, ov, 5 + k)
            outs.append(
                tf.raw_ops.FractionalMaxPoolGrad(
                    orig_input=x,
                    orig_output=y,
                    out_backprop=g_max,
                    row_pooling_sequence=rows,
                    col_pooling_sequence=cols,
                    overlapping=ov,
                )
            )
            _, rows, cols = forward(tf, "FractionalAvgPool", x, (1.73, 1.44), pr, ov, 7 + k)
            outs.append(
                tf.raw_ops.FractionalAvgPoolGrad(
                    orig_input_tensor_shape=tf.shape(x, out_type=tf.int64),
                    out_backprop=g_avg,
                    row_pooling_sequence=rows,
                    col_pooling_sequence=cols,
                    overlapping=ov,
                )
            )
        return outs

    x = values(rng, (2, 11, 15, 4), dtype, ties)
    g_max = values(rng, (2, 7, 8, 4), dtype, False)
    g_avg = values(rng, (2, 6, 10, 4), dtype, False)
    report = assert_parity(fn, [x, g_max, g_avg], rtol=0, atol=0, runtimes=RUNTIMES)
    counts = tflite_model.custom_op_counts(report.model)
    assert counts.get("FractionalMaxPoolGrad") == 4 and counts.get("FractionalAvgPoolGrad") == 4, counts


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nan_first_or_all_minus_inf_is_an_error_as_in_tf(tf, rng, runtime):
    """TF's gradient takes a region's first element even when it is NaN (or -inf), so its maximum
    differs from the forward op's, which TF reports."""

    def fn(x):
        y, rows, cols = forward(tf, "FractionalMaxPool", x, (1.5, 1.5), False, False, 1)
        return tf.raw_ops.FractionalMaxPoolGrad(
            orig_input=x, orig_output=y, out_backprop=y, row_pooling_sequence=rows, col_pooling_sequence=cols
        )

    x = rng.standard_normal((1, 6, 6, 2)).astype(np.float32)
    model = convert_fn(fn, ((1, 6, 6, 2), tf.float32))
    np.testing.assert_array_equal(next(iter(run_tflite(model, [x], runtime).values())), fn(x).numpy())
    nan_first, all_minus_inf = x.copy(), x.copy()
    nan_first[0, 0, 0, 1] = np.nan
    all_minus_inf[..., 0] = -np.inf  # the forward op gives -FLT_MAX there, the gradient's walk -inf
    message = "tensor_out_dup is not the same as tensor_out"
    for bad in (nan_first, all_minus_inf):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            fn(bad)
        with pytest.raises(RuntimeError, match="FractionalMaxPoolGrad: " + message):
            run_tflite(model, [bad], runtime)


def avg_grad_model(shape, rows, cols, grad_shape=(1, 3, 3, 2)):
    return tflite_model.single_custom_op_model(
        "FractionalAvgPoolGrad",
        [
            ("orig_input_tensor_shape", (4,), np.int64),
            ("out_backprop", grad_shape, np.float32),
            ("row_pooling_sequence", (len(rows),), np.int64),
            ("col_pooling_sequence", (len(cols),), np.int64),
        ],
        [("output", shape, np.float32)],
        options=flexbuffers.Dumps({"T": 0, "overlapping": True}),
    )


# (orig_input_tensor_shape, rows, cols, TF's message)
AVG_ERRORS = {
    "negative row": (
        [1, 4, 4, 2],
        [-10, 1, 2, 3],
        [0, 1, 2, 3],
        r"Row sequence tensor values must not be negative",
    ),
    "negative col": (
        [1, 4, 4, 2],
        [0, 1, 2, 3],
        [0, 1, -3, 3],
        r"Column sequence tensor values must not be negative",
    ),
    "short rows": (
        [1, 4, 4, 2],
        [0, 1, 2],
        [0, 1, 2, 3],
        r"row_seq_tensor must have at least 4 elements, but got 3",
    ),
    "zero rows": ([1, 0, 4, 2], [0, 1, 2, 3], [0, 1, 2, 3], r"Rows dimension of input must not be 0"),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", sorted(AVG_ERRORS))
def test_avg_grad_errors_as_in_tf(tf, rng, runtime, case):
    shape, rows, cols, message = AVG_ERRORS[case]
    grad = rng.standard_normal((1, 3, 3, 2)).astype(np.float32)
    feeds = [np.array(shape, np.int64), grad, np.array(rows, np.int64), np.array(cols, np.int64)]
    if runtime == RUNTIMES[0]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            tf.raw_ops.FractionalAvgPoolGrad(
                orig_input_tensor_shape=feeds[0],
                out_backprop=grad,
                row_pooling_sequence=feeds[2],
                col_pooling_sequence=feeds[3],
                overlapping=True,
            )
    with pytest.raises(RuntimeError, match="FractionalAvgPoolGrad: .*" + message):
        run_tflite(avg_grad_model([max(d, 1) for d in shape], rows, cols), feeds, runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_max_grad_refuses_what_tf_would_read_out_of_bounds(runtime):
    """Sequences that do not fit orig_output, or a negative start: TF's kernel indexes outside its
    buffers; opbridge refuses, naming the op."""
    x = np.ones((1, 6, 6, 2), np.float32)
    y = np.ones((1, 4, 4, 2), np.float32)
    cases = [
        (np.arange(0, 7, dtype=np.int64), np.array([0, 2, 3, 4, 6], np.int64), "do not fit orig_output"),
        (np.array([-1, 2, 3, 4, 6], np.int64), np.array([0, 2, 3, 4, 6], np.int64), "cannot start before"),
    ]
    for rows, cols, message in cases:
        model = tflite_model.single_custom_op_model(
            "FractionalMaxPoolGrad",
            [
                ("orig_input", x.shape, np.float32),
                ("orig_output", y.shape, np.float32),
                ("out_backprop", y.shape, np.float32),
                ("row_pooling_sequence", rows.shape, np.int64),
                ("col_pooling_sequence", cols.shape, np.int64),
            ],
            [("output", x.shape, np.float32)],
            options=flexbuffers.Dumps({"T": 0, "overlapping": False}),
        )
        with pytest.raises(RuntimeError, match="FractionalMaxPoolGrad: .*" + message):
            run_tflite(model, [x, y, y, rows, cols], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_avg_grad_of_fewer_batches_than_the_input_leaves_zeros(tf, rng, runtime):
    """An out_backprop with fewer batches than orig_input_tensor_shape: TF spreads those it has
    and leaves the input's other batches zero."""
    shape, rows, cols = [3, 5, 4, 2], [0, 2, 3, 5], [0, 1, 3, 4]
    grad = rng.standard_normal((1, 3, 3, 2)).astype(np.float32)
    feeds = [np.array(shape, np.int64), grad, np.array(rows, np.int64), np.array(cols, np.int64)]
    expected = tf.raw_ops.FractionalAvgPoolGrad(
        orig_input_tensor_shape=feeds[0],
        out_backprop=grad,
        row_pooling_sequence=feeds[2],
        col_pooling_sequence=feeds[3],
        overlapping=True,
    ).numpy()
    assert expected[0].any() and not expected[1:].any()
    (actual,) = run_tflite(avg_grad_model(shape, rows, cols), feeds, runtime).values()
    np.testing.assert_array_equal(actual, expected)
