"""Convolutions the converter leaves custom (input channels unknown at conversion, or a type the
builtin does not take). A model holding the node exactly as the converter writes it (TF's attrs as
flexbuffer options, the filter an input) is built directly, since with the static shapes of a
benchmark the converter would give the builtin CONV_2D / DEPTHWISE_CONV_2D instead (Conv3D: the
converter leaves only float64, half and bfloat16 custom)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    from flatbuffers import flexbuffers

    from opbridge import tflite_model

    def custom_case(
        op: str,
        label: str,
        fn: Callable[..., Any],
        attrs: dict[str, Any],
        x_shape: tuple[int, ...],
        w_shape: tuple[int, ...],
        dtype: Any = np.float32,
    ) -> Case:
        x = rng.uniform(-1, 1, x_shape).astype(dtype)
        w = rng.uniform(-1, 1, w_shape).astype(dtype)
        out_shape = tuple(fn(x, w).shape)
        model = tflite_model.single_custom_op_model(
            op,
            [("input", x.shape, x.dtype), ("filter", w.shape, w.dtype)],
            [("output", out_shape, x.dtype)],
            options=flexbuffers.Dumps(
                {"padding": "SAME", "data_format": "NHWC", "dilations": [1] * 4, **attrs}
            ),
        )
        name = np.dtype(dtype).name.replace("float", "f")
        return Case(op, f"{name} {'x'.join(map(str, x_shape))} {label}", fn, [x, w], model=model)

    def conv(
        label: str,
        x_shape: tuple[int, ...],
        w_shape: tuple[int, ...],
        stride: int,
        padding: str,
        dtype: Any = np.float32,
    ) -> Case:
        strides = [1, stride, stride, 1]

        def fn(x: Any, w: Any) -> Any:
            return tf.raw_ops.Conv2D(input=x, filter=w, strides=strides, padding=padding)

        attrs = {"strides": strides, "use_cudnn_on_gpu": True, "padding": padding}
        return custom_case("Conv2D", label, fn, attrs, x_shape, w_shape, dtype)

    def depthwise(label: str, x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: int) -> Case:
        strides = [1, stride, stride, 1]

        def fn(x: Any, w: Any) -> Any:
            return tf.raw_ops.DepthwiseConv2dNative(input=x, filter=w, strides=strides, padding="SAME")

        return custom_case("DepthwiseConv2dNative", label, fn, {"strides": strides}, x_shape, w_shape)

    def conv3d(label: str, x_shape: tuple[int, ...], w_shape: tuple[int, ...], dtype: Any) -> Case:
        def fn(x: Any, w: Any) -> Any:
            return tf.raw_ops.Conv3D(input=x, filter=w, strides=[1] * 5, padding="SAME")

        attrs = {"strides": [1] * 5, "data_format": "NDHWC", "dilations": [1] * 5}
        return custom_case("Conv3D", label, fn, attrs, x_shape, w_shape, dtype)

    def transpose(label: str, dy_shape: tuple[int, ...], w_shape: tuple[int, ...], sizes: list[int]) -> Case:
        # EXPLICIT padding: what keeps a float32 conv2d_transpose custom.
        attrs = {
            "strides": [1, 2, 2, 1],
            "padding": "EXPLICIT",
            "explicit_paddings": [0, 0, 1, 0, 1, 0, 0, 0],
        }

        def fn(w: Any, dy: Any) -> Any:
            return tf.raw_ops.Conv2DBackpropInput(input_sizes=sizes, filter=w, out_backprop=dy, **attrs)

        w = rng.uniform(-1, 1, w_shape).astype(np.float32)
        dy = rng.uniform(-1, 1, dy_shape).astype(np.float32)
        model = tflite_model.single_custom_op_model(
            "Conv2DBackpropInput",
            [
                ("input_sizes", [4], np.int32),
                ("filter", w_shape, np.float32),
                ("out_backprop", dy_shape, np.float32),
            ],
            [("output", sizes, np.float32)],
            options=flexbuffers.Dumps(
                {"use_cudnn_on_gpu": True, "data_format": "NHWC", "dilations": [1] * 4, **attrs}
            ),
            constants={"input_sizes": np.asarray(sizes, np.int32)},
        )
        label = f"f32 {'x'.join(map(str, dy_shape))} {label}"
        return Case("Conv2DBackpropInput", label, fn, [w, dy], model=model)

    size = max(4, 64 // scale)
    half = max(4, size // 2)
    return [
        conv("3x3x32 -> 32 SAME", (1, size, size, 32), (3, 3, 32, 32), 1, "SAME"),
        conv("1x1x64 -> 128", (4, half, half, 64), (1, 1, 64, 128), 1, "VALID"),
        conv("3x3x16 -> 64 stride 2", (2, size, size, 16), (3, 3, 16, 64), 2, "SAME"),
        conv("3x3x32 -> 32 SAME", (1, half, half, 32), (3, 3, 32, 32), 1, "SAME", np.float64),
        depthwise("3x3 x1 SAME", (1, size, size, 64), (3, 3, 64, 1), 1),
        depthwise("5x5 x2 stride 2", (2, size, size, 32), (5, 5, 32, 2), 2),
        conv3d("3x3x3x16 -> 16 SAME", (1, 8, half, half, 16), (3, 3, 3, 16, 16), np.float64),
        transpose(
            "3x3 stride 2 -> 16, EXPLICIT", (1, half, half, 32), (3, 3, 16, 32), [1, 2 * half, 2 * half, 16]
        ),
    ]
