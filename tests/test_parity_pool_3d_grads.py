"""MaxPool3DGrad and AvgPool3DGrad (the gradients of tf.nn.max_pool3d / avg_pool3d, which a converted
training step leaves custom): TFLite kernels vs TF's over pool_3d_cases' windows (SAME and VALID,
strides below, at and above the window) plus a window wider than the input, dynamic batches, an
empty batch, ties, near-ties, +-inf and NaN, bfloat16, NCDHW (average), threads, TF's errors, and a
Conv3D training step's weight gradient.

MaxPool3DGrad is TF's CPU kernel bit for bit: every element within 1e-5 of the window's maximum
receives the gradient (all ties), through GetBroadcastSize's windows, summed in TF's order. TF's
graphs pair a MaxPool3D with its gradient in oneDNN, which routes to the first maximum only: the
tape tests use inputs without ties there. AvgPool3DGrad is oneDNN's (TF's x86 kernel for both CPU
types): exact where windows do not overlap, within one float rounding per summand where they do.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

import pool_3d_cases as cases
from conftest import RUNTIMES, bfloat16_reference_via_float32, convert_fn, tf_runs_bfloat16_in_onednn
from opbridge import tflite_model
from opbridge.testing import run_tflite

# pool_3d_cases' windows, and one deeper than the input (5) with SAME padding: TF's max gradient
# then compares the first min(size, ksize) planes (GetBroadcastSize), the average divides by the
# planes inside the window (oneDNN).
WINDOWS = [*cases.WINDOWS, ((7, 1, 2), (1, 1, 1), "SAME")]
SHAPE = cases.SHAPE
C = SHAPE[-1]


def attrs(window: tuple[Any, ...], data_format: str = "NDHWC") -> dict[str, Any]:
    ksize, strides, padding = window
    if data_format == "NCDHW":
        return {
            "ksize": [1, 1, *ksize],
            "strides": [1, 1, *strides],
            "padding": padding,
            "data_format": "NCDHW",
        }
    return {"ksize": [1, *ksize, 1], "strides": [1, *strides, 1], "padding": padding}


def pooled_dims(tf: Any, window: tuple[Any, ...]) -> tuple[int, ...]:
    x = np.zeros((1, *SHAPE[1:4], 1), np.float32)
    return tuple(tf.raw_ops.MaxPool3D(input=x, **attrs(window)).shape[1:4])


def terms(window: tuple[Any, ...]) -> int:
    """How many windows cover an element at most (1: no overlap, each element sums one value)."""
    ksize, strides, _ = window
    return math.prod(-(-k // s) for k, s in zip(ksize, strides, strict=True))


def distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """All values different, 0.25 apart: one maximum per window, whichever way it is searched."""
    size = math.prod(shape)
    return (rng.permutation(size).reshape(shape) * 0.25 - size / 8).astype(np.float32)


def ties(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small integers (many ties), some raised by 4e-6 (within TF's 1e-5: ties too) or 1e-4 (not),
    and +-inf and NaN (a maximum TF sends nowhere)."""
    x = rng.integers(-2, 3, shape).astype(np.float32)
    flat = x.reshape(-1)
    picks = rng.choice(flat.size, min(flat.size, 60), replace=False)
    for k, i in enumerate(picks):
        flat[i] = [flat[i] + 4e-6, flat[i] + 1e-4, np.inf, -np.inf, np.nan, flat[i] - 4e-6][k % 6]
    return x


def _cpu_flags() -> set[str]:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


# TF's AvgPool3DGrad is oneDNN's, which adds overlapping windows in an order of its AVX-512 kernel's
# (with native bfloat16 for bfloat16); opbridge follows it (channels <= 16): exact on such CPUs.
# Elsewhere oneDNN's own order differs: within a rounding per summand.
FLAGS = _cpu_flags()
AVG_EXACT = {
    np.dtype(np.float32): "avx512f" in FLAGS,
    np.dtype(ml_dtypes.bfloat16): {"avx512f", "avx512_bf16"} <= FLAGS,
}


