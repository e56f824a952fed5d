"""A model source (SavedModel directory, .keras file, Keras model, tf.function,
concrete function) and everything the pipeline asks of it: a converter, its
graph's op types, an exported SavedModel, its inputs, and TF's outputs.
Imports TensorFlow."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import rewrite


@dataclass
class InputSpec:
    name: str  # the name in the converted model's signature
    shape: tuple[int | None, ...]
    dtype: np.dtype


def holder(tf: Any, function: Any) -> Any:
    """A tf.Module holding the function. Given as the converter's trackable_obj it
    makes the model carry a "serving_default" SignatureDef (named inputs and
    outputs, signature runners); a bare function, or none, gives no signature."""
    module = tf.Module()
    module.function = function
    return module


def output_names(tf: Any, structure: Any) -> list[str]:
    """The signature names TF gives a function's outputs: dict keys, namedtuple
    fields, or output_0, output_1, ... in flattening order."""
    if isinstance(structure, dict):
        return list(structure)
    if hasattr(structure, "_fields"):
        return list(structure._fields)
    return [f"output_{i}" for i in range(len(tf.nest.flatten(structure)))]


def output_values(tf: Any, structure: Any) -> list[Any]:
    if isinstance(structure, dict):
        return list(structure.values())
    if hasattr(structure, "_fields"):
        return [getattr(structure, f) for f in structure._fields]
    return tf.nest.flatten(structure)


class ModelSource:
    def __init__(self, tf: Any, source: Any) -> None:
        self.tf = tf
        self.saved_model: Path | None = None
        self.keras_model: Any = None
        self.function: Any = None  # a tf.function with an input signature, or a concrete function
        self._loaded_signature: Any = None
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if path.is_dir():
                self.saved_model = path
                return
            if path.suffix == ".keras" and path.is_file():
                import keras

                from . import layers  # noqa: F401 - registers opbridge's layers for deserialization

                self.keras_model = keras.models.load_model(path)
                return
            raise FileNotFoundError(f"{path}: not a SavedModel directory or a .keras file")
        if isinstance(source, tf.types.experimental.ConcreteFunction):
            self.function = source
            return
        if isinstance(source, tf.types.experimental.PolymorphicFunction):
            if source.input_signature is None:
                raise TypeError(
                    "opbridge.convert: the tf.function has no input_signature; give it one "
                    "(@tf.function(input_signature=[...])) or pass a concrete function"
                )
            self.function = source
            return
        try:
            import keras

            if isinstance(source, keras.Model):
                self.keras_model = source
                return
        except ImportError:
            pass
        raise TypeError(
            "opbridge.convert: source must be a tf.function with an input_signature, a concrete function, "
            f"a Keras model, or a SavedModel directory; got {type(source).__name__}"
        )

    def concrete(self) -> Any:
        if isinstance(self.function, self.tf.types.experimental.ConcreteFunction):
            return self.function
        return self.function.get_concrete_function()

    def _signature(self) -> Any:
        if self._loaded_signature is None:
            loaded = self.tf.saved_model.load(str(self.saved_model))
            self._loaded_signature = (loaded, loaded.signatures["serving_default"])
        return self._loaded_signature[1]

    def converter(self) -> Any:
        lite = self.tf.lite.TFLiteConverter
        if self.saved_model is not None:
            return lite.from_saved_model(str(self.saved_model))
        if self.keras_model is not None:
            return lite.from_keras_model(self.keras_model)
        return lite.from_concrete_functions([self.concrete()], holder(self.tf, self.function))

    def uses_any(self, op_types: set[str]) -> bool:
        """Whether the graph has a node of these types (for Keras models, checked
        on the exported SavedModel instead: say yes)."""
        if self.saved_model is not None:
            return bool(set(rewrite.saved_model_op_counts(self.saved_model)) & op_types)
        if self.keras_model is not None:
            return True
        return bool(set(rewrite.op_counts(self.concrete().graph.as_graph_def())) & op_types)

    def export(self, directory: Path) -> Path:
        """The source as a SavedModel (itself if it is one)."""
        if self.saved_model is not None:
            return self.saved_model
        if self.keras_model is not None:
            self.keras_model.export(str(directory), format="tf_saved_model", verbose=False)
            return directory
        self.tf.saved_model.save(holder(self.tf, self.function), str(directory), signatures=self.concrete())
        return directory

    def input_specs(self) -> list[InputSpec]:
        """The model's inputs, in signature order."""
        tf = self.tf
        if self.saved_model is not None:
            specs = self._signature().structured_input_signature[1]
            return [
                InputSpec(k, tuple(v.shape.as_list()), np.dtype(v.dtype.as_numpy_dtype))
                for k, v in specs.items()
            ]
        if self.keras_model is not None:
            return [InputSpec(t.name, tuple(t.shape), np.dtype(t.dtype)) for t in self.keras_model.inputs]
        specs = tf.nest.flatten(self.concrete().structured_input_signature)
        return [
            InputSpec(s.name, tuple(s.shape.as_list()), np.dtype(s.dtype.as_numpy_dtype))
            for s in specs
            if isinstance(s, tf.TensorSpec)
        ]

    def reference(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """TF's outputs for inputs by name, keyed by the converted model's output names."""
        tf = self.tf
        if self.saved_model is not None:
            return {k: np.asarray(v) for k, v in self._signature()(**inputs).items()}
        if self.keras_model is not None:
            xs = [inputs[t.name] for t in self.keras_model.inputs]
            out = self.keras_model(xs if len(xs) > 1 else xs[0])
        else:
            out = self.concrete()(*[inputs[s.name] for s in self.input_specs()])
        return {n: np.asarray(v) for n, v in zip(output_names(tf, out), output_values(tf, out), strict=True)}
