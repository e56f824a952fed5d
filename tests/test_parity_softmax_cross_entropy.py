"""SparseSoftmaxCrossEntropyWithLogits (and SoftmaxCrossEntropyWithLogits): TFLite kernels vs TF's.

Both outputs (loss per row, backprop) are compared bit for bit: the kernels evaluate exp and the
class sums as TF's Eigen does (ops/nn/softmax_xent.h).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

FLOATS = [np.float32, np.float64, np.float16]


def dtype_id(dtype) -> str:
    return np.dtype(dtype).name


def assert_bits(expected: np.ndarray, got: np.ndarray, what: str) -> None:
    assert expected.shape == got.shape and expected.dtype == got.dtype, (what, expected.shape, got.shape)
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[expected.dtype.itemsize]
    same = (np.isnan(expected) & np.isnan(got)) | (expected.view(bits) == got.view(bits))
    if not same.all():
        i = np.flatnonzero(~same.ravel())[0]
        raise AssertionError(
            f"{what}: {int((~same).sum())} of {same.size} differ, first at {i}: "
            f"tf={expected.ravel()[i]!r} tflite={got.ravel()[i]!r}"
        )


def sparse_fn(tf, dtype, label_dtype):
    def fn(logits, labels):
        loss, backprop = tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits(features=logits, labels=labels)
        return {"loss": loss, "backprop": backprop}

    return tf.function(
        fn,
        input_signature=[
            tf.TensorSpec([None, None], tf.as_dtype(dtype)),
            tf.TensorSpec([None], tf.as_dtype(label_dtype)),
        ],
    )


@pytest.fixture(scope="module")
def sparse_models(tf) -> dict:
    out = {}
    for dtype in FLOATS:
        for label_dtype in (np.int32, np.int64):
            fn = sparse_fn(tf, dtype, label_dtype)
            model = convert_fn(fn, ((None, None), tf.as_dtype(dtype)), ((None,), tf.as_dtype(label_dtype)))
            assert tflite_model.custom_op_counts(model) == {"SparseSoftmaxCrossEntropyWithLogits": 1}
            out[dtype, label_dtype] = (fn, model)
    return out


def check(fn, model, logits: np.ndarray, labels: np.ndarray, what: str) -> None:
    expected = {k: v.numpy() for k, v in fn(logits, labels).items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, [logits, labels], runtime)
        for key in ("loss", "backprop"):
            assert_bits(expected[key], got[key], f"{what} {key} [{runtime}]")


# Class counts around TF's packet sizes (8 floats/halves, 4 doubles), its 4-packet unrolling and
# the tree split of long rows (over 8 * 1024 floats, 4 * 1024 doubles, 8 * 200 halves).
SHAPES = [
    (1, 1),
    (3, 2),
    (5, 7),
    (4, 8),
    (3, 9),
    (2, 31),
    (2, 32),
    (3, 33),
    (1, 100),
    (7, 10),
    (0, 4),
    (2, 1700),
]


@pytest.mark.parametrize("label_dtype", [np.int32, np.int64], ids=["int32", "int64"])
@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_sparse_xent_bit_exact(tf, rng, sparse_models, dtype, label_dtype):
    fn, model = sparse_models[dtype, label_dtype]
    for shape in SHAPES:
        logits = (rng.standard_normal(shape) * 4).astype(dtype)
        labels = rng.integers(0, shape[1], shape[0]).astype(label_dtype)
        check(fn, model, logits, labels, f"{shape}")


def test_sparse_xent_long_rows_use_the_tree_sum(tf, rng, sparse_models):
    for dtype, classes in [(np.float32, 8 * 1024 + 77), (np.float64, 4 * 1024 + 9)]:
        fn, model = sparse_models[dtype, np.int64]
        logits = (rng.standard_normal((2, classes)) * 3).astype(dtype)
        check(fn, model, logits, np.array([0, classes - 1], np.int64), f"{dtype.__name__} {classes}")


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_sparse_xent_special_values(tf, sparse_models, dtype):
    fn, model = sparse_models[dtype, np.int32]
    big = float(np.finfo(dtype).max)
    rows = [
        [0.0, 0.0, 0.0],
        [np.nan, 1.0, 2.0],
        [np.inf, 1.0, 2.0],
        [-np.inf, 1.0, 2.0],
        [-np.inf, -np.inf, -np.inf],
        [big, -big, 0.0],
        [-0.0, 0.0, -1e-3],
        [100.0, -100.0, 5.0],
    ]
    logits = np.array(rows, dtype)
    for labels in ([0, 1, 2, 0, 1, 2, 0, 1], [2, 0, 0, 1, 2, 1, 2, 2]):
        check(fn, model, logits, np.array(labels, np.int32), "specials")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sparse_xent_label_out_of_range_errors_as_tf_cpu(tf, sparse_models, runtime):
    fn, model = sparse_models[np.float32, np.int64]
    logits = np.zeros((3, 4), np.float32)
    for bad, labels in [(4, [0, 4, 1]), (-1, [0, -1, 7])]:
        message = rf"Received a label value of {bad} which is outside the valid range of \[0, 4\)"
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            fn(logits, np.array(labels, np.int64))
        with pytest.raises(RuntimeError, match="SparseSoftmaxCrossEntropyWithLogits: " + message):
            run_tflite(model, [logits, np.array(labels, np.int64)], runtime)
    # No rows: TF checks no label (there are none) and returns empty outputs.
    check(fn, model, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), "empty")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sparse_xent_shape_errors_as_tf(tf, sparse_models, runtime):
    fn, model = sparse_models[np.float32, np.int32]
    cases = [
        (
            np.zeros((3, 4), np.float32),
            np.zeros(2, np.int32),
            "logits and labels must have the same first dimension",
        ),
        (np.zeros((3, 0), np.float32), np.zeros(3, np.int32), "Must have at least one class"),
    ]
    for logits, labels, message in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            fn(logits, labels)
        with pytest.raises(RuntimeError, match=message):
            run_tflite(model, [logits, labels], runtime)


def test_keras_sparse_categorical_crossentropy_train_step(tf, rng):
    """The gradient of Keras' SparseCategoricalCrossentropy(from_logits=True) is the op's backprop."""
    import keras

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def fn(logits, labels):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            loss = loss_fn(labels, logits)
        return {"loss": loss, "grad": tape.gradient(loss, logits)}

    fn = tf.function(fn, input_signature=[tf.TensorSpec([None, 10]), tf.TensorSpec([None], tf.int64)])
    model = convert_fn(fn, ((None, 10), tf.float32), ((None,), tf.int64))
    assert tflite_model.custom_op_counts(model).get("SparseSoftmaxCrossEntropyWithLogits") == 1
    logits = (rng.standard_normal((6, 10)) * 3).astype(np.float32)
    labels = rng.integers(0, 10, 6).astype(np.int64)
    expected = {k: v.numpy() for k, v in fn(logits, labels).items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, [logits, labels], runtime)
        for key in expected:
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-6, atol=1e-7)


def dense_fn(tf, dtype, logits_rank: int = 2, labels_rank: int = 2):
    def fn(logits, labels):
        loss, backprop = tf.raw_ops.SoftmaxCrossEntropyWithLogits(features=logits, labels=labels)
        return {"loss": loss, "backprop": backprop}

    d = tf.as_dtype(dtype)
    return tf.function(
        fn, input_signature=[tf.TensorSpec([None] * logits_rank, d), tf.TensorSpec([None] * labels_rank, d)]
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float16], ids=dtype_id)
def test_dense_xent_bit_exact(tf, rng, dtype):
    """float64 and half stay custom (float32 lowers to builtins)."""
    fn = dense_fn(tf, dtype)
    model = convert_fn(fn, ((None, None), tf.as_dtype(dtype)), ((None, None), tf.as_dtype(dtype)))
    assert tflite_model.custom_op_counts(model) == {"SoftmaxCrossEntropyWithLogits": 1}
    for shape in [*SHAPES, (2, 0), (9, 5)]:
        logits = (rng.standard_normal(shape) * 4).astype(dtype)
        labels = rng.dirichlet(np.ones(max(shape[1], 1)), shape[0])[:, : shape[1]].astype(dtype)
        check(fn, model, logits, labels, f"{shape}")
    specials = np.array([[0.0, np.nan, 1.0], [np.inf, 1.0, 2.0], [-np.inf, 0.0, 1.0], [3.0, 2.0, 1.0]], dtype)
    check(fn, model, specials, np.array([[0.2, 0.3, 0.5]] * 4, dtype), "specials")
    check(fn, model, specials, np.array([[0.0, -1.0, 2.0]] * 4, dtype), "labels outside [0, 1]")


def test_dense_xent_float32_lowers_to_builtins(tf):
    fn = dense_fn(tf, np.float32)
    model = convert_fn(fn, ((None, None), tf.float32), ((None, None), tf.float32))
    assert tflite_model.custom_op_counts(model) == {}


@pytest.mark.parametrize(
    ("logits_shape", "labels_shape"), [((3, 4), (1, 4)), ((1, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1))]
)
def test_dense_xent_broadcasts_as_tf(tf, rng, logits_shape, labels_shape):
    fn = dense_fn(tf, np.float64, len(logits_shape), len(labels_shape))
    model = convert_fn(
        fn, ((None,) * len(logits_shape), tf.float64), ((None,) * len(labels_shape), tf.float64)
    )
    logits = rng.standard_normal(logits_shape)
    labels = rng.uniform(0, 1, labels_shape)
    check(fn, model, logits, labels, f"{logits_shape} vs {labels_shape}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dense_xent_shape_errors_as_tf(tf, runtime):
    fn = dense_fn(tf, np.float64)
    model = convert_fn(fn, ((None, None), tf.float64), ((None, None), tf.float64))
    logits, labels = np.zeros((2, 3)), np.zeros((4, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="logits and labels must be broadcastable"):
        fn(logits, labels)
    with pytest.raises(RuntimeError, match="logits and labels must be broadcastable"):
        run_tflite(model, [logits, labels], runtime)


def test_sparse_xent_bfloat16_inside_a_model(tf, rng):
    """bfloat16 cannot be a model input; after a cast the op stays custom and matches TF."""

    def fn(logits, labels):
        loss, backprop = tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits(
            features=tf.cast(logits, tf.bfloat16), labels=labels
        )
        return {"loss": tf.cast(loss, tf.float32), "backprop": tf.cast(backprop, tf.float32)}

    fn = tf.function(fn, input_signature=[tf.TensorSpec([None, None]), tf.TensorSpec([None], tf.int32)])
    model = convert_fn(fn, ((None, None), tf.float32), ((None,), tf.int32))
    assert tflite_model.custom_op_counts(model).get("SparseSoftmaxCrossEntropyWithLogits") == 1
    for shape in [(3, 5), (4, 33), (2, 300)]:
        logits = (rng.standard_normal(shape) * 4).astype(np.float32)
        labels = rng.integers(0, shape[1], shape[0]).astype(np.int32)
        check(fn, model, logits, labels, f"bfloat16 {shape}")


def test_sparse_xent_threads_do_not_change_bits(tf, rng, sparse_models):
    fn, model = sparse_models[np.float32, np.int64]
    logits = (rng.standard_normal((257, 61)) * 4).astype(np.float32)
    labels = rng.integers(0, 61, 257).astype(np.int64)
    expected = {k: v.numpy() for k, v in fn(logits, labels).items()}
    for threads in (1, 4):
        got = run_tflite(model, [logits, labels], num_threads=threads)
        for key in expected:
            assert_bits(expected[key], got[key], f"{key} {threads} threads")