def check(
    got: np.ndarray, want: np.ndarray, window: tuple[Any, ...], eps: float, what: str, exact: bool = False
) -> float:
    """Exact if `exact` or without overlap; else within one rounding per summand. Returns error /
    output scale."""
    if exact or want.size == 0 or terms(window) == 1:
        np.testing.assert_array_equal(got, want, err_msg=what)
        return 0.0
    g, w = got.astype(np.float64), want.astype(np.float64)
    scale = float(np.max(np.abs(w)))
    np.testing.assert_allclose(g, w, rtol=0, atol=terms(window) * eps * scale, err_msg=what)
    return float(np.max(np.abs(g - w))) / scale


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_tape_gradients_are_custom_and_match_tf(tf, rng, kind):
    """tf.nn.max_pool3d / avg_pool3d gradients in a tf.function with a dynamic batch, as a train
    step computes them. TF's graph runs them in oneDNN (max: paired with its MaxPool3D, first
    maximum only; no ties here, so the same elements receive each value), adding overlapping
    windows in its own order: exact without overlap, else within a rounding per summand."""
    outs = [pooled_dims(tf, w) for w in WINDOWS]
    specs = [((None, *SHAPE[1:]), tf.float32)] + [((None, *o, C), tf.float32) for o in outs]
    pool = tf.nn.max_pool3d if kind == "max" else tf.nn.avg_pool3d

    def fn(x, *dys):
        out = {}
        for i, (window, dy) in enumerate(zip(WINDOWS, dys, strict=True)):
            a = attrs(window)
            with tf.GradientTape() as tape:
                tape.watch(x)
                pooled = pool(x, a["ksize"], a["strides"], a["padding"])
            out[f"w{i}"] = tape.gradient(pooled, x, output_gradients=dy)
        return out

    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    if kind == "max":
        assert counts == {"MaxPool3D": len(WINDOWS), "MaxPool3DGrad": len(WINDOWS)}
    else:
        assert counts == {"AvgPool3DGrad": len(WINDOWS)}
    compiled = tf.function(fn)
    worst = 0.0
    # An empty batch only for avg: with max, TF's graph (oneDNN's paired MaxPool3D and gradient)
    # aborts the process ("Check failed: dtype() == expected_dtype"); the raw-op test covers it.
    for batch in (2, 0) if kind == "avg" else (2,):
        x = distinct(rng, (batch, *SHAPE[1:]))
        feeds = [x] + [rng.standard_normal((batch, *o, C)).astype(np.float32) for o in outs]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for i, window in enumerate(WINDOWS):
                key = f"w{i}"
                if kind == "max":
                    np.testing.assert_array_equal(got[key] != 0, want[key] != 0, err_msg=f"{runtime} {key}")
                eps = float(np.finfo(np.float32).eps)
                exact = kind == "avg" and AVG_EXACT[np.dtype(np.float32)]
                worst = max(worst, check(got[key], want[key], window, eps, f"{runtime} {key}", exact))
    print(f"{kind} float32 tape: worst error / output scale {worst:.3g}")


def raw_ops_fn(tf: Any, dtype: Any) -> Any:
    """Both gradients as raw ops (an unpaired MaxPool3DGrad is TF's own kernel), computed in
    `dtype` between casts (bfloat16 cannot be a model input), for every window."""

    def fn(x, *rest):
        out = {}
        xt = tf.cast(x, dtype)
        for i, window in enumerate(WINDOWS):
            y, dy = tf.cast(rest[2 * i], dtype), tf.cast(rest[2 * i + 1], dtype)
            a = attrs(window)
            mx = tf.raw_ops.MaxPool3DGrad(orig_input=xt, orig_output=y, grad=dy, **a)
            avg = tf.raw_ops.AvgPool3DGrad(orig_input_shape=tf.shape(x), grad=dy, **a)
            out[f"max{i}"], out[f"avg{i}"] = tf.cast(mx, tf.float32), tf.cast(avg, tf.float32)
        return out

    return fn


