"""`tf.switch_case` (TF's Case/StatelessCase) converts and runs (python/opbridge/case_to_if.py).

TFLite has IF and WHILE builtins but no CASE, and TF 2.21's converter does not lower a
Case: the stock converter fails on every model here, and opbridge.convert turns each
Case into a chain of If before converting. The tests run every branch index, the
out-of-range ones too (TF's Case runs the last branch for any index outside [0, n),
negative ones included), in both runtimes, inputs fed by index, against TF.

The branches use ops whose builtins give TF's exact values (no transcendental
functions), so outputs are compared for equality: what is tested is which branch runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.conversion import convert_model
from opbridge.running import run_tflite

STOCK_ERROR = "Failed to functionalize Control Flow V1 ops|Custom ops: (Stateless)?Case"
INDICES = (-(2**31), -7, -1, 0, 1, 2, 3, 4, 5, 99, 2**31 - 1)


def assert_stock_fails(tf: Any, function: Any) -> None:
    """The need: the stock converter (default builtins) has no CASE. It lowers the Case into
    Switch/Merge, cannot raise that back ("Failed to functionalize Control Flow V1 ops"),
    and, where it gets further, names the Case as a custom op it lacks."""
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], function)
    with pytest.raises(Exception, match=STOCK_ERROR):
        converter.convert()


def assert_runs_like_tf(model: bytes, function: Any, inputs: list[Any], label: str) -> None:
    want = [np.asarray(w) for w in _flat(function(*inputs))]
    for runtime in RUNTIMES:
        got = list(run_tflite(model, inputs, runtime).values())
        assert len(got) == len(want), label
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert g.dtype == w.dtype and g.shape == w.shape, f"[{runtime}] {label} output {i}"
            np.testing.assert_array_equal(g, w, err_msg=f"[{runtime}] {label} output {i}")


def _flat(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def assert_no_case(model: bytes) -> None:
    ops = tflite_model.parse(model).op_histogram()
    assert "IF" in ops and not any("Case" in op for op in ops), ops


def test_branches_with_several_inputs_and_outputs(tf):
    """Four branches, each a different computation of two inputs into two outputs."""

    def branches(x: Any, n: Any) -> list[Any]:
        return [
            lambda: (x * 2.0, n + 1),
            lambda: (tf.reverse(x, [1]) - 1.5, n * n),
            lambda: (tf.maximum(x, 0.25) + tf.transpose(tf.abs(x))[0], tf.reduce_max(n, keepdims=True) + n),
            lambda: (-x, tf.cast(tf.reduce_sum(x, axis=0) > 0, tf.int32)),
        ]

    @tf.function(
        input_signature=[
            tf.TensorSpec([3, 3], tf.float32, name="x"),
            tf.TensorSpec([3], tf.int32, name="n"),
            tf.TensorSpec([], tf.int32, name="index"),
        ]
    )
    def model(x, n, index):
        y, m = tf.switch_case(index, branches(x, n))
        return y, m

    assert_stock_fails(tf, model)
    converted = convert_model(model)
    assert converted.custom_ops == {}
    assert_no_case(converted.model)
    x = np.array([[0.5, -2.0, 3.0], [-1.0, 4.0, 0.0], [2.5, 1.0, -3.5]], np.float32)
    n = np.array([3, -2, 7], np.int32)
    for index in INDICES:
        assert_runs_like_tf(converted.model, model, [x, n, np.int32(index)], f"index {index}")


def test_two_branches_one_branch_and_default(tf):
    """n = 2 (one If), n = 1 (a call: every index runs the branch) and the dict form with
    `default`, which tf.switch_case makes the last branch."""
    spec = [tf.TensorSpec([4], tf.float32), tf.TensorSpec([], tf.int32)]

    @tf.function(input_signature=spec)
    def two(t, i):
        return tf.switch_case(i, [lambda: t + 1.0, lambda: t * 3.0])

    @tf.function(input_signature=spec)
    def one(t, i):
        return tf.switch_case(i, [lambda: t - 2.0])

    @tf.function(input_signature=spec)
    def with_default(t, i):
        return tf.switch_case(
            i, {0: lambda: t * 0.5, 1: lambda: t + t, 2: lambda: -t}, default=lambda: t - 7.0
        )

    t = np.array([1.0, -2.5, 0.125, 8.0], np.float32)
    for name, fn in (("two", two), ("one", one), ("with_default", with_default)):
        assert_stock_fails(tf, fn)
        model = opbridge.convert(fn)
        if name != "one":
            assert_no_case(model)
        for index in INDICES:
            assert_runs_like_tf(model, fn, [t, np.int32(index)], f"{name} index {index}")


def test_nested_and_in_a_while_loop(tf):
    """A switch_case inside a branch of another, and one in a tf.while_loop body whose
    index changes every iteration (out of range from the fourth on)."""

    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32), tf.TensorSpec([2], tf.int32)])
    def nested(t, ij):
        inner = lambda: tf.switch_case(ij[1], [lambda: t * 10.0, lambda: t + 100.0, lambda: t - 0.5])  # noqa: E731
        return tf.switch_case(ij[0], [lambda: -t, inner, lambda: t * t])

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32), tf.TensorSpec([], tf.int32)])
    def looped(t, steps):
        def body(k, acc):
            acc = tf.switch_case(
                k - 1, [lambda: acc * 2.0, lambda: acc + 1.0, lambda: acc - 3.0, lambda: -acc]
            )
            return k + 1, acc

        return tf.while_loop(lambda k, acc: k < steps, body, (tf.constant(0), t))[1]

    t2 = np.array([1.5, -4.0], np.float32)
    assert_stock_fails(tf, nested)
    model = opbridge.convert(nested)
    assert_no_case(model)
    for i in (-1, 0, 1, 2, 3):
        for j in (-2, 0, 1, 2, 5):
            assert_runs_like_tf(model, nested, [t2, np.array([i, j], np.int32)], f"nested {i} {j}")
    t3 = np.array([0.25, -3.0, 7.5], np.float32)
    assert_stock_fails(tf, looped)
    model = opbridge.convert(looped)
    assert_no_case(model)
    for steps in (0, 1, 2, 5, 9):
        assert_runs_like_tf(model, looped, [t3, np.int32(steps)], f"{steps} steps")


def test_saved_model_with_variables_and_keras_layer(tf, tmp_path):
    """Branches reading variables (a stateful Case) through a SavedModel directory, and a
    Keras layer whose call switches on an input, through the Keras model."""

    class Module(tf.Module):
        def __init__(self) -> None:
            self.w = tf.Variable([[1.0, -2.0], [0.5, 3.0]])
            self.b = tf.Variable([0.25, -1.0])

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([], tf.int32)])
        def __call__(self, x, i):
            return tf.switch_case(
                i, [lambda: tf.matmul(x, self.w), lambda: x + self.b, lambda: x * self.b - self.w[0]]
            )

    module = Module()
    tf.saved_model.save(module, str(tmp_path / "sm"))
    model = opbridge.convert(str(tmp_path / "sm"))
    assert_no_case(model)
    x = np.array([[1.0, 2.0], [-0.5, 4.0], [3.0, 0.0]], np.float32)
    for index in (-3, 0, 1, 2, 3, 50):
        # A SavedModel's inputs come in the stock converter's order (sorted by name): fed by name.
        want = module(x, np.int32(index)).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, {"x": x, "i": np.int32(index)}, runtime).values()
            np.testing.assert_array_equal(got, want, err_msg=f"[{runtime}] saved model index {index}")

    import keras

    @keras.saving.register_keras_serializable("opbridge_test")
    class Switch(keras.layers.Layer):
        def build(self, shapes: Any) -> None:
            self.scale = self.add_weight(shape=(shapes[0][-1],), initializer="ones")

        def call(self, inputs: Any) -> Any:
            x, mode = inputs
            index = tf.cast(tf.reshape(mode, [-1])[0], tf.int32)
            return tf.switch_case(index, [lambda: x * self.scale, lambda: tf.nn.relu(x), lambda: x - 1.0])

    x_in = keras.Input((4,), batch_size=2, name="x")
    mode_in = keras.Input((1,), batch_size=1, dtype="int32", name="mode")
    keras_model = keras.Model([x_in, mode_in], Switch()([x_in, mode_in]))
    keras_model.layers[-1].scale.assign([2.0, 0.5, -1.0, 4.0])
    model = opbridge.convert(keras_model)
    assert_no_case(model)
    xs = np.array([[1.0, -2.0, 0.5, 3.0], [-4.0, 0.0, 2.5, -0.125]], np.float32)
    for index in (-1, 0, 1, 2, 3):
        mode = np.array([[index]], np.int32)
        want = np.asarray(keras_model([xs, mode]))
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, {"x": xs, "mode": mode}, runtime).values()
            np.testing.assert_array_equal(got, want, err_msg=f"[{runtime}] keras index {index}")
