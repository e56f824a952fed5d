"""Argmax unpooling: Opbridge>MaxUnpooling2D (TF op, TFLite kernel, gradient, Keras layer) against
tf.scatter_nd references; the TFLite custom op MaxUnpooling2D as the converter emits it for TF
Addons' "addons:MaxUnpooling2D" composite; MediaPipe's MaxPoolingWithArgmax2D and MaxUnpooling2D
(raw TfLitePoolParams options) against TF's pooling."""

from __future__ import annotations

import struct

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

PADDING = {"UNKNOWN": 0, "SAME": 1, "VALID": 2}
ACTIVATION = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4}


def pool_options(padding="SAME", stride=(2, 2), pool=(2, 2), activation="NONE") -> bytes:
    """A TfLitePoolParams as MediaPipe and TF's converter write it (40 bytes)."""
    return struct.pack(
        "<10i", PADDING[padding], stride[1], stride[0], pool[1], pool[0], ACTIVATION[activation], 0, 0, 0, 0
    )


def scatter_reference(tf, updates, argmax, out_shape, include_batch):
    """Adds updates at their flat argmax into zeros of out_shape (tf.scatter_nd sums duplicates)."""
    n = updates.shape[0]
    per_batch = int(np.prod(updates.shape[1:]))
    values = tf.reshape(updates, [-1])
    if include_batch:
        out = tf.scatter_nd(tf.reshape(argmax, [-1, 1]), values, [int(np.prod(out_shape))])
    else:
        batch = np.repeat(np.arange(n), per_batch)
        indices = np.stack([batch, np.reshape(argmax, [-1])], axis=1)
        out = tf.scatter_nd(indices, values, [n, int(np.prod(out_shape[1:]))])
    return tf.reshape(out, out_shape)


# (input shape, pool, strides, padding, output_size given to the unpooling)
POOLINGS = [
    ((2, 8, 6, 3), (2, 2), (2, 2), "SAME", None),
    ((1, 9, 9, 2), (3, 3), (2, 2), "VALID", None),  # overlapping windows: repeated argmax add up
    ((2, 7, 5, 4), (2, 2), (2, 2), "SAME", (7, 5)),  # odd sizes need output_size
    ((1, 6, 8, 1), (1, 3), (1, 2), "SAME", None),
]


@pytest.mark.parametrize("include_batch", [False, True])
@pytest.mark.parametrize(("dtype", "targmax"), [(np.float32, "int64"), (np.float64, "int32")])
def test_tf_op_and_tflite_match_scatter_reference(tf, rng, dtype, targmax, include_batch):
    inputs, attrs = [], []
    for shape, pool, strides, padding, output_size in POOLINGS:
        x = rng.standard_normal(shape).astype(dtype)
        pooled = tf.nn.max_pool_with_argmax(x, pool, strides, padding, include_batch_in_index=include_batch)
        argmax = pooled.argmax.numpy().astype(targmax)
        inputs += [pooled.output.numpy(), argmax]
        attrs.append((pool, strides, padding, output_size))
        got = opbridge.ops.max_unpooling_2d(
            pooled.output, argmax, pool, strides, padding, include_batch, output_size
        )
        assert got.shape == shape
        want = scatter_reference(tf, pooled.output, argmax, shape, include_batch)
        np.testing.assert_array_equal(got.numpy(), want.numpy())

    def fn(*args):
        return [
            opbridge.ops.max_unpooling_2d(args[2 * i], args[2 * i + 1], *a[:3], include_batch, a[3])
            for i, a in enumerate(attrs)
        ]

    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Opbridge>MaxUnpooling2D": len(POOLINGS)}
    # An empty batch (TF's max_pool_with_argmax refuses empty inputs: made by hand).
    empty = np.zeros((0, 2, 2, 3), dtype)
    report = assert_parity(
        lambda u, a: opbridge.ops.max_unpooling_2d(u, a, 2, 2, "SAME", include_batch),
        [empty, empty.astype(targmax)],
        rtol=0,
        atol=0,
        runtimes=RUNTIMES,
    )
    assert report.outputs[0].shape == (0, 4, 4, 3)