@pytest.mark.parametrize("dtype", [np.float32, ml_dtypes.bfloat16], ids=["float32", "bfloat16"])
def test_raw_ops_ties_every_window(tf, rng, dtype):
    """Ties, near-ties, +-inf and NaN: MaxPool3DGrad exact (every element within 1e-5 of the
    maximum receives the gradient, as TF's kernel), bfloat16 included; AvgPool3DGrad exact
    without overlap, else within a rounding per summand of T. Threads do not change the result."""
    t = tf.as_dtype(dtype)
    outs = [pooled_dims(tf, w) for w in WINDOWS]
    specs = [((None, *SHAPE[1:]), tf.float32)]
    for o in outs:
        specs += [((None, *o, C), tf.float32)] * 2
    fn = raw_ops_fn(tf, t)
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {
        "MaxPool3DGrad": len(WINDOWS),
        "AvgPool3DGrad": len(WINDOWS),
    }
    compiled = tf.function(fn)
    for batch in (2, 0):
        x = ties(rng, (batch, *SHAPE[1:]))
        feeds = [x]
        for window, o in zip(WINDOWS, outs, strict=True):
            y = tf.raw_ops.MaxPool3D(input=x.astype(dtype), **attrs(window)).numpy().astype(np.float32)
            feeds += [y, rng.standard_normal((batch, *o, C)).astype(dtype).astype(np.float32)]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        eps = float(ml_dtypes.finfo(dtype).eps)
        if np.dtype(dtype) == ml_dtypes.bfloat16 and not tf_runs_bfloat16_in_onednn():
            # TF's Eigen AvgPool3DGrad divides in bfloat16 and takes other windows where a window is
            # deeper than the input (avg9): the averages' reference is oneDNN's way (float32, each
            # output rounded once); MaxPool3DGrad stays TF's own kernel (exact). The bound stays
            # check()'s rounding per summand: opbridge, as oneDNN's AVX-512 kernel, rounds each
            # partial sum to bfloat16 (docs/ops/pool_3d_grads.md); seen up to 1.21 eps * output scale
            # (avg6, 20 summands), more than one rounding; 0 without overlap.
            avg = bfloat16_reference_via_float32(tf.function(raw_ops_fn(tf, tf.float32)), *feeds)
            want.update({k: v.astype(np.float32) for k, v in avg.items() if k.startswith("avg")})
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for i, window in enumerate(WINDOWS):
                np.testing.assert_array_equal(got[f"max{i}"], want[f"max{i}"], err_msg=f"{runtime} max{i}")
                exact = AVG_EXACT[np.dtype(dtype)]
                check(got[f"avg{i}"], want[f"avg{i}"], window, eps, f"{runtime} avg{i} {window}", exact)
        if batch:
            threaded = run_tflite(model, feeds, num_threads=4)
            single = run_tflite(model, feeds, num_threads=1)
            for key, value in single.items():
                np.testing.assert_array_equal(threaded[key], value, err_msg=key)


def test_avg_pool_3d_grad_ncdhw(tf, rng):
    """oneDNN runs AvgPool3DGrad in NCDHW on TF's CPU; so does opbridge (same semantics)."""
    dims = (SHAPE[0], C, *SHAPE[1:4])
    windows = [WINDOWS[1], WINDOWS[3], WINDOWS[-1]]
    outs = [pooled_dims(tf, w) for w in windows]

    def fn(*dys):
        return {
            f"w{i}": tf.raw_ops.AvgPool3DGrad(orig_input_shape=dims, grad=dy, **attrs(w, "NCDHW"))
            for i, (w, dy) in enumerate(zip(windows, dys, strict=True))
        }

    model = convert_fn(fn, *[((SHAPE[0], C, *o), tf.float32) for o in outs])
    assert tflite_model.custom_op_counts(model) == {"AvgPool3DGrad": len(windows)}
    feeds = [rng.standard_normal((SHAPE[0], C, *o)).astype(np.float32) for o in outs]
    want = {k: v.numpy() for k, v in tf.function(fn)(*feeds).items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, feeds, runtime)
        for i, window in enumerate(windows):
            eps = float(np.finfo(np.float32).eps)
            check(
                got[f"w{i}"], want[f"w{i}"], window, eps, f"{runtime} w{i}", AVG_EXACT[np.dtype(np.float32)]
            )


