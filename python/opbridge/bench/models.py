"""Whole models with exotic ops, timed as the op cases are: TF (a tf.function) against
the converted model in LiteRT with opbridge's kernels, each with 1 and N threads, same run.

Each model is a small but realistic block where the op sits among builtins, so the
table shows what a user's model gains or loses end to end, not one kernel alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tf_timing import TimingChild


@dataclass
class ModelCase:
    name: str
    ops: str  # the exotic ops it holds, for the table
    fn: Any  # a tf.function with an input signature
    inputs: list[np.ndarray]


def _spatial_transformer(tf: Any, quick: bool) -> ModelCase:
    from .. import demo

    images, motions = demo.load_scene()
    batch = 2 if quick else len(motions)
    fn = demo.build_model(tf, batch, images.shape[1])
    return ModelCase(
        "spatial transformer (demo)", "MatrixInverse, GridSample, Erf", fn, [images[:batch], motions[:batch]]
    )


def _vit_patch_embedding(tf: Any, rng: np.random.Generator, quick: bool) -> ModelCase:
    size, patch, width = (32, 8, 32) if quick else (224, 16, 192)
    weight = tf.constant(rng.standard_normal((patch * patch * 3, width)).astype(np.float32) * 0.02)

    @tf.function(input_signature=[tf.TensorSpec((1, size, size, 3), tf.float32, name="image")])
    def embed(image: Any) -> Any:
        patches = tf.image.extract_patches(
            image, [1, patch, patch, 1], [1, patch, patch, 1], [1, 1, 1, 1], "VALID"
        )
        tokens = tf.reshape(patches, (1, -1, patch * patch * 3)) @ weight
        return tf.nn.gelu(tokens, approximate=False)  # exact GELU: Erf

    image = rng.uniform(0, 1, (1, size, size, 3)).astype(np.float32)
    return ModelCase(f"ViT patch embedding {size}px/{patch}", "ExtractImagePatches, Erf", embed, [image])


def _bicubic_upscaler(tf: Any, rng: np.random.Generator, quick: bool) -> ModelCase:
    size = 16 if quick else 96
    k1 = tf.constant(rng.standard_normal((3, 3, 3, 16)).astype(np.float32) * 0.1)
    k2 = tf.constant(rng.standard_normal((3, 3, 16, 3)).astype(np.float32) * 0.1)

    @tf.function(input_signature=[tf.TensorSpec((1, size, size, 3), tf.float32, name="image")])
    def upscale(image: Any) -> Any:
        features = tf.nn.relu(tf.nn.conv2d(image, k1, 1, "SAME"))
        big = tf.image.resize(features, (4 * size, 4 * size), method="bicubic")
        return tf.nn.conv2d(big, k2, 1, "SAME") + tf.image.resize(
            image, (4 * size, 4 * size), method="bicubic"
        )

    image = rng.uniform(0, 1, (1, size, size, 3)).astype(np.float32)
    return ModelCase(f"x4 bicubic upscaler {size}px", "ResizeBicubic", upscale, [image])


def _segnet_block(tf: Any, rng: np.random.Generator, quick: bool) -> ModelCase:
    from .. import ops

    size = 16 if quick else 128
    kernel = tf.constant(rng.standard_normal((3, 3, 16, 16)).astype(np.float32) * 0.1)

    @tf.function(input_signature=[tf.TensorSpec((1, size, size, 16), tf.float32, name="features")])
    def block(features: Any) -> Any:
        pooled, argmax = tf.nn.max_pool_with_argmax(features, 2, 2, "SAME")
        encoded = tf.nn.relu(tf.nn.conv2d(pooled, kernel, 1, "SAME"))
        return ops.max_unpooling_2d(encoded, argmax, 2)

    features = rng.standard_normal((1, size, size, 16)).astype(np.float32)
    return ModelCase(
        f"SegNet pool/unpool {size}px", "MaxPoolWithArgmax, Opbridge>MaxUnpooling2D", block, [features]
    )


def _istft_decoder(tf: Any, rng: np.random.Generator, quick: bool) -> ModelCase:
    frames = 8 if quick else 200

    @tf.function(
        input_signature=[
            tf.TensorSpec((1, frames, 257), tf.float32, name="real"),
            tf.TensorSpec((1, frames, 257), tf.float32, name="imag"),
        ]
    )
    def decode(real: Any, imag: Any) -> Any:
        return tf.signal.inverse_stft(
            tf.complex(real, imag), frame_length=512, frame_step=128, fft_length=512
        )

    parts = [rng.standard_normal((1, frames, 257)).astype(np.float32) for _ in range(2)]
    return ModelCase(f"inverse STFT, {frames} frames of 512", "Complex, IRFFT", decode, parts)


def _mixed_precision_block(tf: Any, rng: np.random.Generator, quick: bool) -> ModelCase:
    """A MobileNetV2/EfficientNet block as Keras' mixed_float16 policy exports it: the convolutions,
    activations and squeeze-and-excitation in float16 (custom ops: TFLite has no float16 kernels),
    batch norm in float32 between casts (builtins)."""
    size = 32 if quick else 112
    f16 = tf.float16

    def weight(*shape: int, scale: float) -> Any:
        return tf.constant((rng.standard_normal(shape) * scale).astype(np.float16))

    def norm(x: Any, channels: int) -> Any:  # batch norm at inference, in float32
        scale = rng.uniform(0.5, 1.5, channels).astype(np.float32)
        shift = rng.normal(0, 0.2, channels).astype(np.float32)
        return tf.cast(tf.cast(x, tf.float32) * scale + shift, f16)

    stem, dw = weight(3, 3, 3, 32, scale=0.3), weight(3, 3, 32, 1, scale=0.3)
    squeeze, excite, project = (
        weight(1, 1, 32, 8, scale=0.2),
        weight(1, 1, 8, 32, scale=0.3),
        weight(1, 1, 32, 16, scale=0.2),
    )

    @tf.function(input_signature=[tf.TensorSpec((1, size, size, 3), tf.float32, name="image")])
    def block(image: Any) -> Any:
        x = tf.nn.relu6(norm(tf.nn.conv2d(tf.cast(image, f16), stem, 2, "SAME"), 32))
        x = norm(tf.nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "SAME"), 32)
        x = x * tf.math.sigmoid(x)  # swish
        gate = tf.reduce_mean(x, [1, 2], keepdims=True)
        gate = tf.nn.conv2d(gate, squeeze, 1, "VALID")
        gate = tf.math.sigmoid(tf.nn.conv2d(gate * tf.math.sigmoid(gate), excite, 1, "VALID"))
        return tf.cast(norm(tf.nn.conv2d(x * gate, project, 1, "VALID"), 16), tf.float32)

    image = rng.uniform(0, 1, (1, size, size, 3)).astype(np.float32)
    return ModelCase(
        f"mixed_float16 mobile block {size}px",
        "Conv2D, DepthwiseConv2dNative, Relu6, Sigmoid, Mul (float16)",
        block,
        [image],
    )


def model_cases(tf: Any, quick: bool) -> list[ModelCase]:
    rng = np.random.default_rng(1)
    return [
        _spatial_transformer(tf, quick),
        _vit_patch_embedding(tf, rng, quick),
        _bicubic_upscaler(tf, rng, quick),
        _segnet_block(tf, rng, quick),
        _istft_decoder(tf, rng, quick),
        _mixed_precision_block(tf, rng, quick),
    ]


def run_models(
    tf: Any,
    args: argparse.Namespace,
    tflite_invoke: Callable[[bytes, list[np.ndarray], int, dict[str, Any]], Callable[[], None]],
    tf_single: TimingChild,
) -> None:
    """The model table; tf_single times TF with one thread on a model when asked (tf_timing.py's
    child process), just before TFLite is timed on it."""
    from .. import convert
    from .._table import print_table
    from ..timing import median_seconds
    from .runner import selected, time_columns, time_row
    from .tf_timing import concrete_seconds, repeats

    min_runs, min_time = repeats(args.quick, True)
    chosen = [case for case in model_cases(tf, args.quick) if selected(args, case.name, case.ops)]
    rows = []
    if [case.name for case in chosen] != tf_single.models:
        raise RuntimeError("the one-thread TF process made other models than this one")
    for index, case in enumerate(chosen):
        tf_one = tf_single.model_seconds(index)
        tf_many = concrete_seconds(tf, case.fn.get_concrete_function(), case.inputs, args.quick, True)
        model = convert(case.fn)
        one = median_seconds(tflite_invoke(model, case.inputs, 1, {}), min_runs, min_time)
        many = median_seconds(tflite_invoke(model, case.inputs, args.threads, {}), min_runs, min_time)
        rows.append(time_row(case.name, case.ops, tf_one, tf_many, one, many))
    if rows:
        n = args.threads
        print_table(
            f"models: converted with opbridge, LiteRT vs TF with 1 and {n} threads, ms per call (median)",
            time_columns("model", "exotic ops", n),
            rows,
        )
