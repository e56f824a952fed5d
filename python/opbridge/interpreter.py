"""`opbridge.Interpreter`: a stock TFLite interpreter with opbridge's kernels registered."""

from __future__ import annotations

import os
import warnings
from typing import Any

from . import _abi_check, tflite_model
from ._library import libraries

RUNTIMES = ("litert", "tf")


def registerers() -> list[Any]:
    """Custom-op registerers for every kernel library, usable as `custom_op_registerers`
    in `ai_edge_litert.interpreter.InterpreterWithCustomOps` and in TF's
    `tensorflow.lite.python.interpreter.InterpreterWithCustomOps`."""
    return [library.registerer() for library in libraries()]


def interpreter_class(runtime: str) -> Any:
    """The runtime's interpreter class that accepts custom-op registerers."""
    if runtime == "litert":
        from ai_edge_litert.interpreter import InterpreterWithCustomOps

        return InterpreterWithCustomOps
    if runtime == "tf":
        # Only TF's private module takes registerers (DESIGN.md, "Runtimes").
        from tensorflow.lite.python.interpreter import InterpreterWithCustomOps

        return InterpreterWithCustomOps
    raise ValueError(f"unknown runtime {runtime!r}; expected one of {RUNTIMES}")


def _op_resolver_without_default_delegates(runtime: str) -> Any:
    if runtime == "litert":
        from ai_edge_litert.interpreter import OpResolverType
    else:
        from tensorflow.lite.python.interpreter import OpResolverType
    return OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


def _default_delegates_break(model: bytes) -> bool:
    """True if the default XNNPACK delegate would take a node it cannot run.

    XNNPACK implements MediaPipe's MaxUnpooling2D (float mask) under that name
    and claims the converter's "addons:MaxUnpooling2D" composite too, which has
    the same name but an integer mask: the interpreter then fails to prepare
    ("unsupported datatype (INT64) ... in XNNPACK delegate").
    """
    uses = [u for u in tflite_model.custom_ops(model) if u.name == "MaxUnpooling2D" and len(u.inputs) == 2]
    if not uses:
        return False
    m = tflite_model.load(model)
    integer = {tflite_model.schema.TensorType.INT32, tflite_model.schema.TensorType.INT64}
    return any(m.Subgraphs(u.subgraph).Tensors(u.inputs[1]).Type() in integer for u in uses)


def Interpreter(
    model_path: str | os.PathLike[str] | None = None,
    model_content: bytes | None = None,
    runtime: str = "litert",
    custom_op_registerers: list[Any] | None = None,
    **kwargs: Any,
) -> Any:
    """The runtime's interpreter for a model, with every opbridge kernel registered.

    `runtime="litert"` uses ai_edge_litert, `"tf"` TensorFlow's own interpreter.
    Other keyword arguments (num_threads, experimental_preserve_all_tensors,
    experimental_delegates, ...) go to the interpreter unchanged. The first
    interpreter of each runtime runs the ABI self-test (AbiMismatchError).

    A model the default XNNPACK delegate would break (a MaxUnpooling2D with an
    integer mask, from TF Addons' composite) is run without default delegates
    unless `experimental_op_resolver_type` is given.
    """
    cls = interpreter_class(runtime)
    if "experimental_op_resolver_type" not in kwargs:
        content = model_content
        if content is None and model_path is not None:
            with open(model_path, "rb") as f:
                content = f.read()
        if content is not None and _default_delegates_break(bytes(content)):
            kwargs["experimental_op_resolver_type"] = _op_resolver_without_default_delegates(runtime)
    with warnings.catch_warnings():
        # TF's interpreter warns that it is deprecated; the caller chose it.
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        warnings.filterwarnings("ignore", category=UserWarning, module="tensorflow.lite.python.interpreter")
        for library in libraries():
            _abi_check.check(runtime, cls, library)
        return cls(
            model_path=os.fspath(model_path) if model_path is not None else None,
            model_content=model_content,
            custom_op_registerers=registerers() + list(custom_op_registerers or []),
            **kwargs,
        )
