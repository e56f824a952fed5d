"""MediaPipe's TFLite custom ops (Convolution2DTransposeBias, TransformTensorBilinear,
TransformLandmarks, Landmarks2TransformMatrix) in models built here with their options written
as MediaPipe writes them, against references computed with TF. The last three are opcode
version 2, as MediaPipe's CPU op resolver registers them."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from flatbuffers import flexbuffers

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model

PADDING = {"UNKNOWN": 0, "SAME": 1, "VALID": 2}


def no_default_delegates(runtime):
    if runtime == "litert":
        from ai_edge_litert.interpreter import OpResolverType
    else:
        from tensorflow.lite.python.interpreter import OpResolverType
    return OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


def run_model(model, inputs, runtime, delegates=False):
    """Runs a hand-made model on `inputs` (tensor order), resizing inputs; returns the outputs.
    Without default delegates unless asked: XNNPACK takes Convolution2DTransposeBias over."""
    kwargs = {} if delegates else {"experimental_op_resolver_type": no_default_delegates(runtime)}
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime, **kwargs)
    details = interpreter.get_input_details()
    for detail, value in zip(details, inputs, strict=True):
        interpreter.resize_tensor_input(detail["index"], value.shape, strict=False)
    interpreter.allocate_tensors()
    for detail, value in zip(details, inputs, strict=True):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


# --- Convolution2DTransposeBias -------------------------------------------------------------


def conv_model(input_shape, weights_shape, options):
    return tflite_model.single_custom_op_model(
        "Convolution2DTransposeBias",
        [
            ("input", input_shape, np.float32),
            ("weights", weights_shape, np.float32),
            ("bias", weights_shape[:1], np.float32),
        ],
        [("output", [1, 1, 1, 1], np.float32)],
        options=options,
    )


def conv_options(padding, stride, with_activation=False):
    fields = [PADDING[padding], stride[1], stride[0]] + ([0] if with_activation else [])
    return struct.pack(f"<{len(fields)}i", *fields)


def conv_reference(tf, x, weights, bias, padding, stride):
    """tf.nn.conv2d_transpose to the full (VALID) size, cropped as MediaPipe pads, plus bias."""
    n, h, w, _ = x.shape
    cout, kh, kw, _ = weights.shape
    full = tf.nn.conv2d_transpose(
        x,
        weights.transpose(1, 2, 0, 3),  # OHWI -> [kh, kw, out, in]
        [n, (h - 1) * stride[0] + kh, (w - 1) * stride[1] + kw, cout],
        strides=stride,
        padding="VALID",
    ).numpy()
    pads = []
    for size, k, s in ((h, kh, stride[0]), (w, kw, stride[1])):
        pads.append(max(0, k - (size - 1) % s - 1) if padding == "SAME" else 0)
    top, left = pads[0] // 2, pads[1] // 2
    out = full[:, top : full.shape[1] - (pads[0] - top), left : full.shape[2] - (pads[1] - left)]
    return out + bias


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("input_shape", "weights_shape", "stride"),
    [
        ((1, 8, 8, 16), (8, 4, 4, 16), (2, 2)),
        ((2, 5, 7, 3), (4, 3, 3, 3), (2, 2)),
        ((1, 4, 6, 5), (2, 3, 2, 5), (3, 1)),
        ((1, 3, 3, 2), (3, 1, 1, 2), (1, 1)),
        ((0, 3, 3, 2), (3, 2, 2, 2), (2, 2)),
    ],
)
def test_convolution_2d_transpose_bias_matches_tf(tf, rng, runtime, input_shape, weights_shape, stride):
    x = rng.standard_normal(input_shape).astype(np.float32)
    weights = rng.standard_normal(weights_shape).astype(np.float32)
    bias = rng.standard_normal(weights_shape[:1]).astype(np.float32)
    for padding in ("SAME", "VALID", "UNKNOWN"):
        for with_activation in (False, True):  # 12-byte (MediaPipe) and 16-byte (newer) structs
            model = conv_model(input_shape, weights_shape, conv_options(padding, stride, with_activation))
            (got,) = run_model(model, [x, weights, bias], runtime)
            if input_shape[0] == 0:
                assert got.shape[0] == 0
                continue
            want = conv_reference(tf, x, weights, bias, "SAME" if padding == "SAME" else "VALID", stride)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * math.sqrt(weights[0].size))


@pytest.mark.parametrize(
    ("input_shape", "weights_shape", "stride"),
    [((2, 40, 48, 24), (20, 3, 3, 24), (2, 2)), ((1, 33, 64, 16), (16, 4, 4, 16), (3, 1))],
)
def test_convolution_2d_transpose_bias_in_blocks_and_threads(tf, rng, input_shape, weights_shape, stride):
    """Inputs whose products take several row blocks (about 256 KB each) and whose output rows
    are split over 2 threads, each multiplying the input rows that reach its rows: TF's values,
    and the same bits at 1 and 2 threads (each output element sums in input order)."""
    x = rng.standard_normal(input_shape).astype(np.float32)
    weights = rng.standard_normal(weights_shape).astype(np.float32)
    bias = rng.standard_normal(weights_shape[:1]).astype(np.float32)
    model = conv_model(input_shape, weights_shape, conv_options("SAME", stride))
    outputs = []
    for threads in (1, 2):
        interpreter = opbridge.Interpreter(
            model_content=model,
            num_threads=threads,
            experimental_op_resolver_type=no_default_delegates("litert"),
        )
        for detail, value in zip(interpreter.get_input_details(), [x, weights, bias], strict=True):
            interpreter.resize_tensor_input(detail["index"], value.shape, strict=False)
        interpreter.allocate_tensors()
        for i, value in enumerate([x, weights, bias]):
            interpreter.set_tensor(interpreter.get_input_details()[i]["index"], value)
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
    want = conv_reference(tf, x, weights, bias, "SAME", stride)
    np.testing.assert_allclose(outputs[0], want, rtol=1e-5, atol=1e-5 * math.sqrt(weights[0].size))
    np.testing.assert_array_equal(outputs[1].view(np.uint32), outputs[0].view(np.uint32))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_convolution_2d_transpose_bias_errors(runtime):
    good = ([1, 4, 4, 2], [3, 2, 2, 2])
    cases = [
        (good, b"\x01\x00", "custom options are 2 bytes; a TfLiteTransposeConvParams"),
        (good, struct.pack("<3i", 5, 2, 2), "TfLiteTransposeConvParams.padding is 5"),
        (good, struct.pack("<3i", 1, 0, 2), "attr 'stride_width' is 0, must be >= 1"),
        (([1, 4, 4, 2], [3, 2, 2, 5]), conv_options("SAME", (2, 2)), "dim 3 of input 'weights'"),
        (
            ([1, 0, 4, 2], [3, 2, 2, 2]),
            conv_options("SAME", (2, 2)),
            "input 'input' must have non-empty height and width",
        ),
    ]
    for shapes, options, message in cases:
        inputs = [np.zeros(shape, np.float32) for shape in (*shapes, shapes[1][:1])]
        with pytest.raises(RuntimeError, match="Convolution2DTransposeBias: " + message):
            run_model(conv_model(*shapes, options), inputs, runtime)


# --- TransformTensorBilinear ----------------------------------------------------------------


def transform_tensor_model(input_shape, matrix_shape, out_hw, version=2):
    options = flexbuffers.Dumps({"output_height": out_hw[0], "output_width": out_hw[1]})
    return tflite_model.single_custom_op_model(
        "TransformTensorBilinear",
        [("input", input_shape, np.float32), ("matrix", matrix_shape, np.float32)],
        [("output", [1, 1, 1, 1], np.float32)],
        options=options,
        version=version,
    )


def transform_tensor_reference(tf, x, matrix, out_hw):
    """MediaPipe's v2 sampling in TF ops: pixel-centre corrected affine map, zero outside
    [0, W-1] x [0, H-1], bilinear with out-of-image neighbours read as 0."""
    n, h, w, _ = x.shape
    m = np.broadcast_to(matrix.reshape(-1, 4, 4), (n, 4, 4)).astype(np.float32)
    m0, m1, m3 = m[:, 0, 0], m[:, 0, 1], m[:, 0, 3] + (m[:, 0, 0] * 0.5 + m[:, 0, 1] * 0.5 - 0.5)
    m4, m5, m7 = m[:, 1, 0], m[:, 1, 1], m[:, 1, 3] + (m[:, 1, 0] * 0.5 + m[:, 1, 1] * 0.5 - 0.5)
    ys, xs = tf.meshgrid(
        tf.range(out_hw[0], dtype=tf.float32), tf.range(out_hw[1], dtype=tf.float32), indexing="ij"
    )

    def affine(a, b, t):
        return (
            a[:, None, None] * xs[None]
            + b[:, None, None] * ys[None]
            + tf.constant(t.astype(np.float32))[:, None, None]
        )

    tx, ty = affine(m0, m1, m3), affine(m4, m5, m7)
    inside = (tx >= 0) & (tx <= w - 1) & (ty >= 0) & (ty <= h - 1)
    x0, y0 = tf.floor(tx), tf.floor(ty)
    right, lower = (tx - x0)[..., None], (ty - y0)[..., None]
    padded = tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]])  # the +1 neighbours beyond the edge read 0
    ix = tf.clip_by_value(tf.cast(x0, tf.int32), 0, w - 1)
    iy = tf.clip_by_value(tf.cast(y0, tf.int32), 0, h - 1)
    batch = tf.broadcast_to(tf.range(n)[:, None, None], ix.shape)

    def at(dy, dx):
        return tf.gather_nd(padded, tf.stack([batch, iy + dy, ix + dx], -1))

    upper = (1 - right) * at(0, 0) + right * at(0, 1)
    bottom = (1 - right) * at(1, 0) + right * at(1, 1)
    out = lower * bottom + (1 - lower) * upper
    return tf.where(inside[..., None], out, 0.0).numpy()


def random_affine(rng, scale, angle, shift):
    c, s = math.cos(angle), math.sin(angle)
    m = np.eye(4, dtype=np.float32)
    m[:2, :2] = scale * np.array([[c, -s], [s, c]])
    m[:2, 3] = shift
    return m


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_transform_tensor_bilinear_matches_tf(tf, rng, runtime):
    x = rng.standard_normal((1, 12, 10, 3)).astype(np.float32)
    cases = [
        (random_affine(rng, 1.0, 0.0, [0.0, 0.0]), (12, 10)),  # identity on pixel centres
        (random_affine(rng, 0.6, 0.3, [2.0, 1.5]), (16, 16)),
        (random_affine(rng, 1.7, -2.0, [9.0, 14.0]), (8, 12)),  # partly outside the input
        (random_affine(rng, 0.5, 0.0, [0.25, 0.25]), (24, 20)),
    ]
    for matrix, out_hw in cases:
        model = transform_tensor_model(x.shape, [1, 1, 4, 4], out_hw)
        (got,) = run_model(model, [x, matrix.reshape(1, 1, 4, 4)], runtime)
        want = transform_tensor_reference(tf, x, matrix, out_hw)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    # Identity with pixel-centre correction samples the input exactly.
    model = transform_tensor_model(x.shape, [1, 1, 4, 4], (12, 10))
    (got,) = run_model(model, [x, np.eye(4, dtype=np.float32).reshape(1, 1, 4, 4)], runtime)
    np.testing.assert_array_equal(got, x)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_transform_tensor_bilinear_agrees_with_image_projective_transform(tf, rng, runtime):
    """Independent TF kernel: ImageProjectiveTransformV3 (bilinear) equals MediaPipe's sampling
    wherever MediaPipe's sample point lies inside the image."""
    x = rng.standard_normal((2, 9, 11, 2)).astype(np.float32)
    matrices = np.stack(
        [random_affine(rng, 0.8, 0.4, [3.0, -1.0]), random_affine(rng, 1.2, -0.3, [1.0, 2.0])]
    )
    model = transform_tensor_model(x.shape, [2, 4, 4], (10, 10))
    (got,) = run_model(model, [x, matrices], runtime)
    m = matrices
    transforms = np.stack(
        [m[:, 0, 0], m[:, 0, 1], m[:, 0, 3] + m[:, 0, 0] / 2 + m[:, 0, 1] / 2 - 0.5,
         m[:, 1, 0], m[:, 1, 1], m[:, 1, 3] + m[:, 1, 0] / 2 + m[:, 1, 1] / 2 - 0.5,
         np.zeros(2), np.zeros(2)], axis=1,
    ).astype(np.float32)  # fmt: skip
    want = tf.raw_ops.ImageProjectiveTransformV3(
        images=x,
        transforms=transforms,
        output_shape=[10, 10],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    ).numpy()
    inside = transform_tensor_reference(tf, np.ones_like(x), matrices, (10, 10)) != 0
    assert inside.mean() > 0.3
    np.testing.assert_allclose(got[inside], want[inside], rtol=0, atol=1e-5)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_transform_tensor_bilinear_errors_and_versions(runtime):
    x = np.zeros((1, 4, 4, 1), np.float32)
    bad = tflite_model.single_custom_op_model(
        "TransformTensorBilinear",
        [("input", [1, 4, 4, 1], np.float32), ("matrix", [1, 1, 4, 4], np.float32)],
        [("output", [1, 1, 1, 1], np.float32)],
        options=flexbuffers.Dumps({"output_height": 0, "output_width": 3}),
        version=2,
    )
    with pytest.raises(
        RuntimeError, match="TransformTensorBilinear: output_height and output_width must be positive"
    ):
        run_model(bad, [x, np.eye(4, dtype=np.float32).reshape(1, 1, 4, 4)], runtime)
    with pytest.raises(RuntimeError, match="must hold one 4x4 matrix or one per batch entry"):
        run_model(
            transform_tensor_model([1, 4, 4, 1], [2, 4, 4], (2, 2)),
            [x, np.zeros((2, 4, 4), np.float32)],
            runtime,
        )
    # Version 1 is a different op in MediaPipe (no pixel-centre correction) that its CPU
    # resolver does not register: unresolved here too.
    v1 = transform_tensor_model([1, 4, 4, 1], [1, 1, 4, 4], (2, 2), version=1)
    with pytest.raises(RuntimeError, match="unresolved custom op: TransformTensorBilinear"):
        run_model(v1, [x, np.zeros((1, 1, 4, 4), np.float32)], runtime)


