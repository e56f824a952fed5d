"""Activation gradients a converted train step leaves custom (ReluGrad, Relu6Grad, EluGrad, SeluGrad,
LeakyReluGrad, SoftplusGrad, SoftsignGrad) and the math gradients the converter leaves custom for
some dtypes (TanhGrad, ReciprocalGrad, SqrtGrad, RsqrtGrad): TFLite kernels vs TF's own kernels.

Gradients are taken with tf.GradientTape in tf.functions of dynamic shape (or called through
tf.raw_ops where the tape does not reach an attr or dtype), converted with opbridge.convert, and
compared bit for bit (NaN matches NaN; the sign of zero must match).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, run_tflite_each_in_process
from opbridge import tflite_model
from opbridge.testing import run_tflite

FLOATS = [np.float32, np.float64, np.float16]


def dtype_id(dtype) -> str:
    return np.dtype(dtype).name


def assert_same_bits(expected: np.ndarray, actual: np.ndarray, what: str) -> None:
    assert expected.shape == actual.shape and expected.dtype == actual.dtype, (what, expected, actual)
    if expected.dtype.kind in "iu":
        same = expected == actual
    else:
        bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[expected.dtype.itemsize]
        same = (np.isnan(expected) & np.isnan(actual)) | (expected.view(bits) == actual.view(bits))
    if not same.all():
        i = np.flatnonzero(~same.ravel())[0]
        raise AssertionError(
            f"{what}: {int((~same).sum())} of {same.size} differ; first at flat {i}: "
            f"tf={expected.ravel()[i]!r} tflite={actual.ravel()[i]!r}"
        )


def check(tf, fn, inputs: list[np.ndarray], op: str, model: bytes | None = None) -> bytes:
    """Runs fn (a tf.function with an input signature) in TF and, converted, in both runtimes."""
    if model is None:
        model = convert_fn(fn, *[((None,) * x.ndim, tf.as_dtype(x.dtype)) for x in inputs])
    assert tflite_model.custom_op_counts(model) == {op: 1}
    expected = fn(*inputs)
    expected = expected.numpy() if hasattr(expected, "numpy") else np.asarray(expected)
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, inputs, runtime).values()
        assert_same_bits(expected, got, f"{op} [{runtime}]")
    return model


def specials(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    return np.array(
        [
            0.0,
            -0.0,
            1.0,
            -1.0,
            6.0,
            -6.0,
            5.999,
            6.001,
            0.5,
            -0.5,
            3.0,
            -20.0,
            20.0,
            1e-3,
            float(info.tiny),
            -float(info.smallest_subnormal),
            float(info.max),
            -float(info.max),
            np.inf,
            -np.inf,
            np.nan,
        ],
        dtype=dtype,
    )


def grid(rng, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Every special gradient against every special feature, plus random values: 21*21 + 200 = 641
    elements, so the last 641 % 8 = 1 takes TF's scalar path."""
    s = specials(dtype)
    g, x = np.meshgrid(s, s)
    g = np.concatenate([g.ravel(), rng.standard_normal(200) * 3]).astype(dtype)
    x = np.concatenate([x.ravel(), rng.standard_normal(200) * 4]).astype(dtype)
    return g, x


