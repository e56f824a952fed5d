"""Census of Keras' own models and layers: every keras.applications architecture
(random weights, small inputs, 10 classes) and the public keras.layers classes
that make sense alone, each in a small Keras model, converted with TFLite
builtins only and with `opbridge.convert`, run in LiteRT and TF's TFLite
interpreter (inputs fed by index) and compared with the Keras model in TF.

    python tools/census_keras.py                  # every row -> docs/models-keras.md
    python tools/census_keras.py --only LSTM ResNet50   # those rows (the rest from the JSON)
    python tools/census_keras.py --list
    python tools/census_keras.py --legacy         # the rows in tf_keras -> docs/models-tf-keras.md

With --legacy every row is built with tf_keras (`import tf_keras`, what tf.keras is
under TF_USE_LEGACY_KERAS=1) instead of Keras 3: the stock converter exports such
a model with tf.saved_model.save, and so does opbridge.convert. The process runs
with TF_USE_LEGACY_KERAS=1, as a Keras 2 user's does. Rows whose layer,
activation or argument tf_keras lacks are skipped and listed; every other row
builds with the same call in both (no row needs a builder of its own).

The conversion, run and comparison of a row are tools/census_models.py's
(`census_one`), imported; this file only builds the rows. The rows run in one
child process, restarted after a row crashes or exceeds --timeout (that row
is recorded as such).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import census_models as cm

ROOT = Path(__file__).resolve().parent.parent
ROWS: dict[str, tuple[str, str]] = {}  # name -> (group, what)
LEGACY = False  # --legacy: build the rows with tf_keras


class Absent(Exception):
    """The row's layer, activation or argument does not exist in tf_keras."""


def _keras() -> Any:
    """The Keras module the rows are built with: Keras 3, or tf_keras with --legacy."""
    if LEGACY:
        import tf_keras

        return tf_keras
    import keras

    return keras


@contextlib.contextmanager
def _absent_in_legacy() -> Iterator[None]:
    """Turns tf_keras' "no such layer / activation" errors into Absent (the row is skipped)."""
    try:
        yield
    except AttributeError as exc:
        if LEGACY and "tf_keras" in str(exc) and "has no attribute" in str(exc):
            raise Absent(str(exc).split("has no attribute")[-1].strip(" '") + " is not in tf_keras") from exc
        raise
    except ValueError as exc:
        if LEGACY and "Unknown activation function" in str(exc):
            raise Absent(cm._first_line(str(exc))) from exc
        raise
    except TypeError as exc:
        if LEGACY and "Keyword argument not understood" in str(exc):
            raise Absent(f"argument {exc.args[-1]} is not in tf_keras") from exc
        raise


def _compare_by_index(
    model: bytes, inputs: dict[str, np.ndarray], expected: dict[str, np.ndarray], runtime: str
) -> float:
    """census_models' comparison, but the inputs fed by index (as users feed, in
    get_input_details() order) and string outputs compared exactly."""
    from opbridge.comparison import max_abs_error
    from opbridge.running import SignatureSession

    session = SignatureSession(model, runtime)
    session.set_inputs([inputs[name] for name in session._index_order])
    session.interpreter.invoke()
    actual = {name: session.interpreter.get_tensor(i) for name, i in session.output_ids.items()}
    if set(actual) != set(expected):
        raise AssertionError(f"outputs {sorted(actual)}, TF gives {sorted(expected)}")
    errors = []
    for k, want in expected.items():
        got = actual[k]
        if want.dtype.kind in "OSU" or got.dtype.kind in "OSU":
            same = want.shape == got.shape and all(
                (a.decode() if isinstance(a, bytes) else str(a))
                == (b.decode() if isinstance(b, bytes) else str(b))
                for a, b in zip(want.ravel(), got.ravel(), strict=True)
            )
            errors.append(0.0 if same else float("inf"))
        else:
            errors.append(max_abs_error(want, got))
    return max(errors)


cm._compare = _compare_by_index  # census_one looks it up at call time


# --- inputs ---------------------------------------------------------------------

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ran", "far"]


def _data(rng: np.random.Generator, shape: tuple[int, ...], kind: Any) -> np.ndarray:
    shape = (cm.BATCH, *shape)
    if kind == "f":
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "u01":
        return rng.uniform(0, 1, shape).astype(np.float32)
    if kind == "u255":
        return rng.uniform(0, 255, shape).astype(np.float32)
    if kind == "str":
        return rng.choice(np.array([w.encode() for w in [*WORDS, "unk"]], dtype=object), shape)
    if kind == "sentence":
        words = [*WORDS, "zebra"]
        return np.array(
            [" ".join(rng.choice(words, rng.integers(2, 7))).encode() for _ in range(int(np.prod(shape)))],
            dtype=object,
        ).reshape(shape)
    if isinstance(kind, tuple) and kind[0] == "int":
        return rng.integers(0, kind[1], shape).astype(kind[2] if len(kind) > 2 else np.int32)
    raise ValueError(kind)


def _dtype(kind: Any) -> str:
    if kind in ("str", "sentence"):
        return "string"
    if isinstance(kind, tuple):
        return np.dtype(kind[2] if len(kind) > 2 else np.int32).name
    return "float32"


