"""Graph rewrites before conversion: SavedModel op substitution, and composites."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from opbridge import rewrite, tflite_model
from opbridge.conversion import convert_model


def test_saved_model_substitution_reaches_nested_functions(tf, tmp_path):
    """Swap one TF op for another of the same signature (Erf -> Erfc) inside a nested
    function, in a process that has already loaded the original functions."""
    inner = tf.function(lambda x: tf.math.erf(x) * 2.0)
    module = tf.Module()
    module.v = tf.Variable(3.0)
    module.f = tf.function(
        lambda x: {"y": inner(x) + tf.math.erf(x) * module.v},
        input_signature=[tf.TensorSpec([4], tf.float32, name="x")],
    )
    tf.saved_model.save(module, str(tmp_path / "a"), signatures=module.f)
    x = np.linspace(-1, 1, 4).astype(np.float32)
    original = tf.saved_model.load(str(tmp_path / "a")).signatures["serving_default"](x=x)["y"].numpy()
    assert rewrite.saved_model_op_counts(tmp_path / "a")["Erf"] == 2

    assert rewrite.rewrite_saved_model(tmp_path / "a", tmp_path / "b", {"Erf": "Erfc"}) == {"Erf": 2}
    assert rewrite.saved_model_op_counts(tmp_path / "b")["Erf"] == 0
    swapped = tf.saved_model.load(str(tmp_path / "b")).signatures["serving_default"](x=x)["y"].numpy()
    erfc = tf.math.erfc(x).numpy()
    np.testing.assert_allclose(swapped, erfc * 2 + erfc * 3, rtol=1e-6)
    np.testing.assert_allclose(original, tf.math.erf(x).numpy() * 5, rtol=1e-6)


def test_substitutions_come_from_the_op_declarations():
    declared = {op.replaces: op.name for op in opbridge.catalog.op_infos() if op.replaces}
    assert rewrite.substitutions() == declared


def swish_composite(tf):
    @opbridge.composite("Test>Swish", beta=1.5, fast=True, variant="b")
    def swish(x):
        return x * tf.sigmoid(1.5 * x)

    return swish


def test_composite_runs_in_tf_and_trains(tf):
    swish = swish_composite(tf)
    x = tf.constant([-1.0, 0.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = swish(x)
    np.testing.assert_allclose(y.numpy(), x.numpy() / (1 + np.exp(-1.5 * x.numpy())), rtol=1e-6)
    assert tape.gradient(y, x) is not None


def test_composite_is_fused_into_one_custom_op_with_its_attrs(tf):
    swish = swish_composite(tf)

    @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32, name="x")])
    def model(x):
        return {"y": swish(x) + 1.0}

    with pytest.raises(opbridge.UnsupportedOpsError, match=r"Test>Swish \(x1\)"):
        opbridge.convert(model)
    result = convert_model(model, allow_missing=True)
    assert result.missing == {"Test>Swish": 1}
    (use,) = tflite_model.custom_ops(result.model)
    # The converter writes bool true as -1 (opbridge's attr decoding reads any non-zero as true).
    assert opbridge._library.decode_flexbuffer(use.options) == {"beta": 1.5, "fast": -1, "variant": "b"}
    assert "LOGISTIC" not in tflite_model.op_histogram(result.model)


def test_composite_attrs_must_be_scalars():
    with pytest.raises(TypeError, match="attr 'sizes' is a list"):
        opbridge.composite("Test>Bad", sizes=[1, 2])
    with pytest.raises(ValueError, match="bad op name"):
        opbridge.composite("has space")