@pytest.mark.parametrize("dtype", [np.float32, ml_dtypes.bfloat16], ids=["float32", "bfloat16"])
def test_max_pool_3d_grad_grad_every_window(tf, rng, dtype):
    """MaxPool3DGradGrad (second-order gradients), raw, over ties, near-ties, +-inf and NaN: grad at
    each window's first element exactly equal to orig_output, else 0, bit for bit."""
    t = tf.as_dtype(dtype)
    outs = [pooled_dims(tf, w) for w in WINDOWS]
    specs = [((None, *SHAPE[1:]), tf.float32)] * 2 + [((None, *o, C), tf.float32) for o in outs]

    def fn(x, v, *ys):
        xt, vt = tf.cast(x, t), tf.cast(v, t)
        return {
            f"w{i}": tf.cast(
                tf.raw_ops.MaxPool3DGradGrad(orig_input=xt, orig_output=tf.cast(y, t), grad=vt, **attrs(w)),
                tf.float32,
            )
            for i, (w, y) in enumerate(zip(WINDOWS, ys, strict=True))
        }

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"MaxPool3DGradGrad": len(WINDOWS)}
    x = ties(rng, (2, *SHAPE[1:]))
    feeds = [x, rng.standard_normal(x.shape).astype(dtype).astype(np.float32)]
    feeds += [
        tf.raw_ops.MaxPool3D(input=x.astype(dtype), **attrs(w)).numpy().astype(np.float32) for w in WINDOWS
    ]
    # TF's reference from eager calls on tensors held here, not from fn's graph: TF's kernel forwards
    # grad's buffer as its output when it holds the only reference (the graph's bfloat16 Cast feeding
    # a same-shaped window, when that node runs last), then zeroes the output before reading grad:
    # all zeros, depending on TF's execution order (seen in CI). opbridge gives the unaliased result.
    xt, vt = tf.cast(feeds[0], t), tf.cast(feeds[1], t)
    want = {
        f"w{i}": tf.cast(
            tf.raw_ops.MaxPool3DGradGrad(orig_input=xt, orig_output=tf.cast(y, t), grad=vt, **attrs(w)),
            tf.float32,
        ).numpy()
        for i, (w, y) in enumerate(zip(WINDOWS, feeds[2:], strict=True))
    }
    for runtime in RUNTIMES:
        got = run_tflite(model, feeds, runtime)
        for key, value in want.items():
            np.testing.assert_array_equal(got[key], value, err_msg=f"{runtime} {key}")


def test_max_pool_3d_second_order_tape(tf, rng):
    """The gradient of a max_pool3d gradient with respect to its upstream gradient (a gradient
    penalty's path): MaxPool3DGradGrad custom, as TF's graph computes it."""
    window = WINDOWS[3]
    out = pooled_dims(tf, window)

    def fn(x, dy, v):
        a = attrs(window)
        with tf.GradientTape() as outer:
            outer.watch(dy)
            with tf.GradientTape() as inner:
                inner.watch(x)
                pooled = tf.nn.max_pool3d(x, a["ksize"], a["strides"], a["padding"])
            g = inner.gradient(pooled, x, output_gradients=dy)
            s = tf.reduce_sum(g * v)
        return {"dy": outer.gradient(s, dy)}

    specs = [
        ((None, *SHAPE[1:]), tf.float32),
        ((None, *out, C), tf.float32),
        ((None, *SHAPE[1:]), tf.float32),
    ]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model).get("MaxPool3DGradGrad") == 1
    x = distinct(rng, SHAPE)
    feeds = [
        x,
        rng.standard_normal((2, *out, C)).astype(np.float32),
        rng.standard_normal(SHAPE).astype(np.float32),
    ]
    want = tf.function(fn)(*feeds)["dy"].numpy()
    for runtime in RUNTIMES:
        np.testing.assert_array_equal(run_tflite(model, feeds, runtime)["dy"], want, err_msg=runtime)