# --- TransformLandmarks -------------------------------------------------------------------


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("dims", [2, 3])
def test_transform_landmarks_matches_tf(tf, rng, runtime, dims):
    for batch, shared in [(1, True), (3, False), (2, True)]:
        landmarks = rng.uniform(-50, 250, (batch, 40, dims)).astype(np.float32)
        matrices = np.stack(
            [random_affine(rng, 1.3, 0.7, [5.0, -3.0]) for _ in range(1 if shared else batch)]
        )
        model = tflite_model.single_custom_op_model(
            "TransformLandmarks",
            [("landmarks", landmarks.shape, np.float32), ("matrix", matrices.shape, np.float32)],
            [("output", landmarks.shape, np.float32)],
            options=flexbuffers.Dumps({"ignored": 1}),
            version=2,
        )
        (got,) = run_model(model, [landmarks, matrices], runtime)
        points = tf.concat(
            [landmarks[..., :2], tf.zeros_like(landmarks[..., :1]), tf.ones_like(landmarks[..., :1])], -1
        )
        rows = tf.broadcast_to(matrices[:, :2], (batch, 2, 4))
        xy = tf.einsum("bnk,bjk->bnj", points, rows).numpy()
        want = np.concatenate([xy, landmarks[..., 2:]], -1)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-4)


