"""ResizeBilinearGrad / ResizeNearestNeighborGrad / ResizeBicubicGrad: TFLite kernels vs TF's, bit for bit,
in both runtimes, for every dtype TF's op takes, every mode (nearest's grad also takes align_corners with
half_pixel_centers), up/down/same/1x1/non-integer ratios, original images of one pixel, non-finite
gradients, empty batches, TF's errors; and a training-style graph (a gradient through tf.image.resize)
converted and run whole."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge.conversion import convert_model
from opbridge.running import run_tflite
from opbridge.testing import assert_parity

EXACT = {"rtol": 0.0, "atol": 0.0}
MODES = [(False, False), (True, False), (False, True)]
# Resized sizes of an original 9x11 (and 1x4) image: upscales, downscales, the same size, 1x1,
# non-integer ratios both ways, one row, a large upscale.
RESIZED = [(17, 23), (4, 3), (9, 11), (1, 1), (13, 7), (1, 5), (40, 5)]
ORIGINALS = [(9, 11), (1, 4)]


def _grads(rng: np.random.Generator, batch: int, channels: int) -> list[np.ndarray]:
    return [rng.standard_normal((batch, h, w, channels)).astype(np.float32) for h, w in RESIZED]


def _bilinear_every_case(tf: Any, op: str = "ResizeBilinearGrad") -> Any:
    grad = getattr(tf.raw_ops, op)

    def fn(*args: Any) -> list[Any]:
        grads, originals = args[: len(RESIZED)], args[len(RESIZED) :]
        return [
            grad(grads=g, original_image=o, align_corners=ac, half_pixel_centers=hp)
            for o in originals
            for g in grads
            for ac, hp in MODES
        ]

    return fn


def test_bilinear_grad_declares_every_dtype_tf_registers() -> None:
    assert registered_cpu_dtypes("ResizeBilinearGrad") == {"float32", "float64", "float16", "bfloat16"}


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.float16, ml_dtypes.bfloat16], ids=lambda d: np.dtype(d).name
)
def test_bilinear_grad_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    """Float products, T (or float for 16-bit types) sums in TF's order: the same bits in every case."""
    originals = [np.zeros((2, h, w, 3), dtype) for h, w in ORIGINALS]
    assert_parity(_bilinear_every_case(tf), [*_grads(rng, 2, 3), *originals], **EXACT, runtimes=RUNTIMES)


def test_bilinear_grad_non_finite_and_odd_shapes(tf: Any, rng: np.random.Generator) -> None:
    """NaN and infinities spread as TF's sums spread them; one channel; a batch of 0; original_image's
    batch and channels are not read (TF takes them from grads)."""
    grads = _grads(rng, 1, 1)
    grads[0][0, 2, 3, 0], grads[0][0, 5, 6, 0], grads[0][0, 7, 8, 0] = np.nan, np.inf, -np.inf
    grads[2][0, 0, 0, 0] = np.inf
    originals = [np.zeros((3, 9, 11, 2), np.float64), np.zeros((1, 1, 4, 1), np.float64)]
    assert_parity(_bilinear_every_case(tf), [*grads, *originals], **EXACT, runtimes=RUNTIMES)
    empty = [np.zeros((0, h, w, 3), np.float32) for h, w in RESIZED]
    originals = [np.zeros((1, h, w, 3), np.float64) for h, w in ORIGINALS]
    assert_parity(_bilinear_every_case(tf), [*empty, *originals], **EXACT, runtimes=RUNTIMES)


