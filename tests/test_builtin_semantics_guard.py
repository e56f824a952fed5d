"""Models that convert to builtins alone give TF's numbers (python/opbridge/builtin_semantics_guard.py).

The stock converter's model of each case runs and answers otherwise than TF: rsqrt(+-0)
is NaN, a negative float cast to uint8 is 0, quantize_and_dequantize is a step off (or
uses the wrong range), a float floordiv by zero fails the invoke, a table's size has
shape (1,). Each test shows the stock model's answer, then opbridge.convert's, equal to
TF's bits in both runtimes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import run_tflite

# Finite and not, signed zeros, denormals (TF's kernels flush them to zero), ties.
EDGES = [0.0, -0.0, 1e-45, -1e-45, 1e-39, -3e-39, 4.0, 2.0, np.nan, np.inf, -np.inf, -1.0, -93.25]
X = np.array(
    [*EDGES, 300.7, 70000.2, -1.5, -60.0, 3e9, 0.5, 1.5, -0.7, 0.3, 2.5, -2.5, 127.5, -128.5, 1e-7],
    np.float32,
)
Y = np.roll(X, 3)
Y[:4] = [0.0, -0.0, 0.0, 0.0]  # zero divisors for floordiv


def _bits_equal(want: np.ndarray, got: np.ndarray) -> bool:
    if want.shape != got.shape or want.dtype != got.dtype:
        return False
    if want.dtype.kind == "f":  # NaNs equal, zeros by sign
        nan = np.isnan(want)
        return bool(
            (nan == np.isnan(got)).all() and (want.view(np.uint32) == got.view(np.uint32))[~nan].all()
        )
    return bool((want == got).all())


def _assert_tf_bits(name: str, want: np.ndarray, got: np.ndarray, where: str) -> None:
    if name.startswith("rsqrt"):
        # TF's float rsqrt is Eigen's approximation refined once (rsqrt(4) is
        # 0.49999994): a few ulp from RSQRT's. Zeros and denormals are exact.
        exact = (np.abs(want) == np.inf) | (want == 0) | np.isnan(want)
        assert _bits_equal(want[exact], got[exact]), f"{where} {name}: {got[exact]}"
        np.testing.assert_array_max_ulp(got[~exact], want[~exact], maxulp=2)
    else:
        assert _bits_equal(want, got), f"{where} {name}: {want} != {got}"


def _edge_function(tf: Any, stock: bool = False) -> Any:
    """Every case as one output. `stock`: without the two the stock converter's model
    cannot run at all (floordiv fails the invoke, V3 the conversion)."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([None], tf.float32)])
    def edges(x: Any, y: Any) -> Any:
        finite = tf.where(tf.math.is_finite(x), x, 0.0)
        # Float -> int conversions of NaN, inf and values beyond int32 are the CPU's
        # (TF's x86 and aarch64 builds differ): not compared.
        narrow = tf.clip_by_value(finite, -(2.0**31) + 256, 2.0**31 - 256)
        lin = x * 0.37
        return {
            "rsqrt": tf.math.rsqrt(x),
            "uint8": tf.cast(narrow, tf.uint8),
            "int8": tf.cast(narrow, tf.int8),
            "uint16": tf.cast(narrow, tf.uint16),
            "int16": tf.cast(narrow, tf.int16),
            "uint32": tf.cast(tf.clip_by_value(finite, -(2.0**31), 2.0**32 - 256), tf.uint32),
            "image_uint8": tf.image.convert_image_dtype(tf.clip_by_value(finite, -2.0, 2.0), tf.uint8),
            "qdq": tf.quantization.quantize_and_dequantize_v2(lin, -1.0, 1.0, range_given=True),
            "qdq_narrow": tf.quantization.quantize_and_dequantize_v2(
                lin, -1.0, 1.0, range_given=True, narrow_range=True
            ),
            "qdq_unsigned": tf.quantization.quantize_and_dequantize_v2(
                lin, 0.0, 6.0, signed_input=False, range_given=True
            ),
            "qdq_4bit_half_up": tf.quantization.quantize_and_dequantize_v2(
                lin, -3.0, 2.0, num_bits=4, range_given=True, round_mode="HALF_UP"
            ),
            # range_given=False (the default): TF takes the input's own min and max.
            "qdq_data_range": tf.quantization.quantize_and_dequantize_v2(finite * 0.01, -1.0, 1.0),
        } | (
            {}
            if stock
            else {
                "floordiv": tf.math.floordiv(x, y),
                "qdq_v3": tf.raw_ops.QuantizeAndDequantizeV3(
                    input=lin, input_min=-0.5, input_max=2.0, num_bits=8, range_given=True
                ),
            }
        )

    return edges


