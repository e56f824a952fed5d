"""`opbridge.Interpreter`: a stock TFLite interpreter with opbridge's kernels.

Two ways to get kernels into a runtime:
- "resolver": opbridge's registerers add them to the runtime's op resolver
  (custom_op_registerers; needs the runtime's AddCustom symbol, found in its
  ELF symbol table);
- "delegate": each kernel library is also an external delegate that claims
  the nodes it implements (works with any interpreter that takes delegates,
  the public tf.lite.Interpreter included).
"auto" uses the resolver and falls back to the delegate for a runtime whose
symbols cannot be found.
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any

from . import _abi_check, tflite_model
from ._library import libraries
from .errors import OpbridgeError

RUNTIMES = ("litert", "tf")
ROUTES = ("auto", "resolver", "delegate")

_route_lock = threading.Lock()
_auto_routes: dict[str, str] = {}


def registerers() -> list[Any]:
    """Custom-op registerers for every kernel library, usable as `custom_op_registerers`
    in `ai_edge_litert.interpreter.InterpreterWithCustomOps` and in TF's
    `tensorflow.lite.python.interpreter.InterpreterWithCustomOps`."""
    return [library.registerer() for library in libraries()]


def _load_delegate(runtime: str) -> Any:
    if runtime == "litert":
        from ai_edge_litert.interpreter import load_delegate

        return load_delegate
    if runtime == "tf":
        from tensorflow.lite.python.interpreter import load_delegate

        return load_delegate
    raise ValueError(f"unknown runtime {runtime!r}; expected one of {RUNTIMES}")


def delegates(runtime: str = "litert") -> list[Any]:
    """One external delegate per kernel library, for `experimental_delegates=` of any
    interpreter of `runtime` (the public tf.lite.Interpreter too). Each claims the
    nodes whose custom ops its library implements."""
    load = _load_delegate(runtime)
    return [load(str(library.path)) for library in libraries()]


def interpreter_class(runtime: str) -> Any:
    """The runtime's interpreter class that accepts custom-op registerers."""
    if runtime == "litert":
        from ai_edge_litert.interpreter import InterpreterWithCustomOps

        return InterpreterWithCustomOps
    if runtime == "tf":
        # Only TF's private module takes registerers (docs/design.md, "TFLite side").
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
    view = tflite_model.parse(model)
    uses = [u for u in view.custom_ops if u.name == "MaxUnpooling2D" and len(u.inputs) == 2]
    integer = {tflite_model.schema.TensorType.INT32, tflite_model.schema.TensorType.INT64}
    return any(view.tensor(u.subgraph, u.inputs[1]).Type() in integer for u in uses)


def _resolve_route(runtime: str, route: str, cls: Any) -> str:
    """The route to use, checking each kernel library's ABI against the runtime on the way."""
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}; expected one of {ROUTES}")
    route = os.environ.get("OPBRIDGE_ROUTE", route) if route == "auto" else route
    if route != "auto":
        for library in libraries():
            _abi_check.check(runtime, cls, library, route, _load_delegate(runtime))
        return route
    with _route_lock:
        if runtime in _auto_routes:
            return _auto_routes[runtime]
    try:
        for library in libraries():
            _abi_check.check(runtime, cls, library, "resolver", _load_delegate(runtime))
        chosen = "resolver"
    except _abi_check.RegistrationError as exc:
        for library in libraries():
            _abi_check.check(runtime, cls, library, "delegate", _load_delegate(runtime))
        warnings.warn(
            f"opbridge: the {runtime} runtime's op resolver cannot take kernels ({exc}); "
            "using opbridge's delegate instead",
            stacklevel=3,
        )
        chosen = "delegate"
    with _route_lock:
        _auto_routes[runtime] = chosen
    return chosen


def route_for(runtime: str) -> str:
    """The route `route="auto"` settled on for a runtime ("resolver" or "delegate")."""
    return _resolve_route(runtime, "auto", interpreter_class(runtime))


def Interpreter(
    model_path: str | os.PathLike[str] | None = None,
    model_content: bytes | None = None,
    runtime: str = "litert",
    custom_op_registerers: list[Any] | None = None,
    route: str = "auto",
    default_delegates: bool = True,
    **kwargs: Any,
) -> Any:
    """The runtime's interpreter for a model, with every opbridge kernel registered.

    `runtime="litert"` uses ai_edge_litert, `"tf"` TensorFlow's own interpreter.
    `route` picks how kernels get in (module docstring; the OPBRIDGE_ROUTE
    environment variable overrides "auto"). Other keyword arguments
    (num_threads, experimental_preserve_all_tensors, experimental_delegates,
    ...) go to the interpreter unchanged. The first interpreter of each runtime
    runs the ABI self-test (AbiMismatchError).

    `default_delegates=False` keeps the runtime's default delegate (XNNPACK) out,
    in either runtime: XNNPACK has its own versions of some MediaPipe ops, so
    this is how opbridge's kernels run them. A model the default XNNPACK
    delegate would break (a MaxUnpooling2D with an integer mask, from TF
    Addons' composite) is run without default delegates anyway, unless
    `experimental_op_resolver_type` is given.
    """
    cls = interpreter_class(runtime)
    if not default_delegates and "experimental_op_resolver_type" not in kwargs:
        kwargs["experimental_op_resolver_type"] = _op_resolver_without_default_delegates(runtime)
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
        chosen = _resolve_route(runtime, route, cls)
        path = os.fspath(model_path) if model_path is not None else None
        extra = list(custom_op_registerers or [])
        if chosen == "resolver":
            return cls(
                model_path=path,
                model_content=model_content,
                custom_op_registerers=registerers() + extra,
                **kwargs,
            )
        user_delegates = list(kwargs.pop("experimental_delegates", None) or [])
        return cls(
            model_path=path,
            model_content=model_content,
            custom_op_registerers=extra,
            experimental_delegates=user_delegates + delegates(runtime),
            **kwargs,
        )


__all__ = ["Interpreter", "OpbridgeError", "delegates", "interpreter_class", "registerers", "route_for"]