def _legacy_reference(model: Any) -> Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """TF's outputs of a tf_keras model, keyed as its serving signature keys them:
    by `model.output_names` (the layers that make them: "lstm", "lstm_1", ...), in
    flattening order, where census_models' reference would say output_0, ..."""

    def reference(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        import tensorflow as tf

        xs = [inputs[t.name] for t in model.inputs]
        out = tf.nest.flatten(model(xs if len(xs) > 1 else xs[0], training=False))
        return {n: np.asarray(v) for n, v in zip(model.output_names, out, strict=True)}

    return reference


def layer_row(name: str, what: str, call: Callable[..., Any], *inputs: tuple[tuple[int, ...], Any]) -> None:
    """A row: `call(keras, *input_tensors)` gives the output(s) of a model over
    inputs of the given (shape without batch, kind)."""

    def build(rng: np.random.Generator) -> cm.Case:
        keras = _keras()
        tensors = [
            keras.Input(shape, dtype=_dtype(kind), name=f"x{i}") for i, (shape, kind) in enumerate(inputs)
        ]
        with _absent_in_legacy():
            model = keras.Model(tensors, call(keras, *tensors))
        data = {f"x{i}": _data(rng, shape, kind) for i, (shape, kind) in enumerate(inputs)}
        return cm.Case(model, data, _legacy_reference(model) if LEGACY else None)

    ROWS[name] = ("layer", what)
    cm.architecture(name, what)(build)


def application_row(name: str, size: int, extended: bool = False) -> None:
    def build(rng: np.random.Generator) -> cm.Case:
        keras = _keras()
        with _absent_in_legacy():
            application = getattr(keras.applications, name)
        model = application(weights=None, input_shape=(size, size, 3), classes=10)
        (input_name,) = [t.name for t in model.inputs]
        data = {input_name: rng.uniform(0, 255, (cm.BATCH, size, size, 3)).astype(np.float32)}
        return cm.Case(model, data, _legacy_reference(model) if LEGACY else None)

    what = f"keras.applications.{name}(weights=None, input {size}x{size}x3, classes=10)"
    ROWS[name] = ("application-extended" if extended else "application", what)
    cm.architecture(name, what)(build)


# --- applications -------------------------------------------------------------------

# The smallest of each family runs by default; --all adds the deeper and wider
# variants (same blocks, more of them; minutes each on 2 cores).
for _name, _size in [
    ("ResNet50", 32),
    ("ResNet50V2", 32),
    ("VGG16", 32),
    ("Xception", 71),
    ("InceptionV3", 75),
    ("InceptionResNetV2", 75),
    ("MobileNet", 32),
    ("MobileNetV2", 32),
    ("MobileNetV3Small", 32),
    ("MobileNetV3Large", 32),
    ("DenseNet121", 32),
    ("NASNetMobile", 32),
    ("EfficientNetB0", 32),
    ("EfficientNetV2B0", 32),
    ("ConvNeXtTiny", 32),
]:
    application_row(_name, _size)
for _name in [
    "ResNet101", "ResNet152", "ResNet101V2", "ResNet152V2", "VGG19", "DenseNet169", "DenseNet201",
    "NASNetLarge", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
    "EfficientNetB6", "EfficientNetB7", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L", "ConvNeXtSmall", "ConvNeXtBase",
    "ConvNeXtLarge", "ConvNeXtXLarge",
]:  # fmt: skip
    application_row(_name, 32, extended=True)


# --- layers -------------------------------------------------------------------------

F1 = ((5,), "f")
SEQ = ((6, 4), "f")
IMG = ((8, 8, 3), "f")
VOL = ((6, 6, 6, 2), "f")
PIX = ((12, 12, 3), "u255")
L = layer_row

# core
L("Dense", "Dense(8, relu)", lambda k, x: k.layers.Dense(8, activation="relu")(x), F1)
L(
    "EinsumDense",
    "EinsumDense('abc,cd->abd', (None, 8), bias_axes='d')",
    lambda k, x: k.layers.EinsumDense("abc,cd->abd", (None, 8), bias_axes="d")(x),
    SEQ,
)
L(
    "Embedding",
    "Embedding(20, 4) on int32 ids",
    lambda k, x: k.layers.Embedding(20, 4)(x),
    ((6,), ("int", 20)),
)
L(
    "ReversibleEmbedding",
    "ReversibleEmbedding(20, 4), embed then reverse",
    lambda k, x: (lambda e: e(e(x), reverse=True))(k.layers.ReversibleEmbedding(20, 4)),
    ((6,), ("int", 20)),
)
L("Identity", "Identity", lambda k, x: k.layers.Identity()(x), F1)
L(
    "Masking+LSTM",
    "Masking(0.) then LSTM(4) (zero steps skipped)",
    lambda k, x: k.layers.LSTM(4)(k.layers.Masking(0.0)(x)),
    SEQ,
)
L("Lambda", "Lambda(x * 2 + 1)", lambda k, x: k.layers.Lambda(lambda t: t * 2 + 1)(x), F1)
# convolution
L("Conv1D", "Conv1D(4, 3)", lambda k, x: k.layers.Conv1D(4, 3)(x), ((10, 3), "f"))
L(
    "Conv1D-causal",
    "Conv1D(4, 3, padding='causal', dilation 2)",
    lambda k, x: k.layers.Conv1D(4, 3, padding="causal", dilation_rate=2)(x),
    ((10, 3), "f"),
)
L(
    "Conv2D",
    "Conv2D(4, 3, strides 2, same)",
    lambda k, x: k.layers.Conv2D(4, 3, strides=2, padding="same")(x),
    IMG,
)
L("Conv2D-dilated", "Conv2D(4, 3, dilation 2)", lambda k, x: k.layers.Conv2D(4, 3, dilation_rate=2)(x), IMG)
L(
    "Conv2D-groups",
    "Conv2D(4, 3, groups=2) on 4 channels",
    lambda k, x: k.layers.Conv2D(4, 3, groups=2)(x),
    ((8, 8, 4), "f"),
)
L("Conv3D", "Conv3D(4, 3)", lambda k, x: k.layers.Conv3D(4, 3)(x), VOL)
L(
    "Conv1DTranspose",
    "Conv1DTranspose(4, 3, strides 2)",
    lambda k, x: k.layers.Conv1DTranspose(4, 3, strides=2)(x),
    ((10, 3), "f"),
)
L(
    "Conv2DTranspose",
    "Conv2DTranspose(4, 3, strides 2, same)",
    lambda k, x: k.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x),
    IMG,
)
L(
    "Conv3DTranspose",
    "Conv3DTranspose(2, 3, strides 2)",
    lambda k, x: k.layers.Conv3DTranspose(2, 3, strides=2)(x),
    VOL,
)
L("DepthwiseConv1D", "DepthwiseConv1D(3)", lambda k, x: k.layers.DepthwiseConv1D(3)(x), ((10, 3), "f"))
L(
    "DepthwiseConv2D",
    "DepthwiseConv2D(3, depth_multiplier 2)",
    lambda k, x: k.layers.DepthwiseConv2D(3, depth_multiplier=2)(x),
    IMG,
)
L("SeparableConv1D", "SeparableConv1D(4, 3)", lambda k, x: k.layers.SeparableConv1D(4, 3)(x), ((10, 3), "f"))
L("SeparableConv2D", "SeparableConv2D(4, 3)", lambda k, x: k.layers.SeparableConv2D(4, 3)(x), IMG)
# pooling
for _d, _shape in ((1, ((10, 3), "f")), (2, IMG), (3, VOL)):
    L(
        f"MaxPooling{_d}D",
        f"MaxPooling{_d}D(2)",
        lambda k, x, d=_d: getattr(k.layers, f"MaxPooling{d}D")(2)(x),
        _shape,
    )
    L(
        f"AveragePooling{_d}D",
        f"AveragePooling{_d}D(2, same)",
        lambda k, x, d=_d: getattr(k.layers, f"AveragePooling{d}D")(2, padding="same")(x),
        _shape,
    )
    L(
        f"GlobalMaxPooling{_d}D",
        f"GlobalMaxPooling{_d}D",
        lambda k, x, d=_d: getattr(k.layers, f"GlobalMaxPooling{d}D")()(x),
        _shape,
    )
    L(
        f"GlobalAveragePooling{_d}D",
        f"GlobalAveragePooling{_d}D",
        lambda k, x, d=_d: getattr(k.layers, f"GlobalAveragePooling{d}D")()(x),
        _shape,
    )
    L(
        f"AdaptiveAveragePooling{_d}D",
        f"AdaptiveAveragePooling{_d}D(3)",
        lambda k, x, d=_d: getattr(k.layers, f"AdaptiveAveragePooling{d}D")(3)(x),
        _shape,
    )
    L(
        f"AdaptiveMaxPooling{_d}D",
        f"AdaptiveMaxPooling{_d}D(3)",
        lambda k, x, d=_d: getattr(k.layers, f"AdaptiveMaxPooling{d}D")(3)(x),
        _shape,
    )