# --- Landmarks2TransformMatrix --------------------------------------------------------------

MATRIX_OPTIONS = {
    "subset_idxs": [0, 3, 5, 7, 9],
    "left_rotation_idx": 2,
    "right_rotation_idx": 6,
    "target_rotation_radians": 0.0,
    "output_height": 256,
    "output_width": 192,
    "scale_x": 1.5,
    "scale_y": 1.25,
}


def matrix_model(landmarks_shape, options):
    return tflite_model.single_custom_op_model(
        "Landmarks2TransformMatrix",
        [("landmarks", landmarks_shape, np.float32)],
        [("matrix", [1, 4, 4], np.float32)],
        options=flexbuffers.Dumps(options),
        version=2,
    )


def matrix_reference(tf, landmarks, o):
    """MediaPipe's v2 construction in TF ops (float32)."""
    idx = list(o["subset_idxs"]) + ([o["subset_idxs"][-1]] if len(o["subset_idxs"]) % 2 else [])
    pts = tf.constant(landmarks[:, :, :2])
    left, right = pts[:, o["left_rotation_idx"]], pts[:, o["right_rotation_idx"]]
    r = tf.constant(np.float32(o["target_rotation_radians"])) - tf.atan2(
        right[:, 1] - left[:, 1], right[:, 0] - left[:, 0]
    )
    c, s = tf.cos(r), tf.sin(r)
    subset = tf.gather(pts, idx, axis=1)
    rx = c[:, None] * subset[..., 0] - s[:, None] * subset[..., 1]
    ry = s[:, None] * subset[..., 0] + c[:, None] * subset[..., 1]
    lo_x, hi_x, lo_y, hi_y = (
        tf.reduce_min(rx, 1),
        tf.reduce_max(rx, 1),
        tf.reduce_min(ry, 1),
        tf.reduce_max(ry, 1),
    )
    width, height = hi_x - lo_x, hi_y - lo_y
    mx, my = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
    cx, cy = c * mx + s * my, -s * mx + c * my  # rotate back by -r
    sx = np.float32(o["scale_x"]) * width / o["output_width"]
    sy = np.float32(o["scale_y"]) * height / o["output_height"]
    zeros, ones = tf.zeros_like(r), tf.ones_like(r)

    def mat(rows):
        return tf.stack([tf.stack(row, -1) for row in rows], -2)

    shift = mat(
        [
            [ones, zeros, zeros, cx],
            [zeros, ones, zeros, cy],
            [zeros, zeros, ones, zeros],
            [zeros, zeros, zeros, ones],
        ]
    )
    rotate = mat(
        [
            [c, s, zeros, zeros],
            [-s, c, zeros, zeros],
            [zeros, zeros, ones, zeros],
            [zeros, zeros, zeros, ones],
        ]
    )
    scale = mat(
        [
            [sx, zeros, zeros, zeros],
            [zeros, sy, zeros, zeros],
            [zeros, zeros, ones, zeros],
            [zeros, zeros, zeros, ones],
        ]
    )
    shift2 = np.eye(4, dtype=np.float32)
    shift2[:2, 3] = [-o["output_width"] / 2, -o["output_height"] / 2]
    return (shift @ rotate @ scale @ shift2).numpy()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_landmarks_to_transform_matrix_matches_tf(tf, rng, runtime):
    for batch, target in [(1, 0.0), (1, 1.2), (3, -0.5)]:
        options = {**MATRIX_OPTIONS, "target_rotation_radians": target}
        landmarks = rng.uniform(0, 300, (batch, 12, 3)).astype(np.float32)
        (got,) = run_model(matrix_model(landmarks.shape, options), [landmarks], runtime)
        want = matrix_reference(tf, landmarks, options)
        assert got.shape == (batch, 4, 4)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_landmarks_to_transform_matrix_maps_the_crop(tf, rng, runtime):
    """The matrix maps the output crop's centre to the subset box centre, its corners to the
    (scaled, rotated) box corners: a property check independent of the formula's order."""
    landmarks = np.zeros((1, 4, 3), np.float32)
    landmarks[0, :, :2] = [[100, 50], [200, 50], [100, 150], [200, 150]]  # an axis-aligned box
    options = {**MATRIX_OPTIONS, "subset_idxs": [0, 1, 2, 3], "left_rotation_idx": 0, "right_rotation_idx": 1}
    options.update(output_height=100, output_width=100, scale_x=1.0, scale_y=1.0)
    (m,) = run_model(matrix_model(landmarks.shape, options), [landmarks], runtime)
    corners = np.array([[0, 0, 0, 1], [100, 100, 0, 1], [50, 50, 0, 1]], np.float32)
    np.testing.assert_allclose((m[0] @ corners.T).T[:, :2], [[100, 50], [200, 150], [150, 100]], atol=1e-4)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_landmarks_to_transform_matrix_errors(runtime):
    landmarks = np.zeros((1, 12, 3), np.float32)
    cases = [
        ({"left_rotation_idx": -1}, "Incorrect left_rotation_idx: -1"),
        ({"output_width": 0}, "Incorrect output_width: 0"),
        ({"scale_y": -1.0}, "Incorrect scale_y: -1"),
        ({"subset_idxs": [1, -2]}, "Incorrect subset value: index = 1, value = -2"),
        ({"subset_idxs": []}, "subset_idxs is empty"),
        ({"subset_idxs": [1, 12]}, "subset index 12 is beyond the 12 landmarks"),
        ({"right_rotation_idx": 40}, "right_rotation_idx 40 is beyond the 12 landmarks"),
        ({"output_height": "tall"}, "attr 'output_height' must be int but the options hold a string"),
    ]
    for change, message in cases:
        model = matrix_model(landmarks.shape, {**MATRIX_OPTIONS, **change})
        with pytest.raises(RuntimeError, match="Landmarks2TransformMatrix: " + message):
            run_model(model, [landmarks], runtime)
    model = matrix_model([1, 12, 2], MATRIX_OPTIONS)
    with pytest.raises(RuntimeError, match="dim 2 of input 'landmarks' must be 3"):
        run_model(model, [np.zeros((1, 12, 2), np.float32)], runtime)
