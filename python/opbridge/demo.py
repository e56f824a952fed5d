"""`opbridge demo`: a spatial-transformer block with three ops TFLite lacks, on bundled data.

The model takes a batch of images and camera motions (3x3 affine matrices).
It inverts each motion (MatrixInverse), maps an output grid through it and
resamples the image there (Opbridge>GridSample), then derives a soft
brightness mask with the normal CDF (Erf). It is converted with
opbridge.convert, run in the stock LiteRT interpreter with opbridge's kernels,
and compared with TensorFlow, output by output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._table import print_table
from .comparison import max_abs_error
from .timing import median_seconds

OUTPUT_SIZE = 64


def load_scene() -> tuple[np.ndarray, np.ndarray]:
    data = np.load(Path(__file__).parent / "data" / "demo_scene.npz")
    motions = data["motions"]
    images = np.repeat((data["image"].astype(np.float32) / 255.0)[None], len(motions), axis=0)
    return images, motions


def build_model(tf: Any, batch: int, size: int) -> Any:
    """The spatial-transformer block as a tf.function with a fixed input signature."""
    import opbridge

    ys, xs = np.meshgrid(np.linspace(-1, 1, OUTPUT_SIZE), np.linspace(-1, 1, OUTPUT_SIZE), indexing="ij")
    target = np.stack([xs, ys, np.ones_like(xs)], -1).reshape(-1, 3).astype(np.float32)  # [P, 3]

    @tf.function(
        input_signature=[
            tf.TensorSpec((batch, size, size, 3), tf.float32, name="images"),
            tf.TensorSpec((batch, 3, 3), tf.float32, name="motions"),
        ]
    )
    def spatial_transformer(images: Any, motions: Any) -> dict[str, Any]:
        sampling = tf.linalg.inv(motions)  # output pixel -> source pixel
        points = tf.einsum("pk,bjk->bpj", tf.constant(target), sampling)[..., :2]
        grid = tf.reshape(points, (batch, OUTPUT_SIZE, OUTPUT_SIZE, 2))
        warped = opbridge.ops.grid_sample(images, grid, "bilinear", "border", False)
        luminance = tf.reduce_mean(warped, axis=-1, keepdims=True)
        mask = 0.5 * (1.0 + tf.math.erf((luminance - 0.5) / (0.15 * np.sqrt(2.0).astype(np.float32))))
        return {"warped": warped, "mask": mask, "sampling": sampling}

    return spatial_transformer


def run(runs: int = 50) -> None:
    import tensorflow as tf

    import opbridge
    from opbridge import tflite_model

    images, motions = load_scene()
    model_fn = build_model(tf, len(motions), images.shape[1])
    concrete = model_fn.get_concrete_function()
    tflite = opbridge.convert(model_fn)
    view = tflite_model.parse(tflite)
    ops = view.op_histogram()
    custom = view.custom_op_counts()
    print(
        f"converted: {len(tflite) / 1024:.1f} KiB, {sum(ops.values())} ops, custom ops "
        + ", ".join(f"{k} x{v}" for k, v in sorted(custom.items()))
    )

    expected = {k: v.numpy() for k, v in concrete(tf.constant(images), tf.constant(motions)).items()}
    interpreter = opbridge.Interpreter(model_content=tflite, runtime="litert")
    runner = interpreter.get_signature_runner()
    actual = runner(images=images, motions=motions)

    print_table(
        "TF vs TFLite (LiteRT + opbridge kernels), bundled test card and 4 camera motions",
        ["output", "shape", "max |TF - TFLite|"],
        [
            (
                name,
                "x".join(map(str, expected[name].shape)),
                f"{max_abs_error(expected[name], actual[name]):.2e}",
            )
            for name in sorted(expected)
        ],
    )
    tf_ms = 1000 * median_seconds(lambda: concrete(tf.constant(images), tf.constant(motions)), runs)
    lite_ms = 1000 * median_seconds(lambda: runner(images=images, motions=motions), runs)
    print_table(
        f"time per inference (median of {runs})",
        ["runtime", "ms", "vs TF"],
        [
            ("TensorFlow (tf.function)", f"{tf_ms:.3f}", "1.00"),
            ("LiteRT + opbridge", f"{lite_ms:.3f}", f"{lite_ms / tf_ms:.2f}"),
        ],
    )