# recurrent
L("LSTM", "LSTM(6)", lambda k, x: k.layers.LSTM(6)(x), SEQ)
L(
    "LSTM-sequences",
    "LSTM(6, return_sequences, return_state)",
    lambda k, x: k.layers.LSTM(6, return_sequences=True, return_state=True)(x),
    SEQ,
)
L("GRU", "GRU(6, return_sequences)", lambda k, x: k.layers.GRU(6, return_sequences=True)(x), SEQ)
L("SimpleRNN", "SimpleRNN(6)", lambda k, x: k.layers.SimpleRNN(6)(x), SEQ)
L(
    "Bidirectional",
    "Bidirectional(LSTM(4, return_sequences))",
    lambda k, x: k.layers.Bidirectional(k.layers.LSTM(4, return_sequences=True))(x),
    SEQ,
)
L(
    "RNN-stacked-cells",
    "RNN(StackedRNNCells([LSTMCell(4), GRUCell(4)]))",
    lambda k, x: k.layers.RNN(k.layers.StackedRNNCells([k.layers.LSTMCell(4), k.layers.GRUCell(4)]))(x),
    SEQ,
)
L(
    "RNN-SimpleRNNCell-reverse",
    "RNN(SimpleRNNCell(4), go_backwards)",
    lambda k, x: k.layers.RNN(k.layers.SimpleRNNCell(4), go_backwards=True)(x),
    SEQ,
)
L("ConvLSTM1D", "ConvLSTM1D(3, 3)", lambda k, x: k.layers.ConvLSTM1D(3, 3)(x), ((4, 8, 2), "f"))
L(
    "ConvLSTM2D",
    "ConvLSTM2D(3, 3, same)",
    lambda k, x: k.layers.ConvLSTM2D(3, 3, padding="same")(x),
    ((4, 6, 6, 2), "f"),
)
L("ConvLSTM3D", "ConvLSTM3D(2, 3)", lambda k, x: k.layers.ConvLSTM3D(2, 3)(x), ((3, 5, 5, 5, 1), "f"))
L(
    "TimeDistributed",
    "TimeDistributed(Dense(4))",
    lambda k, x: k.layers.TimeDistributed(k.layers.Dense(4))(x),
    SEQ,
)
# attention
L(
    "MultiHeadAttention",
    "MultiHeadAttention(2 heads, key_dim 4), self-attention",
    lambda k, x: k.layers.MultiHeadAttention(2, 4)(x, x),
    SEQ,
)
L(
    "MultiHeadAttention-causal",
    "MultiHeadAttention(2, 4, use_causal_mask), cross to 5 keys",
    lambda k, q, v: k.layers.MultiHeadAttention(2, 4)(q, v, use_causal_mask=True),
    SEQ,
    ((5, 4), "f"),
)
L(
    "GroupQueryAttention",
    "GroupQueryAttention(head_dim 4, 4 query / 2 kv heads)",
    lambda k, x: k.layers.GroupQueryAttention(4, 4, 2)(x, x),
    SEQ,
)
L(
    "Attention",
    "Attention(use_scale) [query, value]",
    lambda k, q, v: k.layers.Attention(use_scale=True)([q, v]),
    SEQ,
    ((5, 4), "f"),
)
L(
    "Attention-causal",
    "Attention(use_causal_mask) [x, x]",
    lambda k, x: k.layers.Attention()([x, x], use_causal_mask=True),
    SEQ,
)
L(
    "AdditiveAttention",
    "AdditiveAttention [query, value]",
    lambda k, q, v: k.layers.AdditiveAttention()([q, v]),
    SEQ,
    ((5, 4), "f"),
)
# normalization
L("BatchNormalization", "BatchNormalization (inference)", lambda k, x: k.layers.BatchNormalization()(x), IMG)
L("LayerNormalization", "LayerNormalization", lambda k, x: k.layers.LayerNormalization()(x), SEQ)
L(
    "GroupNormalization",
    "GroupNormalization(2) on 4 channels",
    lambda k, x: k.layers.GroupNormalization(2)(x),
    ((8, 8, 4), "f"),
)
L("RMSNormalization", "RMSNormalization", lambda k, x: k.layers.RMSNormalization()(x), SEQ)
L(
    "SpectralNormalization",
    "SpectralNormalization(Dense(4))",
    lambda k, x: k.layers.SpectralNormalization(k.layers.Dense(4))(x),
    F1,
)
L("UnitNormalization", "UnitNormalization", lambda k, x: k.layers.UnitNormalization()(x), SEQ)
# merging
for _m in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"):
    L(_m, f"{_m} of two inputs", lambda k, a, b, m=_m: getattr(k.layers, m)()([a, b]), SEQ, SEQ)