def tape_grad(tf, forward):
    """d(forward(x)) / dx with upstream gradient g, as a train step takes it."""

    def fn(g, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = forward(x)
        return tape.gradient(y, x, output_gradients=g)

    return fn


def signature(tf, dtype, rank=1):
    return [tf.TensorSpec([None] * rank, tf.as_dtype(dtype))] * 2


TAPE_OPS = {
    "ReluGrad": lambda tf: tf.nn.relu,
    "Relu6Grad": lambda tf: tf.nn.relu6,
    "LeakyReluGrad": lambda tf: tf.nn.leaky_relu,
    "EluGrad": lambda tf: tf.nn.elu,
    "SeluGrad": lambda tf: tf.nn.selu,
    "SoftsignGrad": lambda tf: tf.nn.softsign,
    "SoftplusGrad": lambda tf: tf.nn.softplus,
}
# What the converter makes of each float32 tape gradient (measured): softplus' gradient lowers to
# builtins; the others stay custom.
LOWERED_TAPE = {"SoftplusGrad"}
# EluGrad and SeluGrad take the forward op's outputs, which the converted model computes with
# builtins that differ from TF's Elu/Selu (ELU's exp by an ulp; the lowered selu maps NaN to
# -scale*alpha): their tape is compared within 1e-6; the kernels themselves bit for bit below.
FORWARD_DIFFERS = {"EluGrad", "SeluGrad"}


@pytest.mark.parametrize("op", list(TAPE_OPS))
def test_tape_gradient_of_float32_activation(tf, rng, op):
    """A train step's gradient: float32, dynamic shapes, through tf.GradientTape."""
    fn = tf.function(tape_grad(tf, TAPE_OPS[op](tf)), input_signature=signature(tf, np.float32, rank=2))
    if op in LOWERED_TAPE:
        model = convert_fn(fn, ((None, None), tf.float32), ((None, None), tf.float32))
        assert op not in tflite_model.custom_op_counts(model)
        return
    g, x = grid(rng, np.float32)
    if op in FORWARD_DIFFERS:
        model = convert_fn(fn, ((None, None), tf.float32), ((None, None), tf.float32))
        assert tflite_model.custom_op_counts(model) == {op: 1}
        g, x = (rng.standard_normal((2, 3, 37)) * 4).astype(np.float32)
        expected = fn(g, x).numpy()
        # The gradient is g * f'(x) from the forward's output y, which TFLite's builtin ELU/SELU and
        # TF (oneDNN's jitted exp, whose last bit depends on the CPU's ISA) each round their own way:
        # within 1e-6 relative, plus 2 float32 ulps of 1 (the scale of y for x < 0) times |g|.
        bound = 1e-6 * np.abs(expected) + 2 * np.finfo(np.float32).eps * np.abs(g)
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [g, x], runtime).values()
            err = np.abs(got.astype(np.float64) - expected)
            assert np.all(err <= bound), f"{runtime}: worst {np.max(err - bound):.3g} over the bound"
        return
    model = check(tf, fn, [g.reshape(1, -1), x.reshape(1, -1)], op)
    # Other lengths move elements between TF's packet and scalar paths; empty tensors too.
    for n in [0, 1, 7, 8, 9, 33]:
        g, x = (rng.standard_normal((2, 3, n)) * 4).astype(np.float32)
        check(tf, fn, [g, x], op, model)


RAW_OPS = {
    "ReluGrad": lambda tf: lambda g, x: tf.raw_ops.ReluGrad(gradients=g, features=x),
    "Relu6Grad": lambda tf: lambda g, x: tf.raw_ops.Relu6Grad(gradients=g, features=x),
    "LeakyReluGrad": lambda tf: lambda g, x: tf.raw_ops.LeakyReluGrad(gradients=g, features=x),
    "EluGrad": lambda tf: lambda g, y: tf.raw_ops.EluGrad(gradients=g, outputs=y),
    "SeluGrad": lambda tf: lambda g, y: tf.raw_ops.SeluGrad(gradients=g, outputs=y),
    "SoftplusGrad": lambda tf: lambda g, x: tf.raw_ops.SoftplusGrad(gradients=g, features=x),
    "SoftsignGrad": lambda tf: lambda g, x: tf.raw_ops.SoftsignGrad(gradients=g, features=x),
    "TanhGrad": lambda tf: lambda dy, y: tf.raw_ops.TanhGrad(y=y, dy=dy),
    "ReciprocalGrad": lambda tf: lambda dy, y: tf.raw_ops.ReciprocalGrad(y=y, dy=dy),
    "SqrtGrad": lambda tf: lambda dy, y: tf.raw_ops.SqrtGrad(y=y, dy=dy),
    "RsqrtGrad": lambda tf: lambda dy, y: tf.raw_ops.RsqrtGrad(y=y, dy=dy),
}
# float32 TanhGrad, SqrtGrad and RsqrtGrad lower to builtins (MUL, SUB, ...): only the other dtypes
# stay custom. (SigmoidGrad lowers for float32; the converter crashes on float64/half SigmoidGrad.)
LOWERED_FOR_FLOAT32 = {"TanhGrad", "SqrtGrad", "RsqrtGrad"}


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("op", list(RAW_OPS))
def test_raw_gradient_op(tf, rng, op, dtype):
    """Every dtype, the ops called directly (dtypes a float32 train step does not reach)."""
    fn = tf.function(RAW_OPS[op](tf), input_signature=signature(tf, dtype))
    if dtype == np.float32 and op in LOWERED_FOR_FLOAT32:
        model = convert_fn(fn, ((None,), tf.float32), ((None,), tf.float32))
        assert tflite_model.custom_op_counts(model) == {}
        return
    model = check(tf, fn, list(grid(rng, dtype)), op)
    for n in [0, 1, 7, 8, 9, 33]:
        g, x = (rng.standard_normal((2, n)) * 4).astype(dtype)
        check(tf, fn, [g, x], op, model)