def _stock(tf: Any, function: Any) -> bytes:
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], function)
    converter.canonicalizing_inf_as_min_max_float = False
    return converter.convert()


def test_edge_values_give_tf_bits(tf):
    edges = _edge_function(tf)
    want = {k: v.numpy() for k, v in edges(X, Y).items()}
    model = opbridge.convert(edges)
    ops = tflite_model.parse(model).op_histogram()
    assert not tflite_model.custom_op_counts(model), ops  # builtins only
    assert "QUANTIZE" not in ops and "FLOOR_DIV" not in ops, ops
    for runtime in RUNTIMES:
        got = run_tflite(model, [X, Y], runtime)
        for name, expected in want.items():
            _assert_tf_bits(name, expected, got[name], f"[{runtime}]")
    # The need: the stock model is wrong on each.
    stock = run_tflite(_stock(tf, _edge_function(tf, stock=True)), [X, Y], "litert")
    # Its outputs are Identity, Identity_1...: the dict's values in sorted key order.
    names = sorted(set(want) - {"floordiv", "qdq_v3"})
    by_name = {names[int(key.rpartition("_")[2]) if "_" in key else 0]: v for key, v in stock.items()}
    assert len(by_name) == len(names), sorted(stock)
    right = {name for name, got in by_name.items() if _bits_equal(want[name], got)}
    assert not right, sorted(right)
    # float floordiv: FLOOR_DIV fails the whole invoke on a zero divisor.
    floordiv = tf.function(tf.math.floordiv, input_signature=[tf.TensorSpec([None], tf.float32)] * 2)
    with pytest.raises(RuntimeError, match="Division by 0"):
        run_tflite(_stock(tf, floordiv), [X, Y], "litert")


def test_div_no_nan_of_rank_5_prepares_and_gives_tf_bits(tf):
    """tf.math.divide_no_nan at rank 5 with an unknown batch (tf_keras' GroupNormalization):
    the stock model fails to prepare at any batch (a BROADCAST_TO onto a wrongly folded
    shape); opbridge's runs and gives TF's bits, zero divisors (and NaN over zero) 0."""
    spec = [tf.TensorSpec([None, 4, 4, 2, 3], tf.float32), tf.TensorSpec([None, 1, 1, 2, 1], tf.float32)]
    divide = tf.function(tf.math.divide_no_nan, input_signature=spec)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 4, 4, 2, 3)).astype(np.float32)
    x[1, 0, 0, 0] = [np.nan, np.inf, -0.0]
    y = rng.normal(size=(3, 1, 1, 2, 1)).astype(np.float32)
    y[1, 0, 0, 0, 0] = 0.0
    y[2, 0, 0, 1, 0] = -0.0
    with pytest.raises(RuntimeError, match="broadcastable"):
        run_tflite(_stock(tf, divide), [x, y], "litert")
    model = opbridge.convert(divide)
    for runtime in RUNTIMES:
        got = next(iter(run_tflite(model, [x, y], runtime).values()))
        assert _bits_equal(divide(x, y).numpy(), got), runtime


def test_normalization_epsilon_keeps_plain_rsqrt(tf):
    """rsqrt(var + eps) and rsqrt(max(s, eps)) are never of zero: no guard, one RSQRT."""

    @tf.function(input_signature=[tf.TensorSpec([2, 8], tf.float32)])
    def norms(x: Any) -> Any:
        mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
        layer_norm = (x - mean) * tf.math.rsqrt(var + 1e-5)
        return layer_norm, tf.math.l2_normalize(x, axis=-1)

    model = opbridge.convert(norms)
    ops = tflite_model.parse(model).op_histogram()
    assert ops.get("RSQRT") == 1 and "SELECT_V2" not in ops and ops.get("L2_NORMALIZATION") == 1, ops
    x = np.random.default_rng(7).standard_normal((2, 8)).astype(np.float32)
    want = [t.numpy() for t in norms(x)]
    got = list(run_tflite(model, [x], "litert").values())
    for w, g in zip(want, got, strict=True):
        np.testing.assert_allclose(g, w, rtol=2e-6, atol=1e-6)