L("Dot", "Dot(axes=2, normalize)", lambda k, a, b: k.layers.Dot(axes=2, normalize=True)([a, b]), SEQ, SEQ)
# reshaping
L("Flatten", "Flatten", lambda k, x: k.layers.Flatten()(x), IMG)
L("Reshape", "Reshape((4, 6))", lambda k, x: k.layers.Reshape((4, 6))(x), SEQ)
L("Permute", "Permute((2, 1))", lambda k, x: k.layers.Permute((2, 1))(x), SEQ)
L("RepeatVector", "RepeatVector(3)", lambda k, x: k.layers.RepeatVector(3)(x), F1)
for _d, _shape in ((1, ((10, 3), "f")), (2, IMG), (3, VOL)):
    L(
        f"Cropping{_d}D",
        f"Cropping{_d}D(1)",
        lambda k, x, d=_d: getattr(k.layers, f"Cropping{d}D")(1)(x),
        _shape,
    )
    L(
        f"UpSampling{_d}D",
        f"UpSampling{_d}D(2)",
        lambda k, x, d=_d: getattr(k.layers, f"UpSampling{d}D")(2)(x),
        _shape,
    )
    L(
        f"ZeroPadding{_d}D",
        f"ZeroPadding{_d}D(1)",
        lambda k, x, d=_d: getattr(k.layers, f"ZeroPadding{d}D")(1)(x),
        _shape,
    )
L(
    "UpSampling2D-bilinear",
    "UpSampling2D(2, bilinear)",
    lambda k, x: k.layers.UpSampling2D(2, interpolation="bilinear")(x),
    IMG,
)
# activations
L("ReLU", "ReLU(max_value 6, threshold 0.1)", lambda k, x: k.layers.ReLU(6.0, threshold=0.1)(x), SEQ)
L("LeakyReLU", "LeakyReLU(0.2)", lambda k, x: k.layers.LeakyReLU(0.2)(x), SEQ)
L("PReLU", "PReLU", lambda k, x: k.layers.PReLU()(x), SEQ)
L("ELU", "ELU", lambda k, x: k.layers.ELU()(x), SEQ)
L("Softmax", "Softmax(axis -1)", lambda k, x: k.layers.Softmax()(x), SEQ)
L(
    "Softmax-mask",
    "Softmax with a boolean mask",
    lambda k, x, m: k.layers.Softmax()(x, mask=m),
    SEQ,
    ((6, 4), ("int", 2, np.bool_)),
)
for _a in ("gelu", "silu", "tanh", "sigmoid", "hard_sigmoid", "hard_silu", "mish", "selu", "softplus",
           "softsign", "log_softmax", "relu6", "celu", "glu", "sparse_plus", "squareplus", "tanh_shrink",
           "hard_tanh", "soft_shrink", "hard_shrink", "sparsemax", "exponential"):  # fmt: skip
    L(f"Activation-{_a}", f"Activation('{_a}')", lambda k, x, a=_a: k.layers.Activation(a)(x), SEQ)
