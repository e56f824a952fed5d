"""`opbridge.convert`: TF model in, .tflite bytes out, every custom op covered."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from . import _tf_library, tflite_model
from .catalog import list_ops
from .errors import UnsupportedOpsError
from .interpreter import registerers

QUANTIZE_MODES = ("none", "dynamic", "float16", "int8")


def check_coverage(model: bytes) -> dict[str, int]:
    """Counts of each custom op the model uses; raises UnsupportedOpsError if any has no kernel."""
    counts = tflite_model.custom_op_counts(model)
    available = set(list_ops())
    missing = {name: count for name, count in counts.items() if name not in available}
    if missing:
        raise UnsupportedOpsError(missing)
    return counts


def _holder(tf: Any, function: Any) -> Any:
    """A tf.Module holding the function. Given as the converter's trackable_obj it
    makes the model carry a "serving_default" SignatureDef (named inputs and
    outputs, signature runners); a bare function, or none, gives no signature."""
    module = tf.Module()
    module.function = function
    return module


def _converter(tf: Any, source: Any) -> Any:
    lite = tf.lite.TFLiteConverter
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            return lite.from_saved_model(str(path))
        if path.suffix == ".keras" and path.is_file():
            import keras

            return lite.from_keras_model(keras.models.load_model(path))
        raise FileNotFoundError(f"{path}: not a SavedModel directory or a .keras file")
    if isinstance(source, tf.types.experimental.ConcreteFunction):
        return lite.from_concrete_functions([source], _holder(tf, source))
    if isinstance(source, tf.types.experimental.PolymorphicFunction):
        if source.input_signature is None:
            raise TypeError(
                "opbridge.convert: the tf.function has no input_signature; give it one "
                "(@tf.function(input_signature=[...])) or pass a concrete function"
            )
        return lite.from_concrete_functions([source.get_concrete_function()], _holder(tf, source))
    try:
        import keras

        if isinstance(source, keras.Model):
            return lite.from_keras_model(source)
    except ImportError:
        pass
    raise TypeError(
        "opbridge.convert: source must be a tf.function with an input_signature, a concrete function, "
        f"a Keras model, or a SavedModel directory; got {type(source).__name__}"
    )


def _samples(data: Any) -> Callable[[], Iterator[list[np.ndarray]]]:
    """A TF representative_dataset from: a callable returning samples, or an iterable of
    samples, where a sample is one array (a one-input model) or a list/tuple of arrays."""
    if callable(data):
        return data

    def generate() -> Iterator[list[np.ndarray]]:
        for sample in data:
            arrays = list(sample) if isinstance(sample, (list, tuple)) else [sample]
            yield [np.asarray(a) for a in arrays]

    return generate


def _apply_quantization(tf: Any, converter: Any, quantize: str | None, representative_data: Any) -> None:
    mode = quantize or "none"
    if mode not in QUANTIZE_MODES:
        raise ValueError(f"opbridge.convert: quantize must be one of {QUANTIZE_MODES}, got {quantize!r}")
    if mode == "none":
        if representative_data is not None:
            raise ValueError("opbridge.convert: representative_data is only used with quantize='int8'")
        return
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif mode == "int8":
        if representative_data is None:
            raise ValueError("opbridge.convert: quantize='int8' needs representative_data")
        # Calibration runs the model, custom ops included: they stay float
        # between DEQUANTIZE/QUANTIZE (DESIGN.md, "Converter facts").
        converter.representative_dataset = _samples(representative_data)


def convert(
    source: Any,
    *,
    quantize: str | None = None,
    representative_data: Iterable[Any] | Callable[[], Iterator[Any]] | None = None,
    **converter_options: Any,
) -> bytes:
    """Converts `source` to a .tflite model whose custom ops opbridge implements.

    source: a tf.function with an input_signature, a concrete function, a Keras
    model, a SavedModel directory or a .keras file. quantize: None/"none",
    "dynamic", "float16" or "int8" (needs representative_data). Other keyword
    arguments set TFLiteConverter attributes (e.g. experimental_new_quantizer).
    Raises UnsupportedOpsError naming every custom op no kernel implements.
    """
    _tf_library.load()  # SavedModels with opbridge ops load only once the op library is
    import tensorflow as tf

    converter = _converter(tf, source)
    converter.allow_custom_ops = True
    converter.target_spec._experimental_custom_op_registerers = registerers()
    _apply_quantization(tf, converter, quantize, representative_data)
    for name, value in converter_options.items():
        if not hasattr(converter, name):
            raise TypeError(f"opbridge.convert: TFLiteConverter has no option {name!r}")
        setattr(converter, name, value)
    model = converter.convert()
    check_coverage(model)
    return model
