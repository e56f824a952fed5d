"""Xdivy and Xlog1py (tf.math.xdivy, tf.math.xlog1py) against TF's own kernels, bit for bit, in both
runtimes (and on two threads): float32 through the Opbridge> substitutes opbridge.convert puts in
(the stock converter's builtins lose Xlog1py near 0, shown here), half, bfloat16, float64,
complex64 and complex128 through the TF-named custom kernels. Output sizes leave every ragged tail
TF's packets leave (its scalar path gives +0 where x is 0, its packets keep a -0 x; its packet
log1p is Eigen's formula on the packet log, the tail the C library's), with same-shape, row and
scalar operands and special values (signed zeros, y near 0, -1, below -1, infinities, NaN)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes, run_tflite_each_in_process
from opbridge import tflite_model
from opbridge.testing import run_tflite

# (rows, cols): every tail length of 8 (float, half, bfloat16), 4 (double, complex64) and 2.
SHAPES = [(1, 1), (1, 3), (2, 5), (3, 7), (7, 13), (16, 25), (1, 0), (0, 4), (5, 9)]
Y_EDGES = [0.0, -0.0, 1e-30, -1e-20, 3e-8, -3e-8, 1e-3, -0.5, -1.0, -1.5, np.inf, -np.inf, np.nan, 1e30, 6e-5]


def same_bits(want: np.ndarray, got: np.ndarray, context: str) -> None:
    """Equal shapes, dtypes and bits (complex part by part), NaN only as NaN."""
    assert want.shape == got.shape and want.dtype == got.dtype, (context, want.shape, got.shape, got.dtype)
    if want.dtype.kind == "c":
        want = want.view(want.real.dtype)
        got = got.view(got.real.dtype)
    w, g = want.reshape(-1), got.reshape(-1)
    bits = f"u{w.dtype.itemsize}"
    nan = np.isnan(w)
    bad = (nan != np.isnan(g)) | (~nan & (w.view(bits) != g.view(bits)))
    if bad.any():
        i = int(np.argmax(bad))
        raise AssertionError(
            f"{context}: {int(bad.sum())} of {w.size} differ; first at {i}: tf={w[i]!r} got={g[i]!r}"
        )


def assert_runtimes_give_tf_bits(model: bytes, reference, inputs: list[np.ndarray], context: str) -> None:
    """The model's outputs are TF's function's, bit for bit, in both runtimes (LiteRT on one and
    two threads), inputs fed by index."""
    want = {k: v.numpy() for k, v in reference(*inputs).items()}
    for runtime in RUNTIMES:
        for threads in (1, 2) if runtime == "litert" else (1,):
            got = run_tflite(model, inputs, runtime, num_threads=threads)
            for name, w in want.items():
                same_bits(w, got[name], f"[{runtime} {threads}T] {context} {name}")


def assert_baseline_gives_tf_bits(model: bytes, reference, sets: list[list[np.ndarray]], tmp_path) -> None:
    """As assert_runtimes_give_tf_bits, for each input set, on the baseline x86-64 build
    (OPBRIDGE_NO_AVX2=1) in a fresh process."""
    got = run_tflite_each_in_process(model, sets, tmp_path, baseline=True)
    for n, (inputs, out) in enumerate(zip(sets, got, strict=True)):
        for name, w in reference(*inputs).items():
            same_bits(w.numpy(), out[name], f"[baseline] case {n} {inputs[0].shape} {name}")


def real_values(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """x with +0 and -0 spread over packet and tail positions; y over many magnitudes and the edges."""
    size = int(np.prod(shape))
    x = rng.uniform(-3, 3, size)
    x[::3] = -0.0
    x[1::5] = 0.0
    y = 10.0 ** rng.uniform(-12, 2, size) * rng.choice([-1.0, 1.0], size)
    y = np.where(y < -1, rng.uniform(-1, 0, size), y)
    y[::4] = rng.uniform(-2, 5, size)[::4]
    y[: min(size, len(Y_EDGES))] = Y_EDGES[:size]
    return x.reshape(shape), y.reshape(shape)


def test_registered_dtypes():
    for op in ["Xdivy", "Xlog1py"]:
        assert registered_cpu_dtypes(op) == {
            "float16",
            "bfloat16",
            "float32",
            "float64",
            "complex64",
            "complex128",
        }


def real_model(tf):
    """float32 (the substitutes), float64, half and bfloat16 (fed as float32, computed in bfloat16)
    in one model: (the converted model, TF's function)."""

    def fn(x32, y32, r32, s32, x64, y64, r64, x16, y16, r16, xb, yb):
        out = {}
        for name, x, y, r in [("f32", x32, y32, r32), ("f64", x64, y64, r64), ("f16", x16, y16, r16)]:
            out[f"xdivy_{name}"] = tf.math.xdivy(x, y)
            out[f"xlog1py_{name}"] = tf.math.xlog1py(x, y)
            out[f"xdivy_row_{name}"] = tf.math.xdivy(x, r)
            out[f"xlog1py_row_{name}"] = tf.math.xlog1py(r, y)
        out["xdivy_scalar_f32"] = tf.math.xdivy(s32, y32)
        out["xlog1py_scalar_f32"] = tf.math.xlog1py(x32, s32)
        xb, yb = tf.cast(xb, tf.bfloat16), tf.cast(yb, tf.bfloat16)
        out["xdivy_bf16"] = tf.cast(tf.math.xdivy(xb, yb), tf.float32)
        out["xlog1py_bf16"] = tf.cast(tf.math.xlog1py(xb, yb), tf.float32)
        return out

    d = [tf.float32] * 4 + [tf.float64] * 3 + [tf.float16] * 3 + [tf.float32] * 2
    shapes = (
        [[None, None], [None, None], [None], []]
        + [[None, None], [None, None], [None]] * 2
        + [[None, None]] * 2
    )
    specs = list(zip(shapes, d, strict=True))
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("Opbridge>Xdivy") == 3 and counts.get("Opbridge>Xlog1py") == 3, counts
    assert counts.get("Xdivy") == 5 and counts.get("Xlog1py") == 5, counts
    return model, tf.function(fn, input_signature=[tf.TensorSpec(s, t) for s, t in specs])


def real_inputs(tf, rng, shape: tuple[int, int]) -> list[np.ndarray]:
    """The model's inputs for one shape of x and y (special values first)."""
    bf16 = tf.bfloat16.as_numpy_dtype
    x, y = real_values(rng, shape)
    r = rng.uniform(-0.9, 4, shape[1])
    r[::3] = 0.0
    inputs = [
        x.astype(np.float32),
        y.astype(np.float32),
        r.astype(np.float32),
        np.float32(rng.uniform(-0.5, 2)),
    ]
    with np.errstate(over="ignore"):  # 1e30 is inf in half, as intended
        inputs += [x, y, r, x.astype(np.float16), y.astype(np.float16), r.astype(np.float16)]
    return inputs + [v.astype(bf16).astype(np.float32) for v in (x, y)]


def test_real_xdivy_xlog1py_give_tf_bits(tf, rng):
    """Every real dtype and operand shape, in both runtimes and on two threads."""
    model, reference = real_model(tf)
    for n, shape in enumerate(SHAPES):
        inputs = real_inputs(tf, rng, shape)
        assert_runtimes_give_tf_bits(model, reference, inputs, f"case {n} {shape}")


def test_real_baseline_path_gives_tf_bits(tf, rng, tmp_path):
    """The baseline x86-64 build (OPBRIDGE_NO_AVX2=1: 4-lane packets, where CPUs with AVX2 take
    the AVX2 object's 8) gives TF's bits too, including a size of many 64-element chunks. Under
    about 4000 outputs: TF evaluates a broadcast in blocks of its cost model's size, each with its
    own scalar tail (docs/design.md "Broadcast blocks"), which the kernels do not model yet."""
    model, reference = real_model(tf)
    sets = [real_inputs(tf, rng, shape) for shape in [*SHAPES, (9, 301)]]
    assert_baseline_gives_tf_bits(model, reference, sets, tmp_path)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_xdivy_xlog1py_give_tf_bits(tf, rng, dtype):
    tfdtype = tf.as_dtype(dtype)
    parts = [0.0, -0.0, 1e-30, -1.0, -2.5, 0.5, np.inf, -np.inf, np.nan, 1e30]

    def fn(x, y, row):
        return {
            "xdivy": tf.math.xdivy(x, y),
            "xdivy_row": tf.math.xdivy(row, y),
            "xlog1py": tf.math.xlog1py(x, y),
            "xlog1py_row": tf.math.xlog1py(x, row),
        }

    specs = [([None, None], tfdtype), ([None, None], tfdtype), ([None], tfdtype)]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"Xdivy": 2, "Xlog1py": 2}
    reference = tf.function(fn, input_signature=[tf.TensorSpec(s, t) for s, t in specs])
    for n, shape in enumerate(SHAPES):
        size = int(np.prod(shape))
        x = rng.standard_normal(size) + 1j * rng.standard_normal(size)
        x[::3] = complex(-0.0, 0.0)
        x[1::5] = 0
        y = (rng.standard_normal(size) + 1j * rng.standard_normal(size)) * 10.0 ** rng.uniform(-10, 3, size)
        pairs = [complex(a, b) for a in parts for b in parts]
        y[: min(size, len(pairs))] = pairs[:size]
        y[1::7] = complex(-1.0, 0.0)
        row = rng.standard_normal(shape[1]) + 1j * rng.standard_normal(shape[1])
        inputs = [x.astype(dtype).reshape(shape), y.astype(dtype).reshape(shape), row.astype(dtype)]
        assert_runtimes_give_tf_bits(model, reference, inputs, f"case {n} {shape}")


def test_stock_float32_xlog1py_loses_small_y(tf):
    """Why float32 is substituted: the stock converter's builtins give 0 for xlog1py(1.25, 1e-20)
    (ADD and LOG: 1 + y rounds to 1); opbridge.convert's model gives TF's 1.25e-20."""
    spec = [tf.TensorSpec([None], tf.float32)] * 2
    concrete = tf.function(tf.math.xlog1py, input_signature=spec).get_concrete_function()
    stock = tf.lite.TFLiteConverter.from_concrete_functions([concrete], concrete).convert()
    assert tflite_model.custom_op_counts(stock) == {}
    x = np.full(9, 1.25, np.float32)
    y = np.full(9, 1e-20, np.float32)
    want = tf.math.xlog1py(x, y).numpy()
    assert (want > 1e-20).all()
    (builtin,) = run_tflite(stock, [x, y], "litert").values()
    assert (builtin == 0).all()
    ours = convert_fn(tf.math.xlog1py, ([None], tf.float32), ([None], tf.float32))
    (got,) = run_tflite(ours, [x, y], "litert").values()
    same_bits(want, got, "opbridge.convert float32")