# regularization (inference: identities)
L("Dropout", "Dropout(0.5)", lambda k, x: k.layers.Dropout(0.5)(x), SEQ)
L("SpatialDropout2D", "SpatialDropout2D(0.5)", lambda k, x: k.layers.SpatialDropout2D(0.5)(x), IMG)
L("GaussianDropout", "GaussianDropout(0.5)", lambda k, x: k.layers.GaussianDropout(0.5)(x), SEQ)
L("GaussianNoise", "GaussianNoise(0.5)", lambda k, x: k.layers.GaussianNoise(0.5)(x), SEQ)
L("AlphaDropout", "AlphaDropout(0.5)", lambda k, x: k.layers.AlphaDropout(0.5)(x), SEQ)
L(
    "ActivityRegularization",
    "ActivityRegularization(l1 0.1)",
    lambda k, x: k.layers.ActivityRegularization(0.1)(x),
    SEQ,
)
# preprocessing: text and categories
VOCAB = WORDS[:6]
L(
    "TextVectorization",
    "TextVectorization(vocabulary 6 words, output_sequence_length 5)",
    lambda k, x: k.layers.TextVectorization(vocabulary=VOCAB, output_sequence_length=5)(x),
    ((), "sentence"),
)
L(
    "TextVectorization-multi_hot",
    "TextVectorization(vocabulary, output_mode multi_hot)",
    lambda k, x: k.layers.TextVectorization(vocabulary=VOCAB, output_mode="multi_hot")(x),
    ((), "sentence"),
)
L(
    "StringLookup",
    "StringLookup(vocabulary 6 words)",
    lambda k, x: k.layers.StringLookup(vocabulary=VOCAB)(x),
    ((4,), "str"),
)
L(
    "StringLookup-one_hot",
    "StringLookup(vocabulary, output_mode one_hot)",
    lambda k, x: k.layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(x),
    ((), "str"),
)
L(
    "IntegerLookup",
    "IntegerLookup(vocabulary [3, 5, 7, 11])",
    lambda k, x: k.layers.IntegerLookup(vocabulary=[3, 5, 7, 11])(x),
    ((4,), ("int", 13, np.int64)),
)
L("Hashing-string", "Hashing(num_bins 8) on strings", lambda k, x: k.layers.Hashing(8)(x), ((4,), "str"))
L(
    "Hashing-int",
    "Hashing(num_bins 8, salt 7) on int64",
    lambda k, x: k.layers.Hashing(8, salt=7)(x),
    ((4,), ("int", 1000, np.int64)),
)
L(
    "HashedCrossing",
    "HashedCrossing(num_bins 8) of string and int64",
    lambda k, a, b: k.layers.HashedCrossing(8)((a, b)),
    ((), "str"),
    ((), ("int", 10, np.int64)),
)
L(
    "Discretization",
    "Discretization(bin_boundaries [-1, 0, 1])",
    lambda k, x: k.layers.Discretization([-1.0, 0.0, 1.0])(x),
    SEQ,
)
for _mode in ("one_hot", "multi_hot", "count"):
    _shape = ((), ("int", 6)) if _mode == "one_hot" else ((4,), ("int", 6))
    L(
        f"CategoryEncoding-{_mode}",
        f"CategoryEncoding(num_tokens 6, {_mode})",
        lambda k, x, m=_mode: k.layers.CategoryEncoding(6, output_mode=m)(x),
        _shape,
    )
