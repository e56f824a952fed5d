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

    def gradient(op: str, label: str, fn: Callable[..., Any], *shapes: tuple[int, ...]) -> Case:
        # The gradients a converted training step leaves custom: the converter keeps them at
        # static shapes too (no builtin computes them), so the case converts `fn` itself.
        inputs = [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]
        return Case(op, f"f32 {'x'.join(map(str, shapes[0]))} {label}", fn, inputs)

    def training_cases(size: int) -> list[Case]:
        same = {"strides": [1, 1, 1, 1], "padding": "SAME"}
        pool = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}
        x, dy = (4, size, size, 16), (4, size, size, 32)
        small = (4, size // 2, size // 2, 16)
        norm = {"epsilon": 0.001, "is_training": True}
        empty = np.zeros(0, np.float32)
        return [
            gradient(
                "Conv2DBackpropFilter",
                "3x3x16 -> 32 SAME",
                lambda x, dy: tf.raw_ops.Conv2DBackpropFilter(
                    input=x, filter_sizes=[3, 3, 16, 32], out_backprop=dy, **same
                ),
                x,
                dy,
            ),
            gradient(
                "DepthwiseConv2dNativeBackpropInput",
                "3x3 x2 SAME",
                lambda w, dy: tf.raw_ops.DepthwiseConv2dNativeBackpropInput(
                    input_sizes=list(x), filter=w, out_backprop=dy, **same
                ),
                (3, 3, 16, 2),
                dy,
            ),
            gradient(
                "DepthwiseConv2dNativeBackpropFilter",
                "3x3 x2 SAME",
                lambda x, dy: tf.raw_ops.DepthwiseConv2dNativeBackpropFilter(
                    input=x, filter_sizes=[3, 3, 16, 2], out_backprop=dy, **same
                ),
                x,
                dy,
            ),
            gradient(
                "Conv3DBackpropFilterV2",
                "3x3x3x8 -> 8 SAME",
                lambda x, dy: tf.raw_ops.Conv3DBackpropFilterV2(
                    input=x, filter_sizes=[3, 3, 3, 8, 8], out_backprop=dy, strides=[1] * 5, padding="SAME"
                ),
                (2, 8, size // 2, size // 2, 8),
                (2, 8, size // 2, size // 2, 8),
            ),
            gradient(
                "MaxPoolGrad",
                "2x2 stride 2",
                lambda x, y, dy: tf.raw_ops.MaxPoolGrad(orig_input=x, orig_output=y, grad=dy, **pool),
                x,
                small,
                small,
            ),
            gradient(
                "AvgPoolGrad",
                "2x2 stride 2",
                lambda dy: tf.raw_ops.AvgPoolGrad(orig_input_shape=list(x), grad=dy, **pool),
                small,
            ),
            gradient(
                "FusedBatchNormV3",
                "training",
                lambda x, s, o: tf.raw_ops.FusedBatchNormV3(
                    x=x, scale=s, offset=o, mean=empty, variance=empty, **norm
                )[:3],
                x,
                (16,),
                (16,),
            ),
            gradient(
                "FusedBatchNormGradV3",
                "training",
                lambda dy, x, s, m, v: tf.raw_ops.FusedBatchNormGradV3(
                    y_backprop=dy,
                    x=x,
                    scale=s,
                    reserve_space_1=m,
                    reserve_space_2=v,
                    reserve_space_3=empty,
                    **norm,
                )[:3],
                x,
                x,
                (16,),
                (16,),
                (16,),
            ),
        ]

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
        *training_cases(half),
        *train_step_gradient_cases(tf, rng, scale),
        *pool_3d_cases(tf, rng, scale),
        *fractional_pool_cases(tf, rng, scale),
    ]


def fractional_pool_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    """Fractional pooling (Graham's FMP nets; TFLite has none: always custom), seeded as a
    deterministic model is."""
    side = max(8, 64 // scale)
    x = rng.standard_normal((4, side, side, 32)).astype(np.float32)
    label = f"f32 [4,{side},{side},32] ratio 1.44"
    ratio = [1.0, 1.44, 1.44, 1.0]
    max_pool = lambda v: tf.nn.fractional_max_pool(v, ratio, overlapping=True, seed=1)[0]  # noqa: E731
    avg_pool = lambda v: tf.nn.fractional_avg_pool(v, ratio, pseudo_random=True, seed=1)[0]  # noqa: E731

    def tape_grad(v: Any, pool: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(v)
            y = pool(v)
        return tape.gradient(
            y, v, output_gradients=tf.reshape(tf.range(tf.size(y), dtype=v.dtype), tf.shape(y))
        )

    return [
        Case("FractionalMaxPool", f"{label} overlapping", max_pool, [x]),
        Case("FractionalAvgPool", f"{label} pseudo-random", avg_pool, [x]),
        Case("FractionalMaxPoolGrad", f"{label} overlapping, tape", lambda v: tape_grad(v, max_pool), [x]),
        Case("FractionalAvgPoolGrad", f"{label} pseudo-random, tape", lambda v: tape_grad(v, avg_pool), [x]),
    ]


def pool_3d_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    """3-D pooling of video/volume features (TFLite has no 3-D pooling: always custom)."""
    side = max(4, 32 // scale)
    x = rng.standard_normal((2, 8, side, side, 32)).astype(np.float32)
    label = f"f32 [2,8,{side},{side},32]"
    return [
        Case("MaxPool3D", f"{label} 2x2x2 /2 VALID", lambda v: tf.nn.max_pool3d(v, 2, 2, "VALID"), [x]),
        Case("MaxPool3D", f"{label} 3x3x3 /1 SAME", lambda v: tf.nn.max_pool3d(v, 3, 1, "SAME"), [x]),
        Case("AvgPool3D", f"{label} 2x2x2 /2 VALID", lambda v: tf.nn.avg_pool3d(v, 2, 2, "VALID"), [x]),
        Case("AvgPool3D", f"{label} 3x3x3 /1 SAME", lambda v: tf.nn.avg_pool3d(v, 3, 1, "SAME"), [x]),
        *pool_3d_grad_cases(tf, rng, x, label),
        *pool_2d_cases(tf, rng, scale),
    ]


def pool_2d_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    """float64 2-D pooling (the builtins take float32 and int8 only: custom MaxPool / AvgPool)."""
    side = max(8, 64 // scale)
    x = rng.standard_normal((8, side, side, 32))
    label = f"f64 [8,{side},{side},32]"
    return [
        Case("MaxPool", f"{label} 3x3 /2 SAME", lambda v: tf.nn.max_pool2d(v, 3, 2, "SAME"), [x]),
        Case("AvgPool", f"{label} 2x2 /2 VALID", lambda v: tf.nn.avg_pool2d(v, 2, 2, "VALID"), [x]),
    ]


def pool_3d_grad_cases(tf: Any, rng: np.random.Generator, x: np.ndarray, label: str) -> list[Case]:
    """The 3-D pooling gradients a converted train step leaves custom (fed as the raw ops)."""
    cases = []
    for ksize, stride, padding in ((2, 2, "VALID"), (3, 1, "SAME")):
        pool = {"ksize": [1, *[ksize] * 3, 1], "strides": [1, *[stride] * 3, 1], "padding": padding}
        y = tf.raw_ops.MaxPool3D(input=x, **pool).numpy()
        dy = rng.standard_normal(y.shape).astype(np.float32)
        window = f"{label} {ksize}x{ksize}x{ksize} /{stride} {padding}"
        max_grad = lambda a, b, g, pool=pool: tf.raw_ops.MaxPool3DGrad(  # noqa: E731
            orig_input=a, orig_output=b, grad=g, **pool
        )
        avg_grad = lambda g, pool=pool: tf.raw_ops.AvgPool3DGrad(  # noqa: E731
            orig_input_shape=list(x.shape), grad=g, **pool
        )
        cases += [
            Case("MaxPool3DGrad", window, max_grad, [x, y, dy]),
            Case("AvgPool3DGrad", window, avg_grad, [dy]),
        ]
    # Second order (a gradient penalty through max_pool3d): grad has the input's shape.
    pool = {"ksize": [1, 3, 3, 3, 1], "strides": [1] * 5, "padding": "SAME"}
    y = tf.raw_ops.MaxPool3D(input=x, **pool).numpy()
    grad_grad = lambda a, b, g: tf.raw_ops.MaxPool3DGradGrad(orig_input=a, orig_output=b, grad=g, **pool)  # noqa: E731
    v = rng.standard_normal(x.shape).astype(np.float32)
    return [*cases, Case("MaxPool3DGradGrad", f"{label} 3x3x3 /1 SAME", grad_grad, [x, y, v])]


def train_step_gradient_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    """The activation gradients, losses and broadcast reductions a converted train step leaves
    custom. At the static shapes of a benchmark the converter lowers float32 SeluGrad and
    SparseSoftmaxCrossEntropyWithLogits to builtins (with a dynamic batch they stay custom), so
    those two cases hold the node directly, as the converter writes it."""
    from flatbuffers import flexbuffers

    from opbridge import tflite_model

    def direct(
        op: str, label: str, fn: Any, inputs: list[np.ndarray], outputs: dict[str, Any], **attrs: Any
    ) -> Case:
        expected = [np.asarray(t) for t in tf.nest.flatten(fn(*inputs))]
        model = tflite_model.single_custom_op_model(
            op,
            [(f"input_{i}", a.shape, a.dtype) for i, a in enumerate(inputs)],
            [(name, e.shape, e.dtype) for name, e in zip(outputs, expected, strict=True)],
            options=flexbuffers.Dumps(attrs),
        )
        return Case(op, label, fn, inputs, model=model)

    n = max(64, 65536 // scale)
    g, x = rng.standard_normal((2, n)).astype(np.float32) * 3
    raw = tf.raw_ops
    batch, classes = max(4, 256 // scale), 100
    logits = rng.standard_normal((batch, classes)).astype(np.float32) * 3
    labels = rng.integers(0, classes, batch).astype(np.int64)
    dense = rng.dirichlet(np.ones(classes), batch)
    return [
        Case("ReluGrad", f"f32 [{n}]", lambda g, x: raw.ReluGrad(gradients=g, features=x), [g, x]),
        Case("Relu6Grad", f"f32 [{n}]", lambda g, x: raw.Relu6Grad(gradients=g, features=x), [g, x]),
        Case("LeakyReluGrad", f"f32 [{n}]", lambda g, x: raw.LeakyReluGrad(gradients=g, features=x), [g, x]),
        Case("EluGrad", f"f32 [{n}]", lambda g, y: raw.EluGrad(gradients=g, outputs=y), [g, x]),
        direct(
            "SeluGrad",
            f"f32 [{n}]",
            lambda g, y: raw.SeluGrad(gradients=g, outputs=y),
            [g, x],
            {"backprops": 0},
            T=0,
        ),
        Case("SoftplusGrad", f"f32 [{n}]", lambda g, x: raw.SoftplusGrad(gradients=g, features=x), [g, x]),
        Case("SoftsignGrad", f"f32 [{n}]", lambda g, x: raw.SoftsignGrad(gradients=g, features=x), [g, x]),
        Case("ReciprocalGrad", f"f32 [{n}]", lambda dy, y: raw.ReciprocalGrad(y=y, dy=dy), [g, x]),
        Case(
            "TanhGrad",
            f"f64 [{n}]",
            lambda dy, y: raw.TanhGrad(y=y, dy=dy),
            [g.astype(np.float64), (x / 4).astype(np.float64)],
        ),
        Case(
            "SqrtGrad",
            f"f64 [{n}]",
            lambda dy, y: raw.SqrtGrad(y=y, dy=dy),
            [g.astype(np.float64), abs(x).astype(np.float64)],
        ),
        Case(
            "RsqrtGrad",
            f"f64 [{n}]",
            lambda dy, y: raw.RsqrtGrad(y=y, dy=dy),
            [g.astype(np.float64), abs(x).astype(np.float64)],
        ),
        # Gradients with zeros at random (through a ReLU or a mask): the select on dy == 0.
        *[
            Case(
                op,
                f"{name} [{n}], dy 20% zeros",
                fn,
                [np.where(rng.uniform(size=n) < 0.2, 0, g).astype(dtype), (abs(x) + 0.1).astype(dtype)],
            )
            for op, fn in [
                ("ReciprocalGrad", lambda dy, y: raw.ReciprocalGrad(y=y, dy=dy)),
                ("SqrtGrad", lambda dy, y: raw.SqrtGrad(y=y, dy=dy)),
                ("RsqrtGrad", lambda dy, y: raw.RsqrtGrad(y=y, dy=dy)),
            ]
            for dtype, name in [(np.float64, "f64"), (np.float16, "f16")]
        ],
        Case("Erfc", f"f32 [{n}]", tf.math.erfc, [x]),
        Case(
            "BroadcastGradientArgs",
            "int32 rank 4",
            lambda a, b: raw.BroadcastGradientArgs(s0=a, s1=b),
            [np.array([8, 1, 16, 32], np.int32), np.array([7, 1, 32], np.int32)],
        ),
        direct(
            "SparseSoftmaxCrossEntropyWithLogits",
            f"f32 {batch}x{classes}",
            lambda f, lab: raw.SparseSoftmaxCrossEntropyWithLogits(features=f, labels=lab),
            [logits, labels],
            {"loss": 0, "backprop": 0},
            T=0,
            Tlabels=4,
        ),
        Case(
            "SoftmaxCrossEntropyWithLogits",
            f"f64 {batch}x{classes}",
            lambda f, lab: raw.SoftmaxCrossEntropyWithLogits(features=f, labels=lab),
            [logits.astype(np.float64), dense],
        ),
        Case(
            "BiasAddGrad",
            f"f64 {batch}x8x8x32",
            lambda dy: raw.BiasAddGrad(out_backprop=dy),
            [rng.standard_normal((batch, 8, 8, 32))],
        ),
    ]