def test_table_size_is_a_scalar_and_sources(tf, tmp_path):
    """StaticHashTable.size() is a scalar as in TF; the guards also run on a SavedModel
    directory and a Keras model."""

    class Model(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            keys, values = tf.constant(["a", "bc", "d"]), tf.constant([2, 3, 4], tf.int64)
            init = tf.lookup.KeyValueTensorInitializer(keys, values)
            self.table = tf.lookup.StaticHashTable(init, -1)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([None], tf.string)])
        def __call__(self, x: Any, keys: Any) -> Any:
            return {
                "size": self.table.size(),
                "found": self.table.lookup(keys),
                "rsqrt": tf.math.rsqrt(x),
                "uint8": tf.cast(x, tf.uint8),
            }

    module = Model()
    x = np.array([0.0, -0.0, -93.25, 300.7, -1e-45], np.float32)
    keys = np.array([b"bc", b"x", b"a"], object)
    want = {k: v.numpy() for k, v in module(x, keys).items()}
    tf.saved_model.save(module, str(tmp_path / "sm"))
    stock_model = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "sm")).convert()
    stock = run_tflite(stock_model, {"x": x, "keys": keys})  # (its inputs in another order)
    assert stock["size"].shape == (1,) and want["size"].shape == ()
    # By index; the SavedModel's converted inputs keep the stock converter's order (keys, x).
    for source, inputs in ((module.__call__, [x, keys]), (str(tmp_path / "sm"), [keys, x])):
        model = opbridge.convert(source)
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            for name, expected in want.items():
                _assert_tf_bits(name, expected, got[name], f"[{runtime}] {source}")

    import keras

    class Quantize(keras.layers.Layer):
        def call(self, t: Any) -> Any:
            qdq = tf.quantization.quantize_and_dequantize_v2(t, -1.0, 1.0, range_given=True)
            return [tf.cast(t, tf.uint8), qdq]

    # UnitNormalization is x * min(rsqrt(sum(x^2)), 1/sqrt(eps)): XNNPACK's rsqrt(0)
    # made a zero row NaN (TF: 0).
    inputs = keras.Input((5,), batch_size=2)
    keras_model = keras.Model(inputs, [*Quantize()(inputs), keras.layers.UnitNormalization()(inputs)])
    batch = np.stack([x * np.float32(0.9), np.zeros_like(x)])
    keras_want = [np.asarray(t) for t in keras_model(batch)]
    model = opbridge.convert(keras_model)
    got = run_tflite(model, [batch], "litert")
    for name, expected, actual in zip(["uint8", "qdq", "rsqrt unit"], keras_want, got.values(), strict=True):
        _assert_tf_bits(name, expected, actual, "keras")
    assert not np.isnan(keras_want[2]).any() and (keras_want[2][1] == 0).all()


def test_guards_pick_their_nodes(tf):
    """Only the nodes whose builtin answers otherwise are replaced."""
    from opbridge import builtin_semantics_guard

    x, i = tf.constant([1.5, -2.0]), tf.constant([7, -3])
    cases = [
        (lambda: tf.math.rsqrt(x), 1),
        (lambda: tf.math.rsqrt(tf.maximum(x, 1e-12)), 0),  # never zero
        (lambda: tf.cast(x, tf.uint8), 1),
        (lambda: tf.cast(x, tf.int32), 0),  # saturation differs only past int32: not guarded
        (lambda: tf.cast(i, tf.uint8), 0),  # integers wrap in both
        (lambda: tf.math.floordiv(i, i), 0),  # TF fails on a zero divisor too
        (lambda: tf.math.floordiv(x, x), 1),
    ]
    for n, (fn, count) in enumerate(cases):
        graph = tf.function(fn).get_concrete_function().graph.as_graph_def()
        assert builtin_semantics_guard.guarded_count(graph) == count, n