L(
    "Normalization",
    "Normalization(mean, variance given)",
    lambda k, x: k.layers.Normalization(mean=[0.5, -1.0, 2.0, 0.0], variance=[1.0, 4.0, 0.25, 2.0])(x),
    SEQ,
)
# preprocessing: images (inference mode)
L("Resizing-bilinear", "Resizing(16, 20, bilinear)", lambda k, x: k.layers.Resizing(16, 20)(x), PIX)
L("Resizing-nearest", "Resizing(5, 7, nearest)", lambda k, x: k.layers.Resizing(5, 7, "nearest")(x), PIX)
L("Resizing-bicubic", "Resizing(16, 16, bicubic)", lambda k, x: k.layers.Resizing(16, 16, "bicubic")(x), PIX)
L(
    "Resizing-crop",
    "Resizing(8, 6, crop_to_aspect_ratio)",
    lambda k, x: k.layers.Resizing(8, 6, crop_to_aspect_ratio=True)(x),
    PIX,
)
L(
    "Resizing-pad",
    "Resizing(8, 6, pad_to_aspect_ratio)",
    lambda k, x: k.layers.Resizing(8, 6, pad_to_aspect_ratio=True)(x),
    PIX,
)
L("CenterCrop", "CenterCrop(8, 6)", lambda k, x: k.layers.CenterCrop(8, 6)(x), PIX)
L("Rescaling", "Rescaling(1/127.5, offset -1)", lambda k, x: k.layers.Rescaling(1 / 127.5, offset=-1)(x), PIX)
L("AutoContrast", "AutoContrast(value_range (0, 255))", lambda k, x: k.layers.AutoContrast((0, 255))(x), PIX)
L("Equalization", "Equalization(value_range (0, 255))", lambda k, x: k.layers.Equalization((0, 255))(x), PIX)
L(
    "Solarization",
    "Solarization(threshold_factor 0.5, value_range (0, 255))",
    lambda k, x: k.layers.Solarization(threshold_factor=0.5, value_range=(0, 255))(x),
    PIX,
)
L(
    "CLAHE",
    "ContrastLimitedAdaptiveHistogramEqualization(value_range (0, 255), tile 4x4)",
    lambda k, x: k.layers.ContrastLimitedAdaptiveHistogramEqualization((0, 255), tile_grid_size=(4, 4))(x),
    ((16, 16, 3), "u255"),
)
L(
    "MaxNumBoundingBoxes",
    "MaxNumBoundingBoxes(4) on images only",
    lambda k, x: k.layers.MaxNumBoundingBoxes(4)(x),
    PIX,
)
L(
    "Pipeline",
    "Pipeline([Rescaling, Resizing(6, 6), CenterCrop(4, 4)])",
    lambda k, x: k.layers.Pipeline(
        [k.layers.Rescaling(1 / 255), k.layers.Resizing(6, 6), k.layers.CenterCrop(4, 4)]
    )(x),
    PIX,
)
_RANDOM = {
    "RandomFlip": {}, "RandomRotation": {"factor": 0.2}, "RandomZoom": {"height_factor": 0.2},
    "RandomTranslation": {"height_factor": 0.2, "width_factor": 0.2}, "RandomContrast": {"factor": 0.2},
    "RandomBrightness": {"factor": 0.2}, "RandomCrop": {"height": 8, "width": 8},
    "RandomHue": {"factor": 0.2},
    "RandomSaturation": {"factor": 0.2}, "RandomSharpness": {"factor": 0.2}, "RandomShear": {"x_factor": 0.2},
    "RandomPerspective": {}, "RandomGrayscale": {}, "RandomColorJitter": {"brightness_factor": 0.2},
    "RandomColorDegeneration": {"factor": 0.2}, "RandomPosterization": {"factor": (1, 4)},
    "RandomInvert": {}, "RandomGaussianBlur": {}, "RandomErasing": {}, "RandomElasticTransform": {},
    "AugMix": {}, "CutMix": {}, "MixUp": {}, "RandAugment": {},
}  # fmt: skip
for _r, _kw in _RANDOM.items():
    L(
        _r,
        f"{_r}({', '.join(f'{a}={v}' for a, v in _kw.items())}), training=False",
        lambda k, x, r=_r, kw=_kw: getattr(k.layers, r)(**kw, seed=1)(x, training=False),
        PIX,
    )
# preprocessing: audio
L(
    "MelSpectrogram",
    "MelSpectrogram(fft 64, stride 16, 16 mels, rate 8000)",
    lambda k, x: k.layers.MelSpectrogram(
        fft_length=64, sequence_stride=16, num_mel_bins=16, sampling_rate=8000
    )(x),
    ((256,), "f"),
)
L(
    "STFTSpectrogram",
    "STFTSpectrogram(frame 32, stride 8, fft 32, hann, magnitude)",
    lambda k, x: k.layers.STFTSpectrogram(mode="magnitude", frame_length=32, frame_step=8, fft_length=32)(x),
    ((128, 1), "f"),
)
L(
    "STFTSpectrogram-log",
    "STFTSpectrogram(frame 32, stride 8, log)",
    lambda k, x: k.layers.STFTSpectrogram(mode="log", frame_length=32, frame_step=8, fft_length=32)(x),
    ((128, 1), "f"),
)
L(
    "STFTSpectrogram-complex",
    "STFTSpectrogram(frame 32, stride 8, real and imag)",
    lambda k, x: k.layers.STFTSpectrogram(mode="real", frame_length=32, frame_step=8, fft_length=32)(x),
    ((128, 1), "f"),
)


# --- running --------------------------------------------------------------------------


def _string_safe_input_specs() -> None:
    """opbridge.source.ModelSource.input_specs does np.dtype("string") for a Keras
    string input, which raises (census_one calls it to check the row's input
    names; opbridge.convert itself does not): give such inputs dtype object."""
    from opbridge import source

    def input_specs(self: Any) -> list[Any]:
        if self.keras_model is None or self.legacy_keras:  # tf_keras' dtypes are tf.DTypes
            return original(self)
        return [
            source.InputSpec(t.name, tuple(t.shape), np.dtype(object if t.dtype == "string" else t.dtype))
            for t in self.keras_model.inputs
        ]

    original = source.ModelSource.input_specs
    source.ModelSource.input_specs = input_specs


@contextlib.contextmanager
def _lock(path: str | None) -> Iterator[None]:
    """Holds an flock on path (when given) for one row: the run as a whole is long."""
    if not path:
        yield
        return
    import fcntl

    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


SKIPPED = "skipped"  # a Finding's parity for a row whose layer tf_keras lacks


def use_legacy() -> None:
    """--legacy: the rows are built with tf_keras; the stock converter's builtins-only
    run converts the tf_keras model with from_keras_model (census_models' would
    wrap it in a tf.function, as it does for anything but a Keras 3 model)."""
    global LEGACY
    LEGACY = True
    # tf.keras is tf_keras too, as in a Keras 2 user's process (set before TensorFlow is imported):
    # tf_keras' own SpectralNormalization builds a tf.keras InputSpec, which Keras 3's would not be.
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    for name, (group, what) in ROWS.items():
        if what.startswith("keras."):
            what = "tf_" + what
        ROWS[name] = (group, what)
        cm.ARCHITECTURES[name].what = what
    original = cm._builtins_only

    def builtins_only(tf: Any, model: Any) -> bytes:
        import tf_keras

        if not isinstance(model, tf_keras.Model):
            return original(tf, model)
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        with cm._quiet():
            return bytes(converter.convert())

    cm._builtins_only = builtins_only