def grad_grad_model(a: dict[str, Any], shapes: list[tuple[int, ...]]) -> bytes:
    return tflite_model.single_custom_op_model(
        "MaxPool3DGradGrad",
        [
            (name, s, np.float32)
            for name, s in zip(["orig_input", "orig_output", "grad"], shapes, strict=True)
        ],
        [("output", shapes[1], np.float32)],
        options=flexbuffers.Dumps({"T": 0, "data_format": "NDHWC", **a}),
    )


GRAD_GRAD_ERRORS = {
    # name: (attrs over a 2x2x2 VALID window, orig_input, orig_output and grad shapes, TF's message)
    "empty": ({}, (0, 4, 4, 4, 1), (0, 2, 2, 2, 1), (0, 4, 4, 4, 1), r"received empty tensor tensor_in"),
    "NCDHW": (
        {"data_format": "NCDHW", "ksize": [1, 1, 2, 2, 2], "strides": [1, 1, 2, 2, 2]},
        (1, 1, 4, 4, 4),
        (1, 1, 2, 2, 2),
        (1, 1, 4, 4, 4),
        r"only supports ?NDHWC",
    ),
    "grad shape": (
        {},
        (1, 4, 4, 4, 1),
        (1, 2, 2, 2, 1),
        (1, 2, 2, 2, 1),
        r"Expected grad shape to be \[1,4,4,4,1\]",
    ),
    "orig_output shape": (
        {},
        (1, 4, 4, 4, 1),
        (1, 2, 2, 3, 1),
        (1, 4, 4, 4, 1),
        r"Expected orig_output shape to be \[1,2,2,2,1\]",
    ),
    "depth window": ({"ksize": [1, 2, 2, 2, 2]}, (1, 4, 4, 4, 2), (1, 2, 2, 2, 1), (1, 4, 4, 4, 2), r"depth"),
}


@pytest.mark.parametrize("name", sorted(GRAD_GRAD_ERRORS))
def test_max_pool_3d_grad_grad_errors_as_in_tf(tf, name):
    options, x_shape, y_shape, g_shape, message = GRAD_GRAD_ERRORS[name]
    a = {"ksize": [1, 2, 2, 2, 1], "strides": [1, 2, 2, 2, 1], "padding": "VALID", **options}
    arrays = [np.ones(s, np.float32) for s in (x_shape, y_shape, g_shape)]
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.MaxPool3DGradGrad(orig_input=arrays[0], orig_output=arrays[1], grad=arrays[2], **a)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="MaxPool3DGradGrad: .*" + message):
            run_tflite(grad_grad_model(a, [x_shape, y_shape, g_shape]), arrays, runtime)


def max_model(attrs_: dict[str, Any], shapes: list[tuple[int, ...]], dtype: Any = np.float32) -> bytes:
    t = {np.dtype(np.float32): 0, np.dtype(np.float16): 1}[np.dtype(dtype)]
    return tflite_model.single_custom_op_model(
        "MaxPool3DGrad",
        [(name, s, dtype) for name, s in zip(["orig_input", "orig_output", "grad"], shapes, strict=True)],
        [("output", shapes[0], dtype)],
        options=flexbuffers.Dumps({"T": t, "TInput": t, "data_format": "NDHWC", **attrs_}),
    )