@pytest.mark.parametrize("alpha", [0.2, 0.0, -0.5, 1.7, 1e-8])
def test_leaky_relu_grad_alpha(tf, rng, alpha):
    for dtype in [np.float32, np.float16]:
        fn = tf.function(
            lambda g, x: tf.raw_ops.LeakyReluGrad(gradients=g, features=x, alpha=alpha),
            input_signature=signature(tf, dtype, rank=2),
        )
        g, x = (np.stack(grid(rng, dtype)).reshape(2, 1, -1) * np.ones((1, 3, 1), dtype)).astype(dtype)
        check(tf, fn, [g, x], "LeakyReluGrad")


@pytest.mark.parametrize("op", ["ReluGrad", "Relu6Grad"])
def test_relu_grads_integer_types(tf, rng, op):
    """TF registers ReluGrad and Relu6Grad for every real type; integer grads multiply exactly."""
    raw = getattr(tf.raw_ops, op)
    for dtype in [np.int32, np.int64, np.int8, np.uint8, np.int16]:
        fn = tf.function(lambda g, x: raw(gradients=g, features=x), input_signature=signature(tf, dtype))
        info = np.iinfo(dtype)
        g = np.array([info.min, info.max, info.min + 3, 0, 5, 7, 1, 2, 9], dtype)
        x = np.array([1, 6, 0, 5, 6, info.min, info.max, info.min, 3], dtype)
        check(tf, fn, [g, x], op)