def _census_row(name: str) -> Any:
    try:
        finding = cm.census_one(name)
        if LEGACY:
            # census_one calls anything but a Keras 3 model a tf.function; the tf_keras model converted.
            finding.route = "tf_keras model"
    except Absent as exc:
        finding = cm.Finding(name, ROWS[name][1], error=str(exc), parity=SKIPPED)
    except Exception as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        message = lines[-1] if lines and lines[0] == "in user code:" else cm._first_line(str(exc))
        finding = cm.Finding(name, ROWS[name][1], error=f"{type(exc).__name__}: {message}", parity="-")
    _keras().backend.clear_session()
    gc.collect()
    return finding


def run_rows(names: list[str], timeout: float, lock: str | None = None) -> list[Any]:
    """The rows in one child process, restarted after a crash or a timeout."""
    findings: dict[str, Any] = {}
    remaining = list(names)
    with tempfile.TemporaryDirectory(prefix="census-keras-") as scratch:
        while remaining:
            out = Path(scratch) / f"rows{len(findings)}.jsonl"
            out.write_text("")
            log = (Path(scratch) / f"rows{len(findings)}.log").open("w")
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--child",
                    *remaining,
                    "--child-out",
                    str(out),
                    *(["--legacy"] if LEGACY else []),
                    *(["--lock", lock] if lock else []),
                ],
                stdout=subprocess.DEVNULL,
                # A file, not a pipe: TF's logging would fill a pipe nobody reads and stall the child.
                stderr=log,
            )
            started, current, seen = time.monotonic(), None, 0
            while True:
                lines = out.read_text().splitlines()
                for line in lines[seen:]:
                    if not line.endswith("}"):
                        break
                    record = json.loads(line)
                    seen += 1
                    if "start" in record:
                        current, started = record["start"], time.monotonic()
                    else:
                        f = cm.Finding(**record)
                        findings[f.name] = f
                        print(
                            f"{f.name} ({f.seconds:.0f} s): "
                            + (f.error or f"{f.builtins} / {f.opbridge} / {cm._parity_cell(f)}"),
                            flush=True,
                        )
                        current = None
                if proc.poll() is not None:
                    break
                if current and time.monotonic() - started > timeout:
                    proc.kill()
                    proc.wait()
                    findings[current] = cm.Finding(
                        current, ROWS[current][1], error=f"timed out after {timeout:.0f} s", parity="-"
                    )
                    print(f"{current}: timed out", flush=True)
                    break
                time.sleep(0.3)
            if current and current not in findings:
                log.close()
                text = Path(log.name).read_text(errors="replace")
                tail = [line for line in text.splitlines() if line.strip()][-2:]
                findings[current] = cm.Finding(
                    current,
                    ROWS[current][1],
                    error=f"crashed (exit {proc.returncode}): " + " / ".join(tail)[-200:],
                    parity="-",
                )
                print(f"{current}: {findings[current].error}", flush=True)
            log.close()
            remaining = [n for n in remaining if n not in findings]
    return [findings[n] for n in names]


# --- report -------------------------------------------------------------------------


_HEAD = """# Keras applications and layers (generated)

Generated by `{command}` on {date} with {versions}; do not edit by hand \
(tools/census_keras.py regenerates it; docs/models-keras.json has the same findings).

Each row is a keras.applications architecture (weights=None, seeded random weights, classes=10,
the smallest input it allows) or a keras.layers class in a small Keras model (typical arguments,
batch dynamic), converted with the stock converter and TFLite builtins only (`from_keras_model`),
then with `opbridge.convert`; the opbridge model runs in LiteRT and TF's TFLite interpreter"""

_LEGACY_HEAD = """# tf_keras (Keras 2) applications and layers (generated)

Generated by `{command}` on {date} with {versions}; do not edit by hand (tools/census_keras.py --legacy \
regenerates it; docs/models-tf-keras.json has the same findings).

The rows of docs/models-keras.md built with tf_keras (Keras 2: `import tf_keras`, or tf.keras
under TF_USE_LEGACY_KERAS=1) instead of Keras 3: each a tf_keras.applications architecture
(weights=None, seeded random weights, classes=10, the smallest input it allows) or a
tf_keras.layers class in a small functional model (typical arguments, batch dynamic), converted
with the stock converter and TFLite builtins only (`from_keras_model`, which exports a tf_keras
model with tf.saved_model.save), then with `opbridge.convert` (which exports it the same way);
the opbridge model runs in LiteRT and TF's TFLite interpreter"""


