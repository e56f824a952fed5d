"""On-device training: a Keras model's train step as a model LiteRT runs (imports TensorFlow).

TFLite's on-device training guide wraps a model in a tf.Module with signatures
`train`, `infer`, `save` and `restore` and converts it with Select TF ops,
which the Python runtimes and most apps cannot load. `export` writes that
module as a SavedModel; `opbridge.convert` on it gives a model whose gradient,
random and checkpoint ops run as opbridge kernels in the stock interpreters:

    directory = opbridge.training.export(model, loss, optimizer, "trainable")
    tflite = opbridge.convert(directory)
    interpreter = opbridge.Interpreter(model_content=tflite)
    interpreter.get_signature_runner("train")(x=x, y=y)  # -> {"loss": ...}

Signatures: train(x, y) -> {"loss"}; infer(x) -> {"logits"};
save(checkpoint_path) and restore(checkpoint_path) through TF's V1 checkpoint
ops (a checkpoint either side writes, the other reads); weights() -> {"v0", ...}
every variable in `variable_names` order.
"""

from __future__ import annotations

import os
from typing import Any

import keras
import tensorflow as tf


def _label_spec(model: Any, loss: Any) -> Any:
    """Integer class ids for sparse crossentropies, else a tensor shaped like the model's output."""
    if (
        isinstance(loss, keras.losses.SparseCategoricalCrossentropy)
        or "sparse" in type(loss).__name__.lower()
    ):
        return tf.TensorSpec([None, *model.output_shape[1:-1]], tf.int64, name="y")
    return tf.TensorSpec([None, *model.output_shape[1:]], tf.float32, name="y")


class Trainer(tf.Module):
    """The guide's module around a built Keras model, its loss and its optimizer."""

    def __init__(self, model: Any, loss: Any, optimizer: Any, label_spec: Any = None) -> None:
        super().__init__()
        if len(model.inputs) != 1:
            raise ValueError("opbridge.training: the model must have one input")
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        optimizer.build(model.trainable_variables)
        # Dropout and the other random layers draw from seed generators whose
        # state is a variable the train step advances; it is saved with the rest.
        # (Keras lists most of them in model.variables already.)
        layers = model._flatten_layers()
        seeds = [layer.seed_generator.state for layer in layers if hasattr(layer, "seed_generator")]
        unique = {id(v): v for v in [*model.variables, *optimizer.variables, *seeds]}
        self.state = list(unique.values())
        # Keras 3 variables wrap a tf.Variable; unless that tf.Variable itself is
        # tracked, the converter makes no initializer for it (no CALL_ONCE
        # subgraph), and the model reads uninitialized memory (TF's interpreter)
        # or fails in READ_VARIABLE (LiteRT's).
        self.tf_variables = [v.value for v in self.state if isinstance(v, keras.Variable)]
        self.variable_names = [v.path for v in self.state]
        if len(set(self.variable_names)) != len(self.variable_names):
            raise ValueError("opbridge.training: variable paths are not unique; name the layers")
        x_spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32, name="x")
        y_spec = label_spec if label_spec is not None else _label_spec(model, loss)
        path_spec = tf.TensorSpec([], tf.string, name="checkpoint_path")
        self.train = tf.function(self._train, input_signature=[x_spec, y_spec])
        self.infer = tf.function(self._infer, input_signature=[x_spec])
        self.save = tf.function(self._save, input_signature=[path_spec])
        self.restore = tf.function(self._restore, input_signature=[path_spec])
        self.weights = tf.function(self._weights, input_signature=[])

    def _train(self, x: Any, y: Any) -> dict[str, Any]:
        with tf.GradientTape() as tape:
            loss = self.loss(y, self.model(x, training=True))
        grads = tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables, strict=True))
        return {"loss": loss}

    def _infer(self, x: Any) -> dict[str, Any]:
        return {"logits": self.model(x, training=False)}

    def _save(self, checkpoint_path: Any) -> dict[str, Any]:
        tf.raw_ops.Save(
            filename=checkpoint_path,
            tensor_names=self.variable_names,
            data=[tf.convert_to_tensor(v) for v in self.state],
            name="save",
        )
        return {"checkpoint_path": checkpoint_path}

    def _restore(self, checkpoint_path: Any) -> dict[str, Any]:
        restored = {}
        for i, (v, name) in enumerate(zip(self.state, self.variable_names, strict=True)):
            value = tf.raw_ops.Restore(file_pattern=checkpoint_path, tensor_name=name, dt=v.dtype)
            v.assign(tf.reshape(value, v.shape))
            restored[f"v{i}"] = value
        return restored

    def _weights(self) -> dict[str, Any]:
        return {f"v{i}": tf.convert_to_tensor(v) for i, v in enumerate(self.state)}

    def signatures(self) -> dict[str, Any]:
        return {
            name: getattr(self, name).get_concrete_function()
            for name in ("train", "infer", "save", "restore", "weights")
        }


def export(
    model: Any, loss: Any, optimizer: Any, directory: str | os.PathLike[str], label_spec: Any = None
) -> str:
    """Writes the trainable SavedModel for `model` to `directory` and returns its path.

    loss: a Keras loss object; optimizer: a Keras optimizer (built here for the
    model's trainable variables). label_spec: the `y` input's tf.TensorSpec, when
    the default (int64 class ids for sparse crossentropy, else the output's shape
    in float32) does not fit.
    """
    trainer = Trainer(model, loss, optimizer, label_spec)
    path = os.fspath(directory)
    tf.saved_model.save(trainer, path, signatures=trainer.signatures())
    return path


__all__ = ["Trainer", "export"]