def test_bicubic_grad_declares_every_dtype_tf_registers() -> None:
    assert registered_cpu_dtypes("ResizeBicubicGrad") == {"float32", "float64"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_bicubic_grad_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    """Products and sums in T, 16 taps per pixel in TF's order (clamped border taps coincide)."""
    grads = _grads(rng, 2, 3)
    grads[0][0, 2, 3, 0], grads[0][1, 5, 6, 2] = np.nan, np.inf
    originals = [np.zeros((2, h, w, 3), dtype) for h, w in ORIGINALS]
    assert_parity(
        _bilinear_every_case(tf, "ResizeBicubicGrad"), [*grads, *originals], **EXACT, runtimes=RUNTIMES
    )


NEAREST_MODES = [(False, False), (True, False), (False, True), (True, True)]
# Original sizes (the `size` input) for grads of 9x11: larger, smaller, the same, 1x1, non-integer ratios.
NEAREST_SIZES = [(17, 23), (4, 3), (9, 11), (1, 1), (13, 7), (1, 5), (40, 5)]


def _nearest_every_case(tf: Any) -> Any:
    def fn(g: Any) -> list[Any]:
        return [
            tf.raw_ops.ResizeNearestNeighborGrad(grads=g, size=size, align_corners=ac, half_pixel_centers=hp)
            for size in NEAREST_SIZES
            for ac, hp in NEAREST_MODES
        ]

    return fn


NEAREST_DTYPES = [np.uint8, np.int8, np.int32, np.float16, np.float32, np.float64, ml_dtypes.bfloat16]


def test_nearest_grad_declares_what_tfs_op_takes(tf: Any) -> None:
    """TF registers CPU kernels for more types than the op definition admits; the op's own list is the one
    a graph can hold."""
    from tensorflow.python.framework import op_def_registry

    allowed = op_def_registry.get("ResizeNearestNeighborGrad").attr[0].allowed_values.list.type
    assert {tf.as_dtype(t).name for t in allowed} == {np.dtype(d).name for d in NEAREST_DTYPES}


def _values(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)  # the full range: the integer sums wrap, as TF's
        return rng.integers(info.min, info.max, shape, dtype=np.int64).astype(dtype)
    return (rng.standard_normal(shape) * 10).astype(dtype)


@pytest.mark.parametrize("dtype", NEAREST_DTYPES, ids=lambda d: np.dtype(d).name)
def test_nearest_grad_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    assert_parity(_nearest_every_case(tf), [_values(rng, (2, 9, 11, 5), dtype)], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("shape", [(0, 9, 11, 3), (1, 1, 1, 1), (2, 9, 11, 1), (1, 40, 30, 2)], ids=str)
def test_nearest_grad_odd_shapes_and_non_finite(
    tf: Any, rng: np.random.Generator, shape: tuple[int, ...]
) -> None:
    x = _values(rng, shape, np.float32)
    if x.size > 3:
        x.reshape(-1)[:3] = [np.nan, np.inf, -np.inf]
    assert_parity(_nearest_every_case(tf), [x], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nearest_grad_size_known_only_at_run_time(tf: Any, rng: np.random.Generator, runtime: str) -> None:
    model = convert_fn(
        lambda g, s: tf.raw_ops.ResizeNearestNeighborGrad(grads=g, size=s, half_pixel_centers=True),
        ((None, None, None, 3), tf.float32),
        ((2,), tf.int32),
    )
    for shape, size in [((1, 5, 6, 3), (9, 2)), ((2, 3, 3, 3), (1, 7)), ((0, 2, 2, 3), (3, 3))]:
        g = _values(rng, shape, np.float32)
        (got,) = run_tflite(model, [g, np.array(size, np.int32)], runtime).values()
        want = tf.raw_ops.ResizeNearestNeighborGrad(grads=g, size=size, half_pixel_centers=True).numpy()
        np.testing.assert_array_equal(got, want)


BILINEAR_ERRORS = [
    ((1, 4, 4, 3), (1, 2, 2, 3), (True, True), r"If half_pixel_centers is True, align_corners must be False"),
    ((1, 0, 4, 3), (1, 2, 2, 3), (False, False), r"resized dimensions must be positive"),
    ((1, 4, 4, 3), (1, 2, 0, 3), (False, False), r"original dimensions must be positive"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("op", ["ResizeBilinearGrad", "ResizeBicubicGrad"])
@pytest.mark.parametrize("grads, original, mode, message", BILINEAR_ERRORS)
def test_bilinear_bicubic_grad_errors_as_in_tf(
    tf: Any,
    runtime: str,
    op: str,
    grads: tuple[int, ...],
    original: tuple[int, ...],
    mode: tuple[bool, bool],
    message: str,
) -> None:
    ac, hp = mode
    g, o = np.ones(grads, np.float32), np.zeros(original, np.float64)

    def fn(g: Any, o: Any) -> Any:
        return getattr(tf.raw_ops, op)(grads=g, original_image=o, align_corners=ac, half_pixel_centers=hp)

    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        fn(g, o)
    model = convert_fn(fn, ((None, None, None, None), tf.float32), ((None, None, None, None), tf.float64))
    with pytest.raises(RuntimeError, match=f"{op}: .*{message}"):
        run_tflite(model, [g, o], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    "size, message",
    [((0, 3), r"shape_t's elements must be positive"), ((3, 3, 3), r"shape_t must have two elements")],
)
def test_nearest_grad_errors_as_in_tf(tf: Any, runtime: str, size: tuple[int, ...], message: str) -> None:
    g = np.ones((1, 4, 4, 3), np.float32)

    def fn(g: Any, s: Any) -> Any:
        return tf.raw_ops.ResizeNearestNeighborGrad(grads=g, size=s)

    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        fn(g, np.array(size, np.int32))
    model = convert_fn(fn, ((None, None, None, None), tf.float32), ((None,), tf.int32))
    with pytest.raises(RuntimeError, match=f"ResizeNearestNeighborGrad: .*{message}"):
        run_tflite(model, [g, np.array(size, np.int32)], runtime)


def test_gradient_through_tf_image_resize_converts_and_matches(tf: Any, rng: np.random.Generator) -> None:
    """A train-step-like graph: conv, bilinear and nearest upscaling, crops, a loss, tf.GradientTape for
    the gradients of the input, of the conv kernel and of the boxes. Converted whole with opbridge (the
    gradient ops become custom nodes) and run in both runtimes against TF."""
    kernel = tf.Variable(rng.standard_normal((3, 3, 3, 4)).astype(np.float32) * 0.3)

    def step(x: Any, target: Any, boxes: Any) -> tuple[Any, Any, Any]:
        with tf.GradientTape() as tape:
            tape.watch([x, boxes])
            h = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=1, padding="SAME"))
            up = tf.image.resize(h, (24, 20), method="bilinear")
            near = tf.image.resize(h, (16, 16), method="nearest")
            crops = tf.image.crop_and_resize(h, boxes, [0, 1, 1], (5, 5))
            loss = tf.reduce_mean((up - target) ** 2) + tf.reduce_mean(near**2) + tf.reduce_mean(crops**2)
        dx, dk, db = tape.gradient(loss, [x, kernel, boxes])
        return dx, dk, db

    x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    target = rng.standard_normal((2, 24, 20, 4)).astype(np.float32)
    boxes = np.array([[0.1, 0.2, 0.8, 0.9], [0.0, 0.0, 1.0, 1.0], [0.5, 0.6, 0.2, 0.3]], np.float32)
    signature = [tf.TensorSpec(a.shape, tf.float32) for a in (x, target, boxes)]
    function = tf.function(step, input_signature=signature)
    result = convert_model(function)
    from opbridge import tflite_model

    custom = tflite_model.custom_op_counts(result.model)
    grads = {
        "ResizeBilinearGrad",
        "ResizeNearestNeighborGrad",
        "CropAndResizeGradImage",
        "CropAndResizeGradBoxes",
    }
    assert grads <= set(custom), custom
    want = [w.numpy() for w in function(tf.constant(x), tf.constant(target), tf.constant(boxes))]
    for runtime in RUNTIMES:
        got = list(run_tflite(result.model, [x, target, boxes], runtime).values())
        for g, w in zip(got, want, strict=True):
            # The forward ops and the loss are TFLite builtins (RESIZE_BILINEAR, CONV_2D, MEAN), whose
            # float rounding is not TF's; the gradient kernels themselves are bitwise above. Measured:
            # 1.5e-7 (dx), 1.8e-7 (dkernel) of each gradient's largest value, 0 for the boxes.
            np.testing.assert_allclose(g, w, rtol=0, atol=5e-7 * float(np.max(np.abs(w))))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_grads_bits_do_not_depend_on_threads(tf: Any, rng: np.random.Generator, runtime: str) -> None:
    """Large enough to be split over threads: each output row's sums stay in TF's order with 1 or 4."""
    grads = rng.standard_normal((2, 64, 48, 8)).astype(np.float32)
    original = np.zeros((2, 31, 37, 8), np.float32)

    def fn(g: Any, o: Any) -> list[Any]:
        return [
            tf.raw_ops.ResizeBilinearGrad(grads=g, original_image=o, half_pixel_centers=True),
            tf.raw_ops.ResizeBicubicGrad(grads=g, original_image=o, half_pixel_centers=True),
            tf.raw_ops.ResizeNearestNeighborGrad(grads=g, size=(31, 37), align_corners=True),
        ]

    model = convert_fn(fn, (grads.shape, tf.float32), (original.shape, tf.float32))
    want = [w.numpy() for w in fn(grads, original)]
    for threads in (1, 4):
        got = list(run_tflite(model, [grads, original], runtime, num_threads=threads).values())
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
