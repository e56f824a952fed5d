"""ImageProjectiveTransformV3 (Keras augmentation layers, keras.ops.image.affine_transform) and V2:
every interpolation and fill_mode, fill values, output shapes, transforms, dtypes; TF's errors."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

INTERPOLATIONS = ["NEAREST", "BILINEAR"]
FILL_MODES = ["REFLECT", "WRAP", "CONSTANT", "NEAREST"]


def transforms(n):
    """Per-image transforms: rotation about the centre, zoom, shift far outside (reflect and wrap
    fold it back several times), shear, a projective one, the identity, a projection that is 0 on
    a line of output pixels."""
    angle = 0.4
    c, s = np.cos(angle), np.sin(angle)
    rows = [
        [c, -s, 4 - 4 * c + 3 * s, s, c, 3 - 4 * s - 3 * c, 0, 0],
        [0.6, 0, 1.5, 0, 1.7, -2.25, 0, 0],
        [1, 0, -23.5, 0, 1, 17.25, 0, 0],
        [1, 0.3, 0, 0.2, 1, -1, 0, 0],
        [1.1, 0.2, -1.5, -0.1, 0.9, 0.7, 0.01, -0.02],
        [1, 0, 0, 0, 1, 0, 0, 0],
        [1, 0, 0, 0, 1, 0, -0.25, 0],
    ]
    return np.array(rows[:n], np.float32)


def every_mode(tf, fill_value, output_shapes=((6, 8), (9, 13), (3, 2))):
    def fn(images, t):
        return [
            tf.raw_ops.ImageProjectiveTransformV3(
                images=images,
                transforms=t,
                output_shape=shape,
                fill_value=fill_value,
                interpolation=interpolation,
                fill_mode=mode,
            )
            for interpolation in INTERPOLATIONS
            for mode in FILL_MODES
            for shape in output_shapes
        ]

    return fn


def image(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 250, shape).astype(dtype)
    return rng.random(shape).astype(dtype)


# Measured: bit-identical to TF (same float coordinate arithmetic).
TOL = {"rtol": 1e-6, "atol": 1e-6}


@pytest.mark.parametrize("fill_value", [0.0, 0.5, -2.0, float("nan")])
def test_every_mode_matches_tf(tf, rng, fill_value):
    x = image(rng, (7, 6, 8, 3), np.float32)
    assert_parity(every_mode(tf, fill_value), [x, transforms(7)], **TOL, runtimes=RUNTIMES)


def test_one_transform_for_all_images(tf, rng):
    x = image(rng, (3, 5, 4, 2), np.float32)
    assert_parity(every_mode(tf, 0.25), [x, transforms(5)[4:5]], **TOL, runtimes=RUNTIMES)


@pytest.mark.parametrize(
    "dtype",
    [np.float64, np.float16, ml_dtypes.bfloat16, np.uint8, np.int32, np.int64],
    ids=lambda d: np.dtype(d).name,
)
def test_every_dtype(tf, rng, dtype):
    """Integer images take the float result truncated, and fill_value cast to the type."""
    x = image(rng, (7, 6, 8, 2), dtype)
    assert_parity(every_mode(tf, 3.7), [x, transforms(7)], **TOL, runtimes=RUNTIMES)


def test_non_finite_transforms_and_pixels(tf, rng):
    x = image(rng, (4, 6, 7, 3), np.float32)
    x[0, 2, 2, 1], x[1, 3, 4, :] = np.nan, np.inf
    t = np.array(
        [
            [np.nan, 0, 0, 0, 1, 0, 0, 0],
            [1, 0, np.inf, 0, 1, 0, 0, 0],
            [1e20, 0, -1e19, 0, 1, 0, 0, 0],
            [1, 0, 0, 0, 1, 0, 0, -np.inf],
        ],
        np.float32,
    )
    assert_parity(every_mode(tf, 0.5), [x, t], **TOL, runtimes=RUNTIMES)


def test_degenerate_images(tf, rng):
    """An empty batch, a one-pixel image (reflect and wrap stay on it), an image of no rows (every
    read is fill_value)."""
    for shape in [(0, 4, 4, 2), (2, 1, 1, 3), (2, 0, 4, 3), (2, 3, 1, 0)]:
        x = image(rng, shape, np.float32)
        assert_parity(every_mode(tf, 0.75), [x, transforms(2)[1:2]], **TOL, runtimes=RUNTIMES)


def test_v2_has_no_fill_value(tf, rng):
    def fn(images, t):
        return [
            tf.raw_ops.ImageProjectiveTransformV2(
                images=images, transforms=t, output_shape=(7, 9), interpolation=interpolation, fill_mode=mode
            )
            for interpolation in INTERPOLATIONS
            for mode in FILL_MODES
        ]

    for dtype in (np.float32, np.uint8):
        assert_parity(fn, [image(rng, (7, 6, 8, 3), dtype), transforms(7)], **TOL, runtimes=RUNTIMES)


def test_keras_affine_transform(tf, rng):
    """keras.ops.image.affine_transform lowers to ImageProjectiveTransformV3 (lower-case mode names
    become TF's)."""
    import keras

    x = image(rng, (3, 10, 12, 3), np.float32)

    def fn(images, t):
        return [
            keras.ops.image.affine_transform(images, t, interpolation=i, fill_mode=m, fill_value=0.3)
            for i in ("nearest", "bilinear")
            for m in ("constant", "nearest", "wrap", "reflect")
        ]

    report = assert_parity(fn, [x, transforms(3)], **TOL, runtimes=RUNTIMES)
    assert set(tflite_model.custom_op_counts(report.model)) == {"ImageProjectiveTransformV3"}


@pytest.mark.parametrize(
    "layer, fill_mode, interpolation",
    [
        ("RandomRotation", "REFLECT", "BILINEAR"),
        ("RandomZoom", "CONSTANT", "NEAREST"),
        ("RandomTranslation", "WRAP", "BILINEAR"),
        ("RandomShear", "NEAREST", "BILINEAR"),
    ],
)
def test_keras_augmentation_layers_emit_v3(tf, layer, fill_mode, interpolation):
    """What Keras' augmentation layers emit in training mode: ImageProjectiveTransformV3 with their
    fill_mode and interpolation (and random-number ops this library does not cover)."""
    import keras

    args = {"RandomTranslation": (0.1, 0.1), "RandomShear": (0.2,)}.get(layer, (0.2,))
    kwargs = {"fill_mode": fill_mode.lower(), "interpolation": interpolation.lower()}
    if layer == "RandomShear":
        kwargs = {"fill_mode": fill_mode.lower()}
    aug = getattr(keras.layers, layer)(*args, **kwargs)

    class Train(keras.Model):
        def call(self, x):
            return aug(x, training=True)

    model = Train()
    model(np.zeros((2, 16, 16, 3), np.float32))
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.allow_custom_ops = True
    ops = {op.name: op for op in tflite_model.custom_ops(converter.convert())}
    options = flexbuffers.Loads(ops["ImageProjectiveTransformV3"].options)
    assert options == {"dtype": 0, "fill_mode": fill_mode, "interpolation": interpolation}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_output_shape_and_fill_value_as_inputs(tf, rng, runtime):
    model = convert_fn(
        lambda x, t, s, f: tf.raw_ops.ImageProjectiveTransformV3(
            images=x, transforms=t, output_shape=s, fill_value=f, interpolation="BILINEAR", fill_mode="WRAP"
        ),
        ((None, None, None, 3), tf.float32),
        ((None, 8), tf.float32),
        ((2,), tf.int32),
        ((), tf.float32),
    )
    for shape, size, fill in [((2, 5, 6, 3), (9, 2), 0.5), ((1, 3, 3, 3), (3, 3), -1.0)]:
        args = [
            image(rng, shape, np.float32),
            transforms(shape[0]),
            np.array(size, np.int32),
            np.float32(fill),
        ]
        (got,) = run_tflite(model, args, runtime).values()
        want = tf.raw_ops.ImageProjectiveTransformV3(
            images=args[0],
            transforms=args[1],
            output_shape=args[2],
            fill_value=args[3],
            interpolation="BILINEAR",
            fill_mode="WRAP",
        )
        np.testing.assert_allclose(got, want.numpy(), **TOL)


def dynamic_model(tf):
    return convert_fn(
        lambda x, t, s, f: tf.raw_ops.ImageProjectiveTransformV3(
            images=x, transforms=t, output_shape=s, fill_value=f, interpolation="NEAREST"
        ),
        ((None, None, None, None), tf.float32),
        ((None, None), tf.float32),
        ((None,), tf.int32),
        ((), tf.float32),
    )


ERRORS = [
    (1, np.zeros((3, 8), np.float32), r"Input transform should be num_images x 8 or 1 x 8"),
    (1, np.zeros((2, 6), np.float32), r"Input transform should be num_images x 8 or 1 x 8"),
    (2, np.array([0, 3], np.int32), r"output dimensions must be positive"),
    (2, np.array([3, 3, 3], np.int32), r"output shape must have two elements"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("which, bad, message", ERRORS)
def test_bad_inputs_are_errors_as_in_tf(tf, runtime, which, bad, message):
    inputs = [np.zeros((2, 4, 4, 1), np.float32), np.zeros((2, 8), np.float32), np.array([3, 3], np.int32)]
    inputs[which] = bad
    names = ["images", "transforms", "output_shape"]
    with pytest.raises((tf.errors.InvalidArgumentError, ValueError), match=message):
        tf.raw_ops.ImageProjectiveTransformV3(
            **dict(zip(names, inputs, strict=True)), fill_value=0.0, interpolation="NEAREST"
        )
    with pytest.raises(RuntimeError, match="ImageProjectiveTransformV3: " + message):
        run_tflite(dynamic_model(tf), [*inputs, np.float32(0)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    "options, message",
    [
        ({"interpolation": "BICUBIC"}, r"Invalid interpolation BICUBIC. Supported types: NEAREST, BILINEAR"),
        ({"fill_mode": "MIRROR"}, r"Invalid mode MIRROR. Supported types: REFLECT, WRAP, CONSTANT, NEAREST"),
    ],
)
def test_bad_modes_are_errors(tf, runtime, options, message):
    """TF only logs these and runs with an uninitialized mode; an error is the safe answer."""
    model = convert_fn(
        lambda x, t: tf.raw_ops.ImageProjectiveTransformV3(
            images=x, transforms=t, output_shape=(4, 4), fill_value=0.0, interpolation="NEAREST"
        ),
        ((1, 4, 4, 1), tf.float32),
        ((1, 8), tf.float32),
    )
    base = {"dtype": 0, "fill_mode": "CONSTANT", "interpolation": "NEAREST"}
    model = tflite_model.replace_custom_options(
        model, "ImageProjectiveTransformV3", flexbuffers.Dumps({**base, **options})
    )
    with pytest.raises(RuntimeError, match="ImageProjectiveTransformV3: " + message):
        run_tflite(model, [np.zeros((1, 4, 4, 1), np.float32), np.zeros((1, 8), np.float32)], runtime)