MAX_ERRORS = {
    # name: (attrs over a 2x2x2 VALID window, orig_input, orig_output and grad shapes, TF's message)
    "NCDHW": (
        {"data_format": "NCDHW", "ksize": [1, 1, 2, 2, 2], "strides": [1, 1, 2, 2, 2]},
        (1, 1, 4, 4, 4),
        (1, 1, 2, 2, 2),
        (1, 1, 2, 2, 2),
        r"only supports NDHWC",
    ),
    "depth window": ({"ksize": [1, 2, 2, 2, 2]}, (1, 4, 4, 4, 2), (1, 2, 2, 2, 1), (1, 2, 2, 2, 1), r"depth"),
    "batch stride": (
        {"strides": [2, 2, 2, 2, 1]},
        (1, 4, 4, 4, 1),
        (1, 2, 2, 2, 1),
        (1, 2, 2, 2, 1),
        r"batch",
    ),
    "orig_output shape": (
        {},
        (1, 4, 4, 4, 1),
        (1, 3, 2, 2, 1),
        (1, 2, 2, 2, 1),
        r"Expected orig_output shape to be \[1,2,2,2,1\], but got \[1,3,2,2,1\]",
    ),
    "grad shape": (
        {},
        (1, 4, 4, 4, 1),
        (1, 2, 2, 2, 1),
        (2, 2, 2, 2, 1),
        r"Expected grad shape to be \[1,2,2,2,1\]",
    ),
    "rank": ({}, (4, 4, 4, 1), (1, 2, 2, 2, 1), (1, 2, 2, 2, 1), r"tensor_in must be 5-dimensional"),
    # A VALID window deeper than the input pools to 0 planes (TF's shape code).
    "window deeper than input": (
        {"ksize": [1, 5, 2, 2, 1]},
        (1, 4, 4, 4, 1),
        (1, 1, 2, 2, 1),
        (1, 1, 2, 2, 1),
        r"Expected orig_output shape to be \[1,0,2,2,1\]",
    ),
}


@pytest.mark.parametrize("name", sorted(MAX_ERRORS))
def test_max_pool_3d_grad_errors_as_in_tf(tf, name):
    options, x_shape, y_shape, g_shape, message = MAX_ERRORS[name]
    a = {"ksize": [1, 2, 2, 2, 1], "strides": [1, 2, 2, 2, 1], "padding": "VALID", **options}
    arrays = [np.ones(s, np.float32) for s in (x_shape, y_shape, g_shape)]
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.MaxPool3DGrad(orig_input=arrays[0], orig_output=arrays[1], grad=arrays[2], **a)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="MaxPool3DGrad: .*" + message):
            run_tflite(max_model(a, [x_shape, y_shape, g_shape]), arrays, runtime)


AVG_ERRORS = {
    # name: (attrs over a 2x2x2 VALID window, orig_input_shape, grad shape, TF's message, ours if other)
    "depth window": ({"ksize": [1, 2, 2, 2, 2]}, [1, 4, 4, 4, 2], (1, 2, 2, 2, 2), r"depth", None),
    # 6 sizes: TF errors; 4 would abort TF (its oneDNN kernel takes them for a 2-D pooling).
    "shape count": ({}, [1, 4, 4, 4, 1, 1], (1, 2, 2, 2, 1), r"tensor_in must be", None),
    # TF aborts on a grad of rank 4 (its oneDNN kernel indexes a 5th dim): opbridge errors.
    "grad rank": ({}, [1, 4, 4, 4, 1], (1, 2, 2, 2), None, r"out_backprop must be 5-dimensional"),
    "negative size": ({}, [1, -4, 4, 4, 1], (1, 2, 2, 2, 1), r"must be >= 0|negative", None),
}


