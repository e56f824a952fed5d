"""ResizeBilinear / ResizeNearestNeighbor: TFLite kernels vs TF's, bit for bit, for every type the converter
leaves custom (all but float32), every mode, up/down/non-integer sizes, non-finite pixels and TF's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

OPS = ("ResizeBilinear", "ResizeNearestNeighbor")
# (align_corners, half_pixel_centers): every combination TF accepts.
MODES = [(False, False), (True, False), (False, True)]
# Up, down, the same size (TF's bilinear is then a plain cast), 1x1 (align_corners falls back to
# in/out), non-integer ratios both ways, a single row, a large upscale.
SIZES = [(17, 23), (4, 3), (9, 11), (1, 1), (13, 7), (1, 5), (40, 5)]
EXACT = {"rtol": 0.0, "atol": 0.0}
OTHER_DTYPES = [np.float16, ml_dtypes.bfloat16, np.uint8, np.int8, np.int16, np.uint16, np.int32, np.int64]


def every_mode_and_size(tf: Any, ops: tuple[str, ...] = OPS) -> Callable[[Any], list[Any]]:
    def fn(x: Any) -> list[Any]:
        return [
            getattr(tf.raw_ops, op)(images=x, size=size, align_corners=ac, half_pixel_centers=hp)
            for op in ops
            for ac, hp in MODES
            for size in SIZES
        ]

    return fn


def image(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=np.int64 if info.min < 0 else np.uint64).astype(
            dtype
        )
    return (rng.standard_normal(shape) * 100).astype(dtype)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5, 16])
def test_float64_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, channels: int) -> None:
    """Every channel count the kernels specialize, and the generic loop (5, 16)."""
    assert_parity(
        every_mode_and_size(tf), [image(rng, (2, 9, 11, channels), np.float64)], **EXACT, runtimes=RUNTIMES
    )


@pytest.mark.parametrize("dtype", OTHER_DTYPES, ids=lambda d: np.dtype(d).name)
def test_other_dtypes_match_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    """Bilinear reads each value as float and outputs float32 (int64 rounds); nearest keeps T."""
    assert_parity(every_mode_and_size(tf), [image(rng, (2, 9, 11, 3), dtype)], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("dtype", [np.float64, np.float16], ids=lambda d: np.dtype(d).name)
def test_non_finite_pixels_spread_as_in_tf(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    """An inf next to a finite value gives inf or NaN as TF's lerp does (inf - inf); same-size keeps it."""
    x = image(rng, (1, 9, 11, 2), dtype)
    big = 1e300 if dtype == np.float64 else 6e4
    x[0, 2, 3, 0], x[0, 5, 5, 1], x[0, 0, 0, 0], x[0, 8, 10, 1], x[0, 4, 4, 0] = (
        np.nan,
        np.inf,
        -np.inf,
        np.inf,
        big,
    )
    assert_parity(every_mode_and_size(tf), [x], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("shape", [(0, 4, 4, 3), (1, 1, 1, 3), (3, 1, 5, 1)], ids=str)
def test_empty_batch_and_tiny_images(tf: Any, rng: np.random.Generator, shape: tuple[int, ...]) -> None:
    assert_parity(every_mode_and_size(tf), [image(rng, shape, np.float64)], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("keras", ["upsampling_nearest", "upsampling_bilinear", "resizing_bilinear"])
def test_keras_layers_in_float64(tf: Any, rng: np.random.Generator, keras: str) -> None:
    layers = {
        "upsampling_nearest": lambda: tf.keras.layers.UpSampling2D(3, dtype="float64"),
        "upsampling_bilinear": lambda: tf.keras.layers.UpSampling2D(
            2, interpolation="bilinear", dtype="float64"
        ),
        "resizing_bilinear": lambda: tf.keras.layers.Resizing(7, 13, dtype="float64"),
    }
    layer = layers[keras]()
    assert_parity(lambda x: layer(x), [image(rng, (2, 5, 6, 3), np.float64)], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("op", OPS)
def test_size_known_only_at_run_time(tf: Any, rng: np.random.Generator, runtime: str, op: str) -> None:
    """A non-constant size: the output is allocated when the kernel runs."""
    resize = getattr(tf.raw_ops, op)
    model = convert_fn(
        lambda x, s: resize(images=x, size=s, half_pixel_centers=True),
        ((None, None, None, 3), tf.float64),
        ((2,), tf.int32),
    )
    for shape, size in [
        ((1, 5, 6, 3), (9, 2)),
        ((2, 3, 3, 3), (1, 7)),
        ((1, 8, 8, 3), (8, 8)),
        ((0, 2, 2, 3), (3, 3)),
    ]:
        x = image(rng, shape, np.float64)
        (got,) = run_tflite(model, [x, np.array(size, np.int32)], runtime).values()
        want = resize(images=x, size=size, half_pixel_centers=True).numpy()
        np.testing.assert_array_equal(got, want)


ERRORS = [
    ((1, 4, 4, 3), (2, 2), (True, True), r"If half_pixel_centers is True, align_corners must be False"),
    ((1, 4, 4, 3), (0, 2), (False, False), r"output dimensions must be positive"),
    ((1, 4, 4, 3), (2, -5), (False, True), r"output dimensions must be positive"),
    ((1, 4, 4, 0), (2, 2), (False, False), r"image must have at least one channel"),
    ((1, 0, 4, 3), (2, 2), (False, False), r"input image must be of non-zero size"),
    ((1, 4, 4, 3), (2, 2, 2), (False, False), r"must have two elements"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("shape, size, mode, message", ERRORS)
def test_bad_inputs_are_errors_as_in_tf(
    tf: Any,
    runtime: str,
    op: str,
    shape: tuple[int, ...],
    size: tuple[int, ...],
    mode: tuple[bool, bool],
    message: str,
) -> None:
    ac, hp = mode
    resize = getattr(tf.raw_ops, op)
    x = np.zeros(shape, np.float64)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        resize(images=x, size=size, align_corners=ac, half_pixel_centers=hp)
    model = convert_fn(
        lambda v, s: resize(images=v, size=s, align_corners=ac, half_pixel_centers=hp),
        ((None, None, None, None), tf.float64),
        ((None,), tf.int32),
    )
    with pytest.raises(RuntimeError, match=f"{op}: .*{message}"):
        run_tflite(model, [x, np.array(size, np.int32)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("op", OPS)
def test_input_not_4d_is_an_error(op: str, runtime: str) -> None:
    """Not what the converter emits (TF's shape function refuses it): a hand-built model fails cleanly."""
    out_dtype = np.float32 if op == "ResizeBilinear" else np.float64
    model = tflite_model.single_custom_op_model(
        op,
        [("images", (4, 4, 3), np.dtype(np.float64)), ("size", (2,), np.dtype(np.int32))],
        [("out", (1, 2, 2, 3), np.dtype(out_dtype))],
        options=flexbuffers.Dumps({"align_corners": False, "half_pixel_centers": False}),
        constants={"size": np.array([2, 2], np.int32)},
    )
    with pytest.raises(RuntimeError, match=f"{op}: input must be 4-dimensional"):
        run_tflite(model, [np.zeros((4, 4, 3), np.float64)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nearest_input_too_large_is_an_error(tf: Any, runtime: str) -> None:
    x = np.zeros((1, 1, 1 << 24, 1), np.int8)
    message = r"nearest neighbor requires max height & width of 2\^24"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.ResizeNearestNeighbor(images=x, size=(1, 1))
    model = convert_fn(
        lambda v, s: tf.raw_ops.ResizeNearestNeighbor(images=v, size=s),
        ((None, None, None, 1), tf.int8),
        ((2,), tf.int32),
    )
    with pytest.raises(RuntimeError, match="ResizeNearestNeighbor: " + message):
        run_tflite(model, [x, np.array((1, 1), np.int32)], runtime)
