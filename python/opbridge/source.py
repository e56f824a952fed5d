"""A model source (SavedModel directory, .keras file, Keras model, tf.function,
concrete function) and everything the pipeline asks of it: a converter, its
graph's op types, an exported SavedModel, its inputs, and TF's outputs.
Imports TensorFlow."""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import rewrite
from .tflite_model import TensorSlot


@dataclass
class InputSpec:
    name: str  # the name in the converted model's signature
    shape: tuple[int | None, ...]
    dtype: np.dtype


def holder(tf: Any, function: Any) -> Any:
    """A tf.Module holding the function. Given as the converter's trackable_obj it
    makes the model carry a "serving_default" SignatureDef (named inputs and
    outputs, signature runners); a bare function, or none, gives no signature.

    The variables the function captures (a Keras model called inside it) are
    tracked too: saving a module that cannot reach them fails, and the
    converter then drops the signature without a word (docs/design.md)."""
    module = tf.Module()
    module.function = function
    concrete = (
        function
        if isinstance(function, tf.types.experimental.ConcreteFunction)
        else function.get_concrete_function()
    )
    module.captured_variables = list(concrete.variables)
    module.captured_resources = captured_resources(tf, concrete)
    return module


def captured_resources(tf: Any, concrete: Any) -> list[Any]:
    """The resources other than variables (lookup tables) the function captures.

    The converter's concrete-function route turns each captured handle into a
    CUSTOM "Placeholder" node that no runtime can run (one shared by every
    table, docs/design.md, "Resources and lookup tables"); the SavedModel route
    rebuilds the tables in an init subgraph instead. Saving needs the tables'
    Python objects tracked, and a function keeps only their handles: they are
    found as the objects whose resource handle is the captured tensor."""
    import gc

    from tensorflow.python.trackable.resource import CapturableResource

    variables = {id(v.handle) for v in concrete.variables if hasattr(v, "handle")}
    handles = {
        id(external): external
        for external, _ in concrete.graph.captures
        if external.dtype == tf.resource and id(external) not in variables
    }
    found: dict[int, Any] = {}
    for handle in handles.values():
        # The owner refers to the handle directly (Python 3.11 inlines instance
        # dicts) or through its __dict__.
        referrers = gc.get_referrers(handle)
        for ref in list(referrers):
            if isinstance(ref, dict):
                referrers.extend(gc.get_referrers(ref))
        for owner in referrers:
            if isinstance(owner, CapturableResource) and owner._resource_handle_value is handle:
                found[id(owner)] = owner
    return list(found.values())


def signature_output_keys(tf: Any, structure: Any) -> list[str]:
    """The keys a SavedModel signature gives a function's outputs, in tf.nest.flatten
    order: dict keys (sorted, as flatten sorts them), namedtuple fields, or
    output_0, output_1, ..."""
    if isinstance(structure, dict):
        return sorted(structure)
    if hasattr(structure, "_fields"):
        return list(structure._fields)
    return [f"output_{i}" for i in range(len(tf.nest.flatten(structure)))]


def function_layout(tf: Any, concrete: Any) -> tuple[list[TensorSlot], list[TensorSlot]]:
    """Where the stock `TFLiteConverter.from_concrete_functions([cf], fn)` puts a
    function's tensors (docs/design.md, "Inputs and outputs"): inputs in argument
    order named as the function's placeholders (the TensorSpec or argument
    names), outputs in tf.nest.flatten order named as the function's output
    tensors (Identity, Identity_1, ...; an output that is an input keeps the
    input's name). Each is paired with its signature key."""
    specs = [s for s in tf.nest.flatten(concrete.structured_input_signature) if isinstance(s, tf.TensorSpec)]
    # The signature keys are the placeholders' names too (for a nested argument
    # `xs`: xs, xs_1, where the specs say xs_0, xs_1).
    placeholders = [t.name.removesuffix(":0") for t in concrete.inputs[: len(specs)]]
    inputs = [TensorSlot(name, name) for name in placeholders]
    keys = signature_output_keys(tf, concrete.structured_outputs)
    outputs = [
        TensorSlot(key, tensor.name.removesuffix(":0"))
        for key, tensor in zip(keys, concrete.outputs, strict=True)
    ]
    return inputs, outputs


def _dict_inputs(model: Any) -> dict[str, Any] | None:
    """A functional model's inputs when it takes a flat dict of them (keras-hub's backbones)."""
    structure = getattr(model, "_inputs_struct", None)
    if isinstance(structure, dict) and all(hasattr(x, "shape") for x in structure.values()):
        return structure
    return None


def export_keras(tf: Any, model: Any, directory: Path) -> None:
    """Exports a Keras 3 model as `TFLiteConverter.from_keras_model` does before it
    converts (TF 2.21, lite.py `_convert_keras_to_saved_model`): one endpoint
    calling the model with training=False, whose input signature is the model's
    inputs (a functional or sequential model) or its save spec. Converting the
    result gives the stock converter's tensors, names and signature; and unlike
    `Model.export`, which traces some layers in training mode, it computes what
    `model.predict` computes."""
    import keras
    from keras.src.models import Functional, Sequential

    archive = keras.export.ExportArchive()
    archive.track(model)
    if isinstance(_dict_inputs(model), dict):
        # TF 2.21 hands such a model a flat list, which Keras 3 refuses (the
        # stock converter fails on every keras-hub backbone this way): export
        # it called with its own dict, the keys naming the signature's inputs.
        signature = [
            {k: tf.TensorSpec(x.shape, dtype=x.dtype, name=k) for k, x in _dict_inputs(model).items()}
        ]
    elif isinstance(model, (Functional, Sequential)):
        signature = tf.nest.map_structure(
            lambda x: tf.TensorSpec(x.shape, dtype=x.dtype, name=x.name), model.inputs
        )
        if isinstance(signature, list) and len(signature) > 1:
            signature = [signature]
    else:
        from tensorflow.lite.python.util import get_save_spec

        spec = get_save_spec(model)
        if not spec:
            raise ValueError("the Keras model has never been called; call it once before converting")
        signature = [spec]
    archive.add_endpoint("serve", functools.partial(model.__call__, training=False), signature)
    archive.write_out(str(directory))


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


