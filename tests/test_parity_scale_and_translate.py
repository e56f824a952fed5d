"""ScaleAndTranslate: every kernel_type, antialias on and off, scales and translations, dtypes, and
what tf.image.resize emits through the converter."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

KERNELS = ["lanczos1", "lanczos3", "lanczos5", "gaussian", "box", "triangle", "keyscubic", "mitchellcubic"]
# (size, scale, translation), each (rows, cols): downscale, upscale, mixed with
# translation, a translation that samples partly outside the image (zeros
# there), a strong downscale (wide antialiasing filter), identity.
GEOMETRIES = [
    ((4, 5), (0.45, 0.5), (0.0, 0.0)),
    ((19, 25), (2.0, 2.3), (0.0, 0.0)),
    ((7, 16), (0.8, 1.6), (0.7, -1.3)),
    ((9, 11), (1.0, 1.0), (-4.5, 6.0)),
    ((2, 3), (0.2, 0.25), (0.1, 0.0)),
    ((9, 11), (1.0, 1.0), (0.0, 0.0)),
]
# Measured: bit-identical to TF (same spans, filters and float summation
# order); the tolerance leaves room for another CPU's libm (sin, exp).
TOL = {"rtol": 1e-6, "atol": 1e-6}


def every_geometry(tf, kernel_type):
    def fn(x):
        return [
            tf.raw_ops.ScaleAndTranslate(
                images=x, size=size, scale=scale, translation=shift, kernel_type=kernel_type, antialias=aa
            )
            for size, scale, shift in GEOMETRIES
            for aa in (False, True)
        ]

    return fn


def image(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -30000), min(info.max, 30000), shape).astype(dtype)
    return rng.random(shape).astype(dtype)


@pytest.mark.parametrize("kernel_type", KERNELS)
def test_every_kernel_type_matches_tf(tf, rng, kernel_type):
    x = image(rng, (2, 9, 11, 3), np.float32)
    assert_parity(every_geometry(tf, kernel_type), [x], **TOL, runtimes=RUNTIMES)


@pytest.mark.parametrize("channels", [1, 2, 4])
def test_channel_counts(tf, rng, channels):
    assert_parity(
        every_geometry(tf, "lanczos3"),
        [image(rng, (1, 9, 11, channels), np.float32)],
        **TOL,
        runtimes=RUNTIMES,
    )


@pytest.mark.parametrize(
    "dtype",
    [np.float64, np.float16, ml_dtypes.bfloat16, np.uint8, np.int8, np.int16, np.uint16, np.int32, np.int64],
    ids=lambda d: np.dtype(d).name,
)
def test_other_dtypes(tf, rng, dtype):
    assert_parity(
        every_geometry(tf, "keyscubic"), [image(rng, (2, 6, 7, 3), dtype)], **TOL, runtimes=RUNTIMES
    )


# What tf.image.resize emits: (method, antialias) -> kernel_type.
RESIZE_METHODS = {
    ("lanczos3", False): "lanczos3",
    ("lanczos3", True): "lanczos3",
    ("lanczos5", False): "lanczos5",
    ("lanczos5", True): "lanczos5",
    ("gaussian", False): "gaussian",
    ("gaussian", True): "gaussian",
    ("mitchellcubic", False): "mitchellcubic",
    ("mitchellcubic", True): "mitchellcubic",
    ("bilinear", True): "triangle",
    ("bicubic", True): "keyscubic",
}


@pytest.mark.parametrize("method, antialias", sorted(RESIZE_METHODS))
def test_tf_image_resize_emits_scale_and_translate(tf, rng, method, antialias):
    x = image(rng, (2, 24, 17, 3), np.float32)
    fn = lambda v: [  # noqa: E731
        tf.image.resize(v, size, method=method, antialias=antialias) for size in ([9, 7], [40, 30], [24, 50])
    ]
    report = assert_parity(fn, [x], **TOL, runtimes=RUNTIMES)
    ops = tflite_model.custom_ops(report.model)
    assert {op.name for op in ops} == {"ScaleAndTranslate"}
    for op in ops:
        assert flexbuffers.Loads(op.options) == {
            "T": 0,
            "antialias": antialias,
            "kernel_type": RESIZE_METHODS[(method, antialias)],
        }


def test_non_finite_pixels(tf, rng):
    x = image(rng, (1, 8, 9, 2), np.float32)
    x[0, 2, 3, 0], x[0, 5, 5, 1], x[0, 7, 8, 0] = np.nan, np.inf, -np.inf
    assert_parity(every_geometry(tf, "lanczos3"), [x], **TOL, runtimes=RUNTIMES)


def test_empty_batch_and_one_pixel_images(tf, rng):
    for shape in [(0, 5, 5, 3), (1, 1, 1, 3), (2, 1, 6, 1)]:
        assert_parity(
            every_geometry(tf, "gaussian"), [image(rng, shape, np.float32)], **TOL, runtimes=RUNTIMES
        )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_scale_and_translation_known_only_at_run_time(tf, rng, runtime):
    model = convert_fn(
        lambda x, s, sc, t: tf.raw_ops.ScaleAndTranslate(
            images=x, size=s, scale=sc, translation=t, kernel_type="mitchellcubic"
        ),
        ((None, None, None, 3), tf.float32),
        ((2,), tf.int32),
        ((2,), tf.float32),
        ((2,), tf.float32),
    )
    for shape, size, scale, shift in [
        ((1, 5, 6, 3), (9, 2), (1.7, 0.4), (0.0, 0.5)),
        ((2, 12, 3, 3), (4, 7), (0.3, 2.2), (-1.0, 0.25)),
        ((1, 3, 3, 3), (3, 3), (np.inf, 1.0), (np.nan, 0.0)),
    ]:
        args = [np.array(size, np.int32), np.array(scale, np.float32), np.array(shift, np.float32)]
        x = image(rng, shape, np.float32)
        (got,) = run_tflite(model, [x, *args], runtime).values()
        want = tf.raw_ops.ScaleAndTranslate(
            images=x, size=args[0], scale=args[1], translation=args[2], kernel_type="mitchellcubic"
        )
        np.testing.assert_allclose(got, want.numpy(), **TOL)


ERRORS = [
    ((1, 4, 4, 3), (2, 2), (0.0, 1.0), r"Scale must be greater than zero"),
    ((1, 4, 4, 3), (2, 2), (1.0, np.nan), r"Scale must be greater than zero"),
    ((1, 4, 4, 3), (0, 2), (1.0, 1.0), r"output dimensions must be positive"),
    ((1, 4, 4, 0), (2, 2), (1.0, 1.0), r"image must have at least one channel"),
    ((1, 0, 4, 3), (2, 2), (1.0, 1.0), r"input image must be of non-zero size"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("shape, size, scale, message", ERRORS)
def test_bad_inputs_are_errors_as_in_tf(tf, runtime, shape, size, scale, message):
    x = np.zeros(shape, np.float32)
    args = [np.array(size, np.int32), np.array(scale, np.float32), np.zeros(2, np.float32)]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.ScaleAndTranslate(images=x, size=args[0], scale=args[1], translation=args[2])
    model = convert_fn(
        lambda v, s, sc, t: tf.raw_ops.ScaleAndTranslate(images=v, size=s, scale=sc, translation=t),
        ((None, None, None, None), tf.float32),
        ((2,), tf.int32),
        ((2,), tf.float32),
        ((2,), tf.float32),
    )
    with pytest.raises(RuntimeError, match="ScaleAndTranslate: " + message):
        run_tflite(model, [x, *args], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_unknown_kernel_type_is_an_error_as_in_tf(tf, runtime):
    x = np.zeros((1, 4, 4, 3), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unrecognized kernel type: cubic"):
        tf.raw_ops.ScaleAndTranslate(
            images=x, size=[2, 2], scale=[1.0, 1.0], translation=[0.0, 0.0], kernel_type="cubic"
        )
    model = convert_fn(lambda v: tf.image.resize(v, [2, 2], method="lanczos3"), (x.shape, tf.float32))
    options = flexbuffers.Dumps({"T": 0, "antialias": True, "kernel_type": "cubic"})
    model = tflite_model.replace_custom_options(model, "ScaleAndTranslate", options)
    with pytest.raises(RuntimeError, match="ScaleAndTranslate: Unrecognized kernel type: cubic"):
        run_tflite(model, [x], runtime)