@pytest.mark.parametrize("name", sorted(AVG_ERRORS))
def test_avg_pool_3d_grad_errors_as_in_tf(tf, name):
    options, sizes, g_shape, message, ours = AVG_ERRORS[name]
    a = {"ksize": [1, 2, 2, 2, 1], "strides": [1, 2, 2, 2, 1], "padding": "VALID", **options}
    g = np.ones(g_shape, np.float32)
    if message is not None:
        with pytest.raises(tf.errors.OpError, match=message):
            tf.raw_ops.AvgPool3DGrad(orig_input_shape=sizes, grad=g, **a)
    model = tflite_model.single_custom_op_model(
        "AvgPool3DGrad",
        [("orig_input_shape", [len(sizes)], np.int32), ("grad", g_shape, np.float32)],
        [("output", [1, 1, 1, 1, 1], np.float32)],
        options=flexbuffers.Dumps({"T": 0, "data_format": "NDHWC", **a}),
    )
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="AvgPool3DGrad: .*" + (ours or message)):
            run_tflite(model, [np.asarray(sizes, np.int32), g], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_types_and_shapes_tf_has_no_kernel_for(tf, runtime):
    """half (both) and float64 (average), which TF registers for GPU/XLA only, are refused as TF's
    CPU refuses them; a grad whose shape is not the pooled shape is refused (TF's oneDNN average
    reads past its buffer there)."""
    a = {"ksize": [1, 2, 2, 2, 1], "strides": [1, 2, 2, 2, 1], "padding": "VALID"}
    x = np.ones((1, 4, 4, 4, 1), np.float16)
    y = np.ones((1, 2, 2, 2, 1), np.float16)
    with pytest.raises(tf.errors.InvalidArgumentError, match="No OpKernel was registered"):
        tf.function(lambda u, v: tf.raw_ops.MaxPool3DGrad(orig_input=u, orig_output=v, grad=v, **a))(x, y)
    with pytest.raises(RuntimeError, match=r"MaxPool3DGrad: .*no CPU kernel for T=half"):
        run_tflite(max_model(a, [x.shape, y.shape, y.shape], np.float16), [x, y, y], runtime)

    def avg_model(grad_shape: tuple[int, ...], dtype: Any, t: int) -> bytes:
        return tflite_model.single_custom_op_model(
            "AvgPool3DGrad",
            [("orig_input_shape", [5], np.int32), ("grad", grad_shape, dtype)],
            [("output", [1, 4, 4, 4, 1], dtype)],
            options=flexbuffers.Dumps({"T": t, "data_format": "NDHWC", **a}),
        )

    sizes = np.asarray([1, 4, 4, 4, 1], np.int32)
    for dtype, t, name in ((np.float16, 1, "half"), (np.float64, 10, "double")):
        with pytest.raises(tf.errors.NotFoundError):
            tf.raw_ops.AvgPool3DGrad(orig_input_shape=sizes, grad=y.astype(dtype), **a)
        with pytest.raises(RuntimeError, match=rf"AvgPool3DGrad: .*no CPU kernel for T={name}"):
            run_tflite(avg_model(y.shape, dtype, t), [sizes, y.astype(dtype)], runtime)
    g = np.ones((1, 1, 2, 2, 1), np.float32)
    with pytest.raises(RuntimeError, match=r"AvgPool3DGrad: .*Expected grad shape to be \[1,2,2,2,1\]"):
        run_tflite(avg_model(g.shape, np.float32, 0), [sizes, g], runtime)


def test_conv3d_training_step_weight_gradient(tf, rng):
    """A Conv3D -> max_pool3d / avg_pool3d -> loss train step: the conv weights' gradient and the
    loss, converted (both pooling gradients custom) and run in each runtime, as TF's graph
    computes them (float32 sums in other orders: within 1e-5 of the gradient's scale)."""

    def fn(x, w, target):
        with tf.GradientTape() as tape:
            tape.watch(w)
            h = tf.nn.relu(tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "SAME"))
            a = tf.nn.max_pool3d(h, 2, 2, "VALID")
            b = tf.nn.avg_pool3d(h, 3, 2, "SAME")
            loss = tf.reduce_mean(tf.square(a - target)) + tf.reduce_mean(b)
        return {"loss": loss, "grad": tape.gradient(loss, w)}

    specs = [
        ((None, 6, 6, 6, 2), tf.float32),
        ((3, 3, 3, 2, 4), tf.float32),
        ((None, 3, 3, 3, 4), tf.float32),
    ]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("MaxPool3DGrad") == 1 and counts.get("AvgPool3DGrad") == 1, counts
    feeds = [
        rng.standard_normal((2, 6, 6, 6, 2)).astype(np.float32),
        rng.standard_normal((3, 3, 3, 2, 4)).astype(np.float32) * 0.3,
        rng.standard_normal((2, 3, 3, 3, 4)).astype(np.float32),
    ]
    want = {k: v.numpy() for k, v in tf.function(fn)(*feeds).items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, feeds, runtime)
        scale = float(np.max(np.abs(want["grad"])))
        np.testing.assert_allclose(got["grad"], want["grad"], rtol=0, atol=1e-5 * scale, err_msg=runtime)
        np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-6, err_msg=runtime)