def markdown(findings: list[Any], versions: dict[str, str], command: str) -> str:
    prefix = "tf_keras." if LEGACY else "keras."
    groups = {
        "application": prefix + "applications",
        "application-extended": prefix + "applications",
        "layer": prefix + "layers",
    }
    skipped = [f for f in findings if f.parity == SKIPPED]
    findings = [f for f in findings if f.parity != SKIPPED]
    builtins = sum(f.builtins_converts for f in findings)
    opbridge = sum(f.opbridge_converts for f in findings)
    match = sum(f.parity == "match" for f in findings)
    head = (_LEGACY_HEAD if LEGACY else _HEAD).format(
        command=command,
        date=datetime.date.today().isoformat(),
        versions=", ".join(f"{k} {v}" for k, v in versions.items()),
    )
    lines = [
        *head.splitlines(),
        f"(inputs fed by index, batch {cm.BATCH}) and is compared with the Keras model in TF",
        f"(training=False): `match` is max |TFLite - TF| <= {cm.TOLERANCE:g} x max |TF| in both runtimes",
        f"(integer outputs: exact below a scale of {1 / cm.TOLERANCE:g}; strings: exact). Random",
        "augmentation layers are called with training=False (their inference path). The default run has",
        "the smallest model of each applications family; `--all` adds the deeper and wider ones (same",
        "blocks). The conversion and comparison code is tools/census_models.py's.",
        "",
        f"- {len(findings)} rows; {builtins} convert with builtins only; {opbridge} convert with opbridge",
        f"  (every custom op has a kernel); {match} match TF in both runtimes.",
    ]
    if skipped:
        lines.append(
            f"- {len(skipped)} rows of the Keras 3 census skipped, their layer, activation or argument not in"
            " tf_keras: " + "; ".join(f"{f.name} ({f.error})" for f in skipped) + "."
        )
    left: dict[str, list[str]] = {}
    for f in findings:
        for op in f.custom_ops:
            left.setdefault(op, []).append(f.name)
    if left:
        lines.append(
            "- Custom ops opbridge.convert leaves: "
            + "; ".join(f"{op} ({', '.join(n)})" for op, n in sorted(left.items()))
            + "."
        )
    lines += [
        "",
        "| row | from | built | builtins only | with opbridge | custom ops with kernels | ops left"
        " | parity |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in findings:
        group = groups[ROWS[f.name][0]] if f.name in ROWS else "?"
        if f.error:
            cells = [f.name, group, f.what, "-", f"census failed: {f.error}", "-", "-", "-"]
        else:
            cells = [
                f.name, group, f.what, f.builtins, f.opbridge,
                cm._ops_cell(f.custom_ops, f.covered), cm._ops_cell(f.custom_ops, f.missing),
                cm._parity_cell(f),
            ]  # fmt: skip
        lines.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    failures = [f for f in findings if f.error or f.parity != "match"]
    lines += ["", "## Failures", ""]
    if not failures:
        lines.append("None.")
    for f in failures:
        if f.error:
            why = "census failed: " + f.error
        elif not f.opbridge_converts:
            why = "opbridge " + f.opbridge
        elif f.parity == "run fails":
            why = "run fails: " + "; ".join(f"{r}: {e}" for r, e in f.run.items() if e != "ok")
        else:
            why = f"{f.parity}: {cm._parity_cell(f)}, max |TF| {f.max_abs_tf:.1e}"
        lines.append(
            f"- {f.name}: {cm._first_line(why, 300)} (builtins only: {cm._first_line(f.builtins, 200)})"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="rows to run (the rest kept from the JSON)")
    parser.add_argument("--all", action="store_true", help="also the larger keras.applications variants")
    parser.add_argument("--legacy", action="store_true", help="build the rows with tf_keras (Keras 2)")
    parser.add_argument("--out", type=Path, help="docs/models-keras.md (--legacy: docs/models-tf-keras.md)")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per row")
    parser.add_argument("--list", action="store_true")
    parser.add_argument(
        "--lock",
        help="a file to flock around each row (a shared machine's build lock), e.g. /tmp/opbridge.lock",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.legacy:
        use_legacy()
    if args.out is None:
        args.out = ROOT / "docs" / ("models-tf-keras.md" if args.legacy else "models-keras.md")
    if args.list:
        for name, (group, what) in ROWS.items():
            print(f"{name} [{group}]: {what}")
        return 0
    if args.child:
        _string_safe_input_specs()
        with args.child_out.open("a") as out:
            for name in args.child:
                with _lock(args.lock):
                    out.write(json.dumps({"start": name}) + "\n")
                    out.flush()
                    finding = _census_row(name)
                out.write(json.dumps(asdict(finding)) + "\n")
                out.flush()
        return 0

    default = [n for n, (g, _) in ROWS.items() if args.all or g != "application-extended"]
    names = args.only or default
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        print(f"census_keras: unknown rows: {', '.join(unknown)}", file=sys.stderr)
        return 2
    json_path = args.out.with_suffix(".json")
    by_name: dict[str, Any] = {}
    if args.only and json_path.exists():
        by_name = {f["name"]: cm.Finding(**f) for f in json.loads(json_path.read_text())}
    start = time.perf_counter()
    for f in run_rows(names, args.timeout, args.lock):
        by_name[f.name] = f
    print(f"{len(names)} rows in {(time.perf_counter() - start) / 60:.1f} min")
    findings = [by_name[n] for n in ROWS if n in by_name]
    command = (
        "python tools/census_keras.py --lock /tmp/opbridge.lock"
        + (" --legacy" if args.legacy else "")
        + (" --all" if args.all else "")
    )
    versions = cm._versions()
    if args.legacy:
        from importlib.metadata import version

        versions = {**versions, "tf-keras": version("tf-keras")}
    args.out.write_text(markdown(findings, versions, command))
    json_path.write_text(json.dumps([asdict(f) for f in findings], indent=1) + "\n")
    print(f"wrote {args.out} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