def test_gradient_gathers_at_argmax(tf, rng):
    for include_batch in (False, True):
        x = rng.standard_normal((2, 9, 9, 2))
        pooled = tf.nn.max_pool_with_argmax(x, 3, 2, "VALID", include_batch_in_index=include_batch)
        weights = rng.standard_normal(x.shape)
        argmax = pooled.argmax

        def ours(u, argmax=argmax, include_batch=include_batch):
            return opbridge.ops.max_unpooling_2d(u, argmax, 3, 2, "VALID", include_batch)

        def reference(u, argmax=argmax, include_batch=include_batch, shape=x.shape):
            return scatter_reference(tf, u, argmax, shape, include_batch)

        grads = []
        for fn in (ours, reference):
            updates = tf.constant(pooled.output)
            with tf.GradientTape() as tape:
                tape.watch(updates)
                loss = tf.reduce_sum(fn(updates) * weights)
            grads.append(tape.gradient(loss, updates).numpy())
        np.testing.assert_allclose(grads[0], grads[1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_out_of_range_argmax_is_an_error(tf, rng, runtime):
    updates = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    argmax = np.zeros((2, 2, 2, 3), np.int64)
    argmax[1, 0, 1, 2] = 4 * 4 * 3  # one past the output plane
    message = r"Opbridge>MaxUnpooling2D: argmax\[1, 0, 1, 2\] = 48 is outside \[0, 48\)"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        opbridge.ops.max_unpooling_2d(updates, argmax)
    fn = tf.function(lambda u, a: opbridge.ops.max_unpooling_2d(u, a)).get_concrete_function(
        tf.TensorSpec(updates.shape, tf.float32), tf.TensorSpec(argmax.shape, tf.int64)
    )
    with pytest.raises(RuntimeError, match=message):
        run_tflite(opbridge.convert(fn), {"u": updates, "a": argmax}, runtime)
    argmax[1, 0, 1, 2] = -1
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"= -1 is outside"):
        opbridge.ops.max_unpooling_2d(updates, argmax)


def test_bad_attrs_are_clear_errors(tf):
    updates = np.zeros((1, 2, 2, 1), np.float32)
    argmax = np.zeros((1, 2, 2, 1), np.int64)
    with pytest.raises(ValueError, match="pool_size must be a positive int or 2 positive ints"):
        opbridge.ops.max_unpooling_2d(updates, argmax, pool_size=(2, 2, 2))
    with pytest.raises(ValueError, match="padding must be one of"):
        opbridge.ops.max_unpooling_2d(updates, argmax, padding="FULL")
    lib = opbridge._tf_library.load()
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'strides' must hold 2 values"):
        lib.opbridge_max_unpooling2d(updates, argmax, pool_size=[2, 2], strides=[2], padding="SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'pool_size' values must be in"):
        lib.opbridge_max_unpooling2d(updates, argmax, pool_size=[0, 2], strides=[2, 2], padding="SAME")


def test_keras_layer_converts_and_round_trips(tf, rng, tmp_path):
    import keras

    pooled_in = keras.Input((4, 4, 4), name="pooled")
    argmax_in = keras.Input((4, 4, 4), dtype="int64", name="argmax")
    unpooled = opbridge.layers.MaxUnpooling2D(2)([pooled_in, argmax_in])
    model = keras.Model([pooled_in, argmax_in], keras.layers.Conv2D(3, 3, padding="same")(unpooled))
    layer = model.layers[2]
    assert layer.compute_output_shape([(None, 4, 4, 4), (None, 4, 4, 4)]) == (None, 8, 8, 4)
    pooled = tf.nn.max_pool_with_argmax(rng.standard_normal((2, 8, 8, 4)).astype(np.float32), 2, 2, "SAME")
    inputs = [pooled.output.numpy(), pooled.argmax.numpy()]
    want = model(inputs).numpy()
    path = tmp_path / "unpool.keras"
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path)(inputs).numpy(), want, atol=1e-6)
    tflite = opbridge.convert(model)
    assert tflite_model.custom_op_counts(tflite) == {"Opbridge>MaxUnpooling2D": 1}
    (got,) = run_tflite(tflite, dict(zip(["pooled", "argmax"], inputs, strict=True))).values()  # by name
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def addons_max_unpooling(tf, pool_size=(2, 2), strides=(2, 2), padding="SAME"):
    """How TF Addons' MaxUnpooling2D declares its composite (experimental_implements with
    pool_size/strides/padding attrs), its body rebuilt here from TF ops."""
    implements = " ".join(
        [
            'name: "addons:MaxUnpooling2D"',
            'attr { key: "pool_size" value { list {' + " ".join(f"i: {v}" for v in pool_size) + "} } }",
            'attr { key: "strides" value { list {' + " ".join(f"i: {v}" for v in strides) + "} } }",
            'attr { key: "padding" value { s: "' + padding + '" } }',
        ]
    )

    @tf.function(experimental_implements=implements)
    def func(updates, mask):
        mask = tf.cast(mask, "int32")
        shape = tf.shape(updates, out_type="int32")
        n, h, w, c = (updates.shape[i] or shape[i] for i in range(4))
        if padding == "SAME":
            out = (n, h * strides[0], w * strides[1], c)
        else:
            out = (n, (h - 1) * strides[0] + pool_size[0], (w - 1) * strides[1] + pool_size[1], c)
        ones = tf.ones_like(mask, dtype="int32")
        b = ones * tf.reshape(tf.range(out[0], dtype="int32"), tf.concat([[n], [1], [1], [1]], axis=0))
        y = mask // (out[2] * out[3])
        x = (mask // out[3]) % out[2]
        f = ones * tf.range(out[3], dtype="int32")
        size = tf.size(updates)
        indices = tf.transpose(tf.reshape(tf.stack([b, y, x, f]), [4, size]))
        return tf.scatter_nd(indices, tf.reshape(updates, [size]), out)

    return func


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("shape", "pool", "strides", "padding", "mask_dtype"),
    [
        ((2, 8, 6, 3), (2, 2), (2, 2), "SAME", "int64"),
        ((1, 9, 7, 2), (3, 3), (2, 2), "VALID", "int32"),
        ((1, 4, 6, 5), (1, 3), (1, 3), "VALID", "int64"),
    ],
)
def test_tf_addons_composite_runs_in_tflite(tf, rng, runtime, shape, pool, strides, padding, mask_dtype):
    unpool = addons_max_unpooling(tf, pool, strides, padding)
    x = rng.standard_normal(shape).astype(np.float32)
    pooled = tf.nn.max_pool_with_argmax(x, pool, strides, padding)
    fn = tf.function(lambda updates, mask: unpool(updates, mask)).get_concrete_function(
        tf.TensorSpec(pooled.output.shape, tf.float32), tf.TensorSpec(pooled.argmax.shape, mask_dtype)
    )
    model = opbridge.convert(fn)
    (use,) = tflite_model.custom_ops(model)
    assert use.name == "MaxUnpooling2D"
    assert use.options == pool_options(padding, strides, pool)
    mask = pooled.argmax.numpy().astype(mask_dtype)
    got = run_tflite(model, {"updates": pooled.output.numpy(), "mask": mask}, runtime)["output_0"]
    np.testing.assert_array_equal(got, fn(pooled.output, mask).numpy())