@pytest.mark.parametrize(
    "op", ["ReluGrad", "EluGrad", "SoftplusGrad", "TanhGrad", "ReciprocalGrad", "SqrtGrad", "RsqrtGrad"]
)
def test_bfloat16_inside_a_model(tf, rng, op):
    """bfloat16 cannot be a converted model's input; inside one (after a cast) it runs as in TF."""
    raw = RAW_OPS[op](tf)

    def fn(g, x):
        return tf.cast(raw(tf.cast(g, tf.bfloat16), tf.cast(x, tf.bfloat16)), tf.float32)

    fn = tf.function(fn, input_signature=signature(tf, np.float32))
    model = convert_fn(fn, ((None,), tf.float32), ((None,), tf.float32))
    assert tflite_model.custom_op_counts(model).get(op) == 1
    g, x = grid(rng, np.float32)
    expected = fn(g, x).numpy()
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [g, x], runtime).values()
        assert_same_bits(expected, got, f"{op} bfloat16 [{runtime}]")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_shape_mismatch_is_an_error_as_in_tf(tf, runtime):
    fn = tf.function(
        lambda g, x: tf.raw_ops.ReluGrad(gradients=g, features=x), input_signature=signature(tf, np.float32)
    )
    model = convert_fn(fn, ((None,), tf.float32), ((None,), tf.float32))
    g, x = np.ones(3, np.float32), np.ones(4, np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have the same size and shape"):
        fn(g, x)
    with pytest.raises(
        RuntimeError, match=r"ReluGrad: .*must have the same size and shape.*\[3\] != input 1: \[4\]"
    ):
        run_tflite(model, [g, x], runtime)


@pytest.mark.parametrize("op", ["SoftplusGrad", "SqrtGrad", "ReluGrad"])
def test_threads_do_not_change_bits(tf, rng, op):
    """TF's packet/tail split is by position in the whole tensor, whatever the thread count."""
    dtype = np.float64 if op == "SqrtGrad" else np.float32
    fn = tf.function(RAW_OPS[op](tf), input_signature=signature(tf, dtype))
    model = convert_fn(fn, ((None,), tf.as_dtype(dtype)), ((None,), tf.as_dtype(dtype)))
    g, x = (rng.standard_normal((2, 100_003)) * 4).astype(dtype)
    expected = fn(g, x).numpy()
    for threads in (1, 4):
        (got,) = run_tflite(model, [g, x], num_threads=threads).values()
        assert_same_bits(expected, got, f"{op} {threads} threads")


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=dtype_id)
@pytest.mark.parametrize("op", ["TanhGrad", "ReciprocalGrad"])
def test_complex_gradients(tf, rng, op, dtype):
    """The converter leaves complex TanhGrad and ReciprocalGrad custom too."""
    fn = tf.function(RAW_OPS[op](tf), input_signature=signature(tf, dtype))
    model = convert_fn(fn, ((None,), tf.as_dtype(dtype)), ((None,), tf.as_dtype(dtype)))
    assert tflite_model.custom_op_counts(model) == {op: 1}
    parts = np.array([0.0, -0.0, 1.0, -2.5, 0.5, 1e3, np.inf, -np.inf, np.nan])
    re, im = np.meshgrid(parts, parts)
    specials = (re + 1j * im).ravel()
    for n in [0, 1, 3, 4, 5, 81, 200]:
        y = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
        dy = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
        if n == 81:
            y = specials.astype(dtype)
        elif n == 200:
            dy[:81] = specials
        expected = fn(dy, y).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [dy, y], runtime).values()
            for part in ("real", "imag"):
                e, a = getattr(expected, part).copy(), getattr(got, part).copy()
                assert_same_bits(e, a, f"{op} {part} n={n} [{runtime}]")


@pytest.mark.parametrize("dtype", [np.float64, np.float16], ids=dtype_id)
def test_block_grads_on_the_baseline_path(tf, rng, tmp_path, dtype):
    """ReciprocalGrad, SqrtGrad and RsqrtGrad compute TF's packet path on blocks of widened values
    (binary_grad.h BinaryByPositionBlocks); the baseline build (OPBRIDGE_NO_AVX2=1) converts half
    without F16C and gives TF's bits too: the special grid, 5000 values with zeros in dy at random
    (blocks of 256 and the scalar tail) and short lengths."""
    ops = ["ReciprocalGrad", "SqrtGrad", "RsqrtGrad"]

    def fn(dy, y):
        return {op: RAW_OPS[op](tf)(dy, y) for op in ops}

    fn = tf.function(fn, input_signature=signature(tf, dtype))
    model = convert_fn(fn, ((None,), tf.as_dtype(dtype)), ((None,), tf.as_dtype(dtype)))
    assert tflite_model.custom_op_counts(model) == dict.fromkeys(ops, 1)
    dy, y = (rng.standard_normal((2, 5003)) * 4).astype(dtype)
    dy[rng.uniform(size=dy.shape) < 0.2] = 0
    sets = [list(grid(rng, dtype)), [dy, np.abs(y)]] + [
        list((rng.standard_normal((2, n)) * 4).astype(dtype)) for n in [1, 9, 33]
    ]
    got = run_tflite_each_in_process(model, sets, tmp_path, baseline=True)
    for inputs, out in zip(sets, got, strict=True):
        for name, want in fn(*inputs).items():
            assert_same_bits(want.numpy(), out[name], f"{name} [baseline] n={inputs[0].size}")