# TF 1 control flow: what Grappler lowers If/Case/While into.
_V1_CONTROL_FLOW = {"Switch", "_SwitchN", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"}


def _restore_traced_functions(traced: Any, directory: Path) -> None:
    """Puts back the traced bodies of a function's nested functions where the
    export holds lowered ones.

    Once the stock converter has run on a function in this process, the eager
    context holds its nested functions (a while body, say) with their
    If/Case lowered into Switch/Merge under the same names, and
    tf.saved_model.save writes those: the export then has no Case for
    case_to_if.py to rewrite and the converter fails to raise the lowered
    graph back ("Failed to functionalize Control Flow V1 ops"). The function's
    own graph keeps the traced bodies; they replace the lowered ones."""
    bodies = {f.signature.name: f for f in traced.function}
    if not bodies:
        return
    path = directory / "saved_model.pb"
    saved_model = rewrite._load_saved_model_proto(directory)
    replaced = 0
    for meta_graph in saved_model.meta_graphs:
        for function in meta_graph.graph_def.library.function:
            original = bodies.get(function.signature.name)
            if original is None or not any(n.op in _V1_CONTROL_FLOW for n in function.node_def):
                continue
            if any(n.op in _V1_CONTROL_FLOW for n in original.node_def):
                continue
            function.CopyFrom(original)
            replaced += 1
    if replaced:
        path.write_bytes(saved_model.SerializeToString())


class ModelSource:
    def __init__(self, tf: Any, source: Any) -> None:
        self.tf = tf
        self.saved_model: Path | None = None
        self.keras_model: Any = None
        self.legacy_keras = False  # a tf_keras (Keras 2) model: exported as the stock converter does
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
            if path.suffix in (".h5", ".hdf5") and path.is_file():
                # Keras 2's HDF5 format: tf_keras loads it as it was saved (Keras 3 would rebuild
                # it with its own layers). Custom layers must be registered with tf_keras, as for
                # tf_keras.models.load_model.
                import tf_keras

                self.keras_model, self.legacy_keras = tf_keras.models.load_model(path), True
                return
            raise FileNotFoundError(f"{path}: not a SavedModel directory, a .keras or a Keras 2 .h5 file")
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
        # tf_keras (Keras 2: `import tf_keras`, or tf.keras under TF_USE_LEGACY_KERAS=1). A model of
        # it means the module is imported already.
        legacy = sys.modules.get("tf_keras")
        if legacy is not None and isinstance(source, legacy.Model):
            self.keras_model, self.legacy_keras = source, True
            return
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

    def captures_resources(self) -> bool:
        """Whether a function source captures lookup tables (non-variable resources TF can save)."""
        return self.function is not None and bool(captured_resources(self.tf, self.concrete()))

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
        if self.keras_model is not None and self.legacy_keras:
            # TFLiteConverter.from_keras_model's own export of a Keras 2 model (TF 2.21,
            # lite.py `_convert_keras_to_saved_model`): its serving signature, from its save spec.
            options = self.tf.saved_model.SaveOptions(save_debug_info=True)
            self.tf.saved_model.save(self.keras_model, str(directory), options=options)
            return directory
        if self.keras_model is not None:
            export_keras(self.tf, self.keras_model, directory)
            return directory
        self.tf.saved_model.save(holder(self.tf, self.function), str(directory), signatures=self.concrete())
        _restore_traced_functions(self.concrete().graph.as_graph_def().library, directory)
        return directory

    def stock_layout(self) -> tuple[list[TensorSlot], list[TensorSlot]] | None:
        """Where the stock converter puts the model's input and output tensors, when
        opbridge's own route puts them elsewhere: for functions, which opbridge
        converts through a SavedModel to keep a signature (see function_layout).
        None for SavedModels and Keras models, which both convert as the stock
        converter does."""
        if self.function is None:
            return None
        return function_layout(self.tf, self.concrete())

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
            # Keras names dtypes as strings ("float32", "string"): TF maps "string" to object.
            return [
                InputSpec(t.name, tuple(t.shape), np.dtype(tf.as_dtype(t.dtype).as_numpy_dtype))
                for t in self.keras_model.inputs
            ]
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
        if self.keras_model is not None and _dict_inputs(self.keras_model) is not None:
            out = self.keras_model({k: inputs[k] for k in _dict_inputs(self.keras_model)}, training=False)
        elif self.keras_model is not None:
            xs = [inputs[t.name] for t in self.keras_model.inputs]
            out = self.keras_model(xs if len(xs) > 1 else xs[0])
        else:
            out = self.concrete()(*[inputs[s.name] for s in self.input_specs()])
        return {n: np.asarray(v) for n, v in zip(output_names(tf, out), output_values(tf, out), strict=True)}