def unpool_model(updates_shape, mask_dtype, out_shape, options):
    return tflite_model.single_custom_op_model(
        "MaxUnpooling2D",
        [("updates", updates_shape, np.float32), ("mask", updates_shape, mask_dtype)],
        [("output", out_shape, np.float32)],
        options=options,
    )


def argmax_pool_model(shape, out_shape, options):
    return tflite_model.single_custom_op_model(
        "MaxPoolingWithArgmax2D",
        [("input", shape, np.float32)],
        [("output", out_shape, np.float32), ("indices", out_shape, np.float32)],
        options=options,
    )


def run_model(model, inputs, runtime):
    """Runs a hand-made model with opbridge's kernels: without the default XNNPACK delegate,
    which claims MediaPipe's pooling ops itself (docs/ops/max_unpooling_2d.md)."""
    interpreter = opbridge.Interpreter(
        model_content=model, runtime=runtime, experimental_op_resolver_type=no_default_delegates(runtime)
    )
    for detail, value in zip(interpreter.get_input_details(), inputs, strict=True):
        interpreter.resize_tensor_input(detail["index"], value.shape, strict=False)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs, strict=True):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def no_default_delegates(runtime):
    if runtime == "litert":
        from ai_edge_litert.interpreter import OpResolverType
    else:
        from tensorflow.lite.python.interpreter import OpResolverType
    return OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


def window_positions(argmax, x_shape, out_hw, pool, strides):
    """TF's flat argmax -> position inside its window (fy * pool_w + fx), SAME/VALID padding as TF."""
    _, h, w, c = x_shape
    pad_top = max((out_hw[0] - 1) * strides[0] + pool[0] - h, 0) // 2
    pad_left = max((out_hw[1] - 1) * strides[1] + pool[1] - w, 0) // 2
    y, x = argmax // c // w, argmax // c % w
    oy = np.arange(out_hw[0])[None, :, None, None]
    ox = np.arange(out_hw[1])[None, None, :, None]
    return (y - (oy * strides[0] - pad_top)) * pool[1] + (x - (ox * strides[1] - pad_left))


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("shape", "pool", "strides", "padding"),
    [
        ((1, 8, 8, 3), (2, 2), (2, 2), "SAME"),
        ((2, 7, 9, 2), (3, 3), (2, 2), "SAME"),
        ((1, 9, 6, 4), (3, 2), (2, 1), "VALID"),
        ((1, 1, 5, 1), (3, 3), (1, 1), "SAME"),
        ((2, 6, 7, 9), (2, 2), (2, 2), "SAME"),  # channels in whole vectors of 4 and a tail
    ],
)
def test_mediapipe_max_pooling_with_argmax_matches_tf(tf, rng, runtime, shape, pool, strides, padding):
    x = rng.standard_normal(shape).astype(np.float32)
    ref = tf.nn.max_pool_with_argmax(x, pool, strides, padding)
    out_shape = list(ref.output.shape)
    positions = window_positions(ref.argmax.numpy(), shape, out_shape[1:3], pool, strides)
    clamps = [("NONE", None, None), ("RELU", 0, None), ("RELU6", 0, 6), ("RELU_N1_TO_1", -1, 1)]
    for activation, lo, hi in clamps:
        model = argmax_pool_model(shape, out_shape, pool_options(padding, strides, pool, activation))
        values, indices = run_model(model, [x], runtime)
        np.testing.assert_array_equal(values, np.clip(ref.output.numpy(), lo, hi))
        np.testing.assert_array_equal(indices, positions.astype(np.float32) + np.float32(0.1))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_mediapipe_max_pooling_ties_nan_and_infinities(rng, runtime):
    """MediaPipe's scan: each window from the lowest float, moving only on a strictly greater
    value, so the first of tied maxima wins, NaN never does and a window of -inf keeps the lowest
    float at position 0 (then the clamp to the activation's range). Values from a small set (many
    ties) in 11 channels: the kernel's vectors of four channels and its scalar tail against the
    same scan written in numpy."""
    pool = (3, 2)
    values = np.array([0.0, 1.0, -1.0, np.nan, -np.inf, np.inf], np.float32)
    x = rng.choice(values, (2, 7, 6, 11)).astype(np.float32)
    x[0, :3, :2, 0] = -np.inf
    out_h, out_w = 7 // 3, 6 // 2
    lowest = np.finfo(np.float32).min
    best = np.full((2, out_h, out_w, 11), lowest, np.float32)
    where = np.zeros(best.shape, np.float32)
    for fy in range(pool[0]):
        for fx in range(pool[1]):
            v = x[:, fy : fy + out_h * 3 : 3, fx : fx + out_w * 2 : 2, :]
            greater = v > best
            best = np.where(greater, v, best)
            where = np.where(greater, np.float32(fy * pool[1] + fx), where)
    model = argmax_pool_model(x.shape, list(best.shape), pool_options("VALID", (3, 2), pool))
    got, indices = run_model(model, [x], runtime)
    # With no fused activation the maximum is still clamped to [lowest, max] (TFLite's range for
    # NONE): +inf comes out as the largest float.
    np.testing.assert_array_equal(got, np.clip(best, lowest, np.finfo(np.float32).max))
    np.testing.assert_array_equal(indices, where + np.float32(0.1))
    assert got[0, 0, 0, 0] == lowest


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_mediapipe_max_unpooling_inverts_the_pooling(tf, rng, runtime):
    """MediaPipe's pair with stride == window: the maxima return to where TF's argmax says."""
    for shape in [(2, 8, 6, 3), (1, 7, 5, 2)]:
        x = rng.standard_normal(shape).astype(np.float32)
        ref = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")
        pooled_shape = list(ref.output.shape)
        values, indices = run_model(argmax_pool_model(shape, pooled_shape, pool_options()), [x], runtime)
        out_shape = [shape[0], pooled_shape[1] * 2, pooled_shape[2] * 2, shape[3]]
        model = unpool_model(pooled_shape, np.float32, out_shape, pool_options())
        (got,) = run_model(model, [values, indices], runtime)
        argmax = ref.argmax.numpy().reshape(-1)
        n = np.repeat(np.arange(shape[0]), argmax.size // shape[0])
        c = argmax % shape[3]
        y, xx = argmax // shape[3] // shape[2], argmax // shape[3] % shape[2]
        want = tf.tensor_scatter_nd_update(
            tf.zeros(out_shape), np.stack([n, y, xx, c], 1), tf.reshape(ref.output, [-1])
        ).numpy()
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_mediapipe_max_unpooling_edge_values(runtime):
    """Window positions outside the output, NaN or negative are skipped as MediaPipe skips them;
    overlapping destinations keep the last update; truncation toward zero (-0.5 -> 0)."""
    updates = np.arange(1, 5, dtype=np.float32).reshape(1, 2, 2, 1)
    mask = np.array([3.1, np.nan, -0.5, 99.0], np.float32).reshape(1, 2, 2, 1)
    model = unpool_model([1, 2, 2, 1], np.float32, [1, 4, 4, 1], pool_options())
    (got,) = run_model(model, [updates, mask], runtime)
    want = np.zeros((4, 4), np.float32)
    want[1, 1] = 1.0  # window (0, 0), position 3 = (1, 1)
    want[2, 0] = 3.0  # window (1, 0), position 0
    np.testing.assert_array_equal(got[0, :, :, 0], want)
    # Stride 1 with 2x2 windows: output 4x4, windows overlap; the later update wins.
    mask = np.full((1, 2, 2, 1), 0.1, np.float32)
    options = pool_options(stride=(1, 1))
    model = unpool_model([1, 2, 2, 1], np.float32, [1, 4, 4, 1], options)
    (got,) = run_model(model, [updates, mask], runtime)
    # pad = ((2 - 1) * 1 + 2 - 4) / 2 -> 0: window (y, x) writes at (y, x).
    np.testing.assert_array_equal(got[0, :2, :2, 0], [[1, 2], [3, 4]])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_pool_params_errors(runtime):
    cases = [
        (pool_options()[:8], "MaxUnpooling2D: custom options are 8 bytes; a TfLitePoolParams struct needs"),
        (struct.pack("<6i", 7, 2, 2, 2, 2, 0), r"MaxUnpooling2D: TfLitePoolParams.padding is 7"),
        (struct.pack("<6i", 1, 0, 2, 2, 2, 0), r"MaxUnpooling2D: attr 'stride_width' is 0, must be >= 1"),
        (struct.pack("<6i", 1, 2, 2, 2, 2, 9), r"MaxUnpooling2D: TfLitePoolParams.activation is 9"),
        (struct.pack("<6i", 1, 2, 2, 1 << 20, 2, 0), r"TfLitePoolParams.filter_width is 1048576"),
    ]
    for options, message in cases:
        model = unpool_model([1, 2, 2, 1], np.float32, [1, 4, 4, 1], options)
        with pytest.raises(RuntimeError, match=message):
            run_model(model, [np.zeros((1, 2, 2, 1), np.float32)] * 2, runtime)
    model = unpool_model([1, 2, 2, 1], np.int64, [1, 4, 4, 1], pool_options("UNKNOWN"))
    with pytest.raises(RuntimeError, match="padding must be SAME or VALID for an integer mask"):
        run_model(model, [np.zeros((1, 2, 2, 1), np.float32), np.zeros((1, 2, 2, 1), np.int64)], runtime)
    model = unpool_model([1, 2, 2, 1], np.int64, [1, 4, 4, 1], pool_options())
    mask = np.array([0, 1, 2, 16], np.int64).reshape(1, 2, 2, 1)
    with pytest.raises(RuntimeError, match=r"mask value 16 at \[0, 1, 1, 0\] points to output row 4"):
        run_model(model, [np.zeros((1, 2, 2, 1), np.float32), mask], runtime)
    model = argmax_pool_model([1, 2, 2, 1], [1, 1, 1, 1], pool_options("VALID", (1, 1), (4, 4)))
    with pytest.raises(RuntimeError, match="MaxPoolingWithArgmax2D: VALID pooling of size 2 with window 4"):
        run_model(model, [np.zeros((1, 2, 2, 1), np.float32)], runtime)


def pool_unpool_chain(shape, options):
    """MaxPoolingWithArgmax2D feeding MaxUnpooling2D, as MediaPipe's segmentation models chain them."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    pooled = [shape[0], shape[1] // 2, shape[2] // 2, shape[3]]
    single = argmax_pool_model(shape, pooled, options)
    model = schema.ModelT.InitFromPackedBuf(bytearray(single), 0)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode, code.version = "MaxUnpooling2D", 1
    model.operatorCodes.append(code)
    subgraph = model.subgraphs[0]
    out = schema.TensorT()
    out.name, out.shape, out.type, out.buffer = "unpooled", list(shape), schema.TensorType.FLOAT32, 0
    subgraph.tensors.append(out)
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs = 1, list(subgraph.operators[0].outputs)
    op.outputs = [len(subgraph.tensors) - 1]
    op.customOptions = list(options)
    subgraph.operators.append(op)
    subgraph.outputs = op.outputs
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_pool_unpool_chain_with_default_delegates(rng, runtime):
    """XNNPACK takes MaxPoolingWithArgmax2D (LiteRT leaves MaxUnpooling2D to us) and writes its
    own index encoding: the chain must equal the undelegated one."""
    model = pool_unpool_chain([2, 8, 8, 3], pool_options())
    x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    assert "DELEGATE" in [op["op_name"] for op in interpreter._get_ops_details()]
    got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    (want,) = run_model(model, [x], runtime)
    np.testing.assert_array_equal(got, want)
    assert np.count_nonzero(want) == 2 * 4 * 4 * 3
